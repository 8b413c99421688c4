"""A logical clock for the runtime sequence: for every object a shim FIFO moves, a time such
that whatever must happen before it (in any run of the design) has a smaller time.

The events are the instances' moves in program order (DDR slices taken or given, stream
elements got or put, ``Trace.order``), every step of a memory-tile link and every object a
shim DMA moves. One must follow another when:
- they are consecutive moves of one instance, or objects taken in turn from one FIFO;
- a get takes the element a put gave, or a put needs the room a get made (the stream's depth);
- a link step moves the objects its shim and window sides give, into the room their other sides
  made (each FIFO's depth): a read's shim object k needs link step k - 2 done, link step k its
  shim object and the windows' cores done with object k - depth, a core's take of object k
  link step k; a write mirrors it.
The time of an event is the length of the longest chain of such events before it. Every edge is
a necessary condition, so a transfer whose objects all have times below t never needs a transfer
whose objects all have times t or later. A cycle means the design cannot run whatever the
sequence does (the emulator reports it); its events get times in their order of creation.
"""

from __future__ import annotations

from collections import deque

from datobench.core.codegen.aie.plan import DDR_DEPTH, Plan, ShimMove, Turn

Node = tuple  # ("move", instance, n) | ("link", move, k) | ("shim", move, k)


class Clock:
    def __init__(self):
        self.after: dict[Node, list[Node]] = {}  # event -> the events that follow it
        self.before: dict[Node, int] = {}  # event -> how many events it follows

    def node(self, n: Node) -> Node:
        if n not in self.after:
            self.after[n] = []
            self.before[n] = 0
        return n

    def edge(self, first: Node, then: Node) -> None:
        self.after[self.node(first)].append(self.node(then))
        self.before[then] += 1

    def times(self) -> dict[Node, int]:
        """The longest chain before each event (Kahn's order; a cycle is cut at its oldest
        event)."""
        waiting = dict(self.before)
        time = dict.fromkeys(self.after, 0)
        ready = deque(n for n, k in waiting.items() if k == 0)
        done: set[Node] = set()
        pending = iter(self.after)  # creation order, to cut cycles
        while len(done) < len(self.after):
            if not ready:
                ready.append(next(n for n in pending if n not in done))
            n = ready.popleft()
            if n in done:
                continue
            done.add(n)
            for m in self.after[n]:
                time[m] = max(time[m], time[n] + 1)
                waiting[m] -= 1
                if waiting[m] == 0:
                    ready.append(m)
        return time


def _moves(clock: Clock, turns: list[Turn]) -> list[Node]:
    return [clock.node(("move", inst, n)) for inst, n in turns]


def _program_order(clock: Clock, orders) -> None:
    for inst, order in orders.items():
        for n in range(1, len(order)):
            clock.edge(("move", inst, n - 1), ("move", inst, n))


def _streams(clock: Clock, channels, orders) -> None:
    for c in channels:
        puts = [n for n, m in enumerate(orders[c.producer]) if m == ("put", c.name)]
        gets = [n for n, m in enumerate(orders[c.consumer]) if m == ("get", c.name)]
        for j, (put, get) in enumerate(zip(puts, gets)):
            clock.edge(("move", c.producer, put), ("move", c.consumer, get))
            if j >= c.depth:  # the put needs the room of an earlier get
                clock.edge(("move", c.consumer, gets[j - c.depth]), ("move", c.producer, put))


def _staged(clock: Clock, m: int, move: ShimMove) -> None:
    """The edges of a staged panel's shim FIFO, its link and the slices' FIFO: link step k
    (the memory tile starts sending panel k, as ``per_step`` objects) needs shim object k
    and room for its first object; shim object k needs the panel buffer it overwrites sent
    whole, so the cores' room for that panel's last object; and every object after a step's
    first needs every reader's room for it."""
    (w,) = move.windows
    per, depth = w.per_step, move.depth
    for k in range(len(w.turns) // per):
        shim, link = ("shim", m, k), ("link", m, k)
        clock.edge(shim, link)
        if k:
            clock.edge(("shim", m, k - 1), shim)
            clock.edge(("link", m, k - 1), link)
        if k >= depth:
            clock.edge(("link", m, k - depth), shim)
            last = (k - depth + 1) * per - 1 - w.depth
            for done in _moves(clock, w.turns[last] if last >= 0 else []):
                clock.edge(done, shim)
        for j in range(k * per, (k + 1) * per):
            takes = _moves(clock, w.turns[j])
            before = _moves(clock, w.turns[j - w.depth]) if j >= w.depth else []
            for t in takes:
                clock.edge(link, t)
                for done in before if j > k * per else []:
                    clock.edge(done, t)
            for done in before if j == k * per else []:
                clock.edge(done, link)


def _link(clock: Clock, m: int, move: ShimMove) -> None:
    """The edges of one shim FIFO, its link and its windows."""
    if move.windows[0].per_step > 1 or move.depth != DDR_DEPTH:
        _staged(clock, m, move)
        return
    steps = len(move.windows[0].turns)
    read = move.direction == "read"
    for k in range(steps):
        shim, link = ("shim", m, k), ("link", m, k)
        if k:
            clock.edge(("shim", m, k - 1), shim)
            clock.edge(("link", m, k - 1), link)
        if read:
            clock.edge(shim, link)
            if k >= DDR_DEPTH:
                clock.edge(("link", m, k - DDR_DEPTH), shim)
        else:
            clock.edge(link, shim)
            if k >= DDR_DEPTH:
                clock.edge(("shim", m, k - DDR_DEPTH), link)
        for w in move.windows:
            for t in _moves(clock, w.turns[k]):
                if read:
                    clock.edge(link, t)
                    if k >= w.depth:  # the cores made room for it
                        for done in _moves(clock, w.turns[k - w.depth]):
                            clock.edge(done, link)
                else:
                    clock.edge(t, link)
                    if k >= w.depth:  # the link made room for it
                        clock.edge(("link", m, k - w.depth), t)
            if k and len(w.turns[k]) == len(w.turns[k - 1]) == 1:  # a bundle's members in turn
                clock.edge(("move", *w.turns[k - 1][0]), ("move", *w.turns[k][0]))


def shim_times(plan: Plan, channels) -> list[list[int]]:
    """Per shim move (``plan.moves``), the time of each object it moves."""
    clock = Clock()
    _program_order(clock, plan.orders)
    _streams(clock, channels, plan.orders)
    for m, move in enumerate(plan.moves):
        _link(clock, m, move)
    time = clock.times()
    return [
        [
            time[("shim", m, k)]
            for k in range(len(move.windows[0].turns) // move.windows[0].per_step)
        ]
        for m, move in enumerate(plan.moves)
    ]
