"""``backend="aie-emu"``: execute an emitted MLIR-AIE design on host arrays.

The design is parsed (``parse_design``) and run by processes that a deterministic scheduler
resumes round robin, each until it blocks: one per ``aie.core`` (its body on xDSL's
interpreter, ``emu_core``), one per memory-tile link (``emu_link``), one per shim end of an
object FIFO (``emu_dma``) and the runtime sequence, which issues the ``dma_memcpy_nd``
transfers over the host buffers (its block arguments, in order) and waits for them. The run
ends when nothing can move: it has succeeded if the sequence and every transfer it issued have
finished (cores loop forever on the hardware, so a core still waiting then is idle), and is a
``DeadlockError`` otherwise, naming every blocked core, link and DMA, the op's line in the
design and the fill level of each FIFO involved. A budget of loop iterations stops runaway
cores.
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
from datobench.core.codegen.aie.emu_kernels import EmulationError
from datobench.core.codegen.aie.emu_link import run_link
from datobench.core.codegen.aie.parse import Design as ParsedDesign
from datobench.core.errors import DeadlockError


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
    """The processes of one run and their shared state."""

    def __init__(self, design: Design, host: list[np.ndarray], max_steps: int):
        self.design = design
        self.host = host
        self.budget = Budget(max_steps)
        self.fifos = {name: ObjectFifo(decl) for name, decl in design.fifos.items()}
        self.ports: dict[str, ShimPort] = {}
        for name, fifo in self.fifos.items():
            shim = next((t for t in (fifo.decl.producer, *fifo.decl.consumers) if t[1] == 0), None)
            if shim is not None:
                self.ports[name] = ShimPort(fifo, shim, self.budget.work)
        self.transfers = 0
        self.sequence_done = False
        self.processes: list[tuple[str, Iterator[Wait]]] = []
        for tile, body in design.cores:
            runner = CoreRunner(
                design.module, body, tile, self.fifos, design.kernels, self.budget, design
            )
            self.processes.append((runner.name, runner.run()))
        for link in design.links:
            self.processes.append(("link", run_link(link, self.fifos, self.budget.work)))
        for port in self.ports.values():
            self.processes.append((port.name, port.run()))
        self.processes.append(("runtime sequence", self._sequence(design.sequence)))

    def run(self) -> int:
        """Resume every process until nothing moves; returns the number of passes."""
        live = list(self.processes)
        passes = 0
        with np.errstate(all="ignore"):
            while True:
                passes += 1
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
                if self.budget.work[0] != before:
                    continue
                if self.sequence_done and all(p.idle for p in self.ports.values()):
                    return passes
                raise self._deadlock(waits)

    def _sequence(self, block: Block) -> Iterator[Wait]:
        interp = new_interpreter(self.design.module)
        interp.push_scope("runtime sequence")
        interp.set_values(zip(block.args, self.host))
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
                    yield Wait("runtime sequence", f"dma_wait @{port.fifo.decl.name}", line)
            elif op.name == "aiex.npu.sync":
                outputs = [p for p in self.ports.values() if not p.into_fifo]
                while not all(p.idle for p in outputs):
                    yield Wait("runtime sequence", "npu.sync on the output transfers", line)
            elif op.name not in ("aie.end", "func.return"):
                interp.set_values(zip(op.results, run_plain(interp, op, line)))
        self.sequence_done = True

    def _deadlock(self, waits: list[Wait]) -> DeadlockError:
        blocked = [w for w in waits if w.line is not None]
        fifos = sorted({w.fifo for w in blocked if w.fifo is not None})
        text = self.design.parsed.text.splitlines()
        notes = [
            f"{w.who} waits to {w.what} at design line {w.line}\n        "
            + (text[w.line - 1].strip() if 0 < w.line <= len(text) else "")
            for w in blocked
        ]
        notes += [f"@{f}: {self.fifos[f].fill()}" for f in fifos]
        who = ", ".join(dict.fromkeys(w.who for w in blocked))
        return DeadlockError(
            f"deadlock in the emitted design: every core, link and DMA is blocked ({who})",
            None,
            tuple(notes),
        )


def emulate(
    parsed: ParsedDesign,
    arrays: list[np.ndarray],
    max_steps: int,
    user_kernels: dict | None = None,
) -> EmuResult:
    """Run a parsed design (``parse.read_design``) on ``arrays``, the runtime sequence's host
    buffers in order; outputs are written into them. ``user_kernels``: the program's
    ``@dato.kernel``s by name, for the declarations that call them."""
    design = read_design(parsed, user_kernels or {})
    args = design.sequence.args
    if len(args) != len(arrays):
        raise EmulationError(
            f"the runtime sequence takes {len(args)} host buffers, but {len(arrays)} were given"
        )
    host = [np.ascontiguousarray(a).reshape(-1).copy() for a in arrays]
    emulation = Emulation(design, host, max_steps)
    passes = emulation.run()
    for array, flat in zip(arrays, host):
        array[...] = flat.reshape(array.shape)
    elements = {name: f.produced for name, f in emulation.fifos.items()}
    return EmuResult(
        parsed.text, elements, emulation.transfers, emulation.budget.iterations, passes
    )
