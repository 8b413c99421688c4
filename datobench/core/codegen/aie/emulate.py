"""``backend="aie-emu"``: execute an emitted MLIR-AIE design on host arrays.

The design is parsed (``parse_design``) and run by processes that a deterministic scheduler
resumes round robin, each until it blocks: one per ``aie.core`` (its body on xDSL's
interpreter, ``emu_core``), one per memory-tile link (``emu_link``), one per shim end of an
object FIFO (``emu_dma``), one per channel of hand-written DMA (``emu_hand``) and, per
invocation, the runtime sequence, which issues the ``dma_memcpy_nd`` transfers over the host
buffers (its block arguments, in order) and waits for them.

As on the device, the design is loaded once (``LoadedDesign``): its cores start and settle
(each at the first acquire of its endless loop) before the host invokes it, and keep their
state from one invocation to the next. An invocation ends when nothing can move. It is a
``DeadlockError`` if the sequence or a transfer it issued has not finished, naming every
blocked core, link and DMA, the op's line in the design and the fill level of each FIFO
involved; and a ``DatoRuntimeError`` if the design is not back where it settled (a core
stopped inside an iteration, data left in a FIFO, a lock counting otherwise or a hand DMA
channel elsewhere in its chain), since the next invocation would start out of step. A budget
of loop iterations per invocation stops runaway cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from xdsl.dialects.builtin import MemRefType
from xdsl.ir import Block

from datobench.core.codegen.aie.emu_core import Budget, CoreRunner, new_interpreter, run_plain
from datobench.core.codegen.aie.emu_design import Design, read_design
from datobench.core.codegen.aie.emu_dma import ShimPort, Transfer, Wait, addresses
from datobench.core.codegen.aie.emu_fifo import ObjectFifo
from datobench.core.codegen.aie.emu_hand import HandDma, ShimChannel
from datobench.core.codegen.aie.emu_kernels import EmulationError
from datobench.core.codegen.aie.emu_link import run_link
from datobench.core.codegen.aie.parse import Design as ParsedDesign
from datobench.core.errors import DatoRuntimeError, DeadlockError


@dataclass(frozen=True)
class EmuResult:
    """What ``prog.run(..., backend="aie-emu")`` returns."""

    backend = "aie-emu"
    design: str  # the MLIR-AIE text that ran
    elements: dict[str, int]  # per object FIFO: elements its producer released
    transfers: int  # dma_memcpy_nd issued by the runtime sequence
    iterations: int  # core loop iterations
    passes: int  # scheduler passes over the processes

    def summary(self) -> str:
        moved = sum(self.elements.values())
        return (
            f"aie-emu: {len(self.elements)} object FIFOs moved {moved:,} elements, "
            f"{self.transfers} shim transfers, {self.iterations:,} core loop iterations"
        )

    __str__ = summary


class Emulation:
    """The processes of a loaded design and their shared state, kept from one invocation to the
    next as on the device."""

    def __init__(self, design: Design, max_steps: int):
        self.design = design
        self.budget = Budget(max_steps)
        self.fifos = {name: ObjectFifo(decl) for name, decl in design.fifos.items()}
        self.hand = HandDma(design, self.budget.work)
        self.ports: dict[str, ShimPort | ShimChannel] = dict(self.hand.shims)
        for name, fifo in self.fifos.items():
            shim = next((t for t in (fifo.decl.producer, *fifo.decl.consumers) if t[1] == 0), None)
            if shim is not None:
                self.ports[name] = ShimPort(fifo, shim, self.budget.work)
        self.transfers = 0
        self.passes = 0
        self.sequence_done = False
        self.cores = [
            CoreRunner(body, tile, self.fifos, self.hand, self.budget, design)
            for tile, body in design.cores
        ]
        self.live: list[tuple[str, Iterator[Wait]]] = [(c.name, c.run()) for c in self.cores]
        for link in design.links:
            self.live.append(("link", run_link(link, self.fifos, self.budget.work)))
        for port in self.ports.values():
            if isinstance(port, ShimPort):
                self.live.append((port.name, port.run()))
        self.live += self.hand.processes()
        self._run()
        self.rest = self._state()
        self.rest_fills = {name: len(f.queue) for name, f in self.fifos.items()}

    def invoke(self, host: list[np.ndarray]) -> None:
        """One run of the runtime sequence over ``host`` (flat buffers, written in place); the
        cores and links go on from where the last invocation left them."""
        self.sequence_done = False
        ended = [c.name for c in self.cores if c.finished]
        sequence = ("runtime sequence", self._sequence(self.design.sequence, host))
        waits = self._run(sequence)
        if not (self.sequence_done and all(p.idle for p in self.ports.values())):
            raise self._deadlock(waits, ended)
        self._check_rest(waits)

    def _run(self, *extra: tuple[str, Iterator[Wait]]) -> list[Wait]:
        """Resume every process until nothing moves; returns what each live one waits for."""
        live = [*self.live, *extra]
        with np.errstate(all="ignore"):
            while True:
                self.passes += 1
                before = self.budget.work[0]
                waits: list[Wait] = []
                still = []
                for name, process in live:
                    try:
                        waits.append(next(process))
                        still.append((name, process))
                    except StopIteration:
                        pass
                live = still
                if self.budget.work[0] == before:
                    self.live = [p for p in live if p not in extra]
                    return waits

    def _state(self) -> tuple:
        """Where the cores are and what the FIFOs hold."""
        return (
            {c.name: c.position for c in self.cores},
            {name: f.level() for name, f in self.fifos.items()},
            self.hand.state(),
        )

    def _sequence(self, block: Block, host: list[np.ndarray]) -> Iterator[Wait]:
        interp = new_interpreter(self.design.module)
        interp.push_scope("runtime sequence")
        interp.set_values(zip(block.args, host))
        for op in block.ops:
            self.budget.work[0] += 1
            line = self.design.line(op)
            if op.name == "aiex.npu.dma_memcpy_nd":
                name, offsets, sizes, strides = self.design.transfer(op)
                if name not in self.ports:
                    raise EmulationError(
                        f"line {line}: dma_memcpy_nd moves @{name}, which has no shim endpoint"
                    )
                memref = next(v for v in op.operands if isinstance(v.type, MemRefType))
                (host,) = interp.get_values((memref,))
                index = addresses(offsets, sizes, strides)
                if len(index) and (index.min() < 0 or index.max() >= len(host)):
                    raise EmulationError(
                        f"line {line}: dma_memcpy_nd reaches element {index.max()} (lowest "
                        f"{index.min()}) of a host buffer of {len(host)} elements"
                    )
                self.ports[name].issue(Transfer(host, index, line))
                self.transfers += 1
            elif op.name == "aiex.npu.dma_wait":
                port = self.ports[self.design.wait_symbol(op)]
                while not port.idle:
                    yield Wait("runtime sequence", f"dma_wait @{port.symbol}", line)
            elif op.name == "aiex.npu.sync":
                outputs = [p for p in self.ports.values() if not p.into_fifo]
                while not all(p.idle for p in outputs):
                    yield Wait("runtime sequence", "npu.sync on the output transfers", line)
            elif op.name not in ("aie.end", "func.return"):
                interp.set_values(zip(op.results, run_plain(interp, op, line)))
        self.sequence_done = True

    def _deadlock(self, waits: list[Wait], ended: list[str]) -> DeadlockError:
        blocked = [w for w in waits if w.line is not None]
        fifos = sorted({w.fifo for w in blocked if w.fifo is not None})
        notes = [f"{w.who} waits to {w.what} at {self._at(w.line)}" for w in blocked]
        notes += [
            f"{name} ran its body to aie.end in an earlier invocation and runs no more: "
            "wrap the body in an endless scf.for"
            for name in ended
        ]
        notes += [f"@{f}: {self.fifos[f].fill()}" for f in fifos]
        who = ", ".join(dict.fromkeys(w.who for w in blocked))
        return DeadlockError(
            f"deadlock in the emitted design: every core, link and DMA is blocked ({who})",
            None,
            tuple(notes),
        )

    def _check_rest(self, waits: list[Wait]) -> None:
        """The invocation is complete only if the design is back where it rested before the
        first one: every core at the top of its endless loop (or where it rested), every FIFO
        and shim DMA holding what it held then. Otherwise the next invocation starts out of
        step, and that is an error naming what is left."""
        cores, levels, _ = self._state()
        rest_cores, rest_levels, rest_hand = self.rest
        notes = []
        for core in self.cores:
            if cores[core.name] not in (None, rest_cores[core.name]):
                wait = next(w for w in waits if w.who == core.name)
                notes.append(
                    f"{core.name} stopped inside an iteration of its loop: it waits to "
                    f"{wait.what} at {self._at(wait.line)}"
                )
        for name, fifo in self.fifos.items():
            if levels[name] != rest_levels[name]:
                notes.append(f"@{name}: {fifo.fill()}, {self.rest_fills[name]} at rest")
        notes += [left for port in self.ports.values() if (left := port.left()) is not None]
        notes += self.hand.unsettled(rest_hand)
        if notes:
            raise DatoRuntimeError(
                "the runtime sequence finished, but the design did not come back to rest for "
                "the next invocation: a core stopped inside an iteration, data was left in "
                "an object FIFO, or a lock or DMA channel is not where it rested",
                None,
                tuple(notes),
            )

    def _at(self, line: int) -> str:
        text = self.design.parsed.text.splitlines()
        source = text[line - 1].strip() if 0 < line <= len(text) else ""
        return f"design line {line}\n        {source}"


class LoadedDesign:
    """A parsed design loaded as on the device: its cores, links and DMAs start, settle, and
    keep their state from one ``invoke`` to the next; each invocation runs the runtime
    sequence over fresh host buffers, as the host does when it runs the design again."""

    def __init__(self, parsed: ParsedDesign, max_steps: int, user_kernels: dict | None = None):
        self.parsed = parsed
        self.design = read_design(parsed, user_kernels or {})
        self.emulation = Emulation(self.design, max_steps)
        self.produced = {name: 0 for name in self.emulation.fifos}

    def invoke(self, arrays: list[np.ndarray]) -> EmuResult:
        """Run the design once on ``arrays``, the runtime sequence's host buffers in order;
        outputs are written into them."""
        args = self.design.sequence.args
        if len(args) != len(arrays):
            raise EmulationError(
                f"the runtime sequence takes {len(args)} host buffers, but {len(arrays)} were given"
            )
        host = [np.ascontiguousarray(a).reshape(-1).copy() for a in arrays]
        emulation = self.emulation
        emulation.invoke(host)
        for array, flat in zip(arrays, host):
            array[...] = flat.reshape(array.shape)
        elements = {n: f.produced - self.produced[n] for n, f in emulation.fifos.items()}
        self.produced = {n: f.produced for n, f in emulation.fifos.items()}
        result = EmuResult(
            self.parsed.text,
            elements,
            emulation.transfers,
            emulation.budget.iterations,
            emulation.passes,
        )
        emulation.transfers = emulation.passes = emulation.budget.iterations = 0
        return result


def emulate(
    parsed: ParsedDesign,
    arrays: list[np.ndarray],
    max_steps: int,
    user_kernels: dict | None = None,
) -> EmuResult:
    """Load a parsed design (``parse.read_design``) and run it once on ``arrays``, the
    runtime sequence's host buffers in order; outputs are written into them.
    ``user_kernels``: the program's ``@dato.kernel``s by name, for the declarations that call
    them."""
    return LoadedDesign(parsed, max_steps, user_kernels).invoke(arrays)
