"""The runtime sequence: every shim FIFO's blocks of its host buffer as legal
``dma_memcpy_nd`` transfers, issued in the order the design needs them, with waits.

A wait must never depend on a transfer not issued yet, or the sequence stops there for good.
``clock.py`` gives every object a shim FIFO moves a time such that whatever it depends on
comes earlier; a transfer spans the times of its first and last objects. Transfers are issued
in the order of their first objects (reads first among equals), so when one is issued, every
transfer with an earlier start already is, and a FIFO whose transfers in flight all end by
then can finish them.

A shim DMA channel queues at most 4 tasks (a push onto a full queue is dropped, not held), so
before a FIFO's fifth transfer in flight the sequence waits for that FIFO: its transfers end
where the new one starts, so the wait can complete. Each transfer takes a buffer descriptor of
its shim tile (16 per tile; a tile has at most 2 + 2 channels, so 4 queues of 4), reused after
the wait on its FIFO. At the end the sequence waits for every write.
"""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.codegen.aie import dma, types
from datobench.core.codegen.aie.clock import shim_times
from datobench.core.codegen.aie.plan import Plan, ShimMove

SHIM_BDS = 16  # per shim tile
TASK_QUEUE = 4  # per shim DMA channel


@dataclass(frozen=True)
class Issue:
    fifo: str
    buffer: str
    column: int  # of the shim tile, whose buffer descriptors it takes
    transfer: dma.Transfer
    start: int  # the clock's time of its first object
    end: int  # ... and of its last
    write: bool


def issues(plan: Plan, channels, element_bytes: dict[str, int]) -> list[Issue]:
    """Every transfer, in the order the sequence issues them."""
    out = []
    for move, times in zip(plan.moves, shim_times(plan, channels)):
        out += _issues(plan, move, times, element_bytes[move.buffer])
    ranked = sorted(range(len(out)), key=lambda n: (out[n].start, out[n].write, n))
    return [out[n] for n in ranked]  # n keeps a FIFO's own order among equals


def _issues(plan: Plan, move: ShimMove, times: list[int], element_bytes: int) -> list[Issue]:
    what = f"the transfers of '{move.buffer}' ({move.fifo})"
    transfers = dma.transfers(move.blocks, element_bytes, what)
    f = plan.fifo(move.fifo)
    write = move.direction == "write"
    column = (f.consumers[0] if write else f.producer)[0]
    per_object = f.shape[0]
    out, done = [], 0
    for t in transfers:
        end = done + _elements(t)
        first, last = times[done // per_object], times[(end - 1) // per_object]
        out.append(Issue(move.fifo, move.buffer, column, t, first, last, write))
        done = end
    return out


def _elements(t: dma.Transfer) -> int:
    n = 1
    for s in t.sizes:
        n *= s
    return n


def sequence_lines(plan: Plan, program, op_name: str, arg: dict[str, str]) -> list[str]:
    """The runtime sequence op with its body, one line per op."""
    params = program.region.params
    mems = {b.name: types.memref((b.type.size,), b.type) for b in params}
    element_bytes = {b.name: b.type.dtype.bytes for b in params}
    header = ", ".join(f"{arg[b.name]}: {mems[b.name]}" for b in params)
    lines = [f"{op_name}({header}) {{"]
    free: dict[int, list[int]] = {}  # shim column -> its free BD ids
    queued: dict[str, list[int]] = {}  # FIFO -> the BD ids of its transfers in flight
    for issue in issues(plan, program.graph.channels, element_bytes):
        ids = free.setdefault(issue.column, list(range(SHIM_BDS)))
        queue = queued.setdefault(issue.fifo, [])
        if len(queue) == TASK_QUEUE:
            lines.append(f"  aiex.npu.dma_wait {{symbol = @{issue.fifo}}}")
            ids += queue
            ids.sort()
            queue.clear()
        assert ids, "a shim tile has at most 4 channels of 4 queued tasks: 16 BDs"
        bd = ids.pop(0)
        queue.append(bd)
        t = issue.transfer
        lines.append(
            f"  aiex.npu.dma_memcpy_nd({arg[issue.buffer]}{_list(t.offsets())}{_list(t.sizes)}"
            f"{_list(t.strides)}) {{id = {bd} : i64, issue_token = true, "
            f"metadata = @{issue.fifo}}} : {mems[issue.buffer]}"
        )
    for move in plan.moves:  # the writes still in flight
        if move.direction == "write" and queued.get(move.fifo):
            lines.append(f"  aiex.npu.dma_wait {{symbol = @{move.fifo}}}")
    lines.append("}")
    return lines


def _list(xs) -> str:
    return "[" + ", ".join(map(str, xs)) + "]"
