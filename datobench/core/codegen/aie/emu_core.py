"""One ``aie.core`` body run as a generator on xDSL's interpreter.

Structured control flow (``scf.for``, ``scf.if``) is walked here, so that a core can stop at an
``aie.objectfifo.acquire`` whose buffers are not ready and resume there later (yielding a
``Wait``); every other op runs through the interpreter's registered implementations (xDSL's
arith, the emulator's numpy memrefs). ``func.call`` of a kernel declaration runs the op table's
numpy semantics of its ``dato.op``, with the results written into the last memref argument.

A core keeps its place for the scheduler's check that an invocation is complete: the line it is
blocked at and the acquires and releases it made since its endless loop last came round to the
top (``position``); one whose body returned (no endless loop) has no place and runs no more.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np
from xdsl.dialects import func, scf
from xdsl.dialects.builtin import MemRefType, ModuleOp
from xdsl.interpreter import Interpreter
from xdsl.interpreters.arith import ArithFunctions
from xdsl.interpreters.func import FuncFunctions
from xdsl.ir import Block, Operation
from xdsl.utils.exceptions import InterpretationError

from datobench.core.codegen.aie.emu_design import Design
from datobench.core.codegen.aie.emu_dma import Wait
from datobench.core.codegen.aie.emu_fifo import ObjectFifo, Tile
from datobench.core.codegen.aie.emu_hand import HandDma
from datobench.core.codegen.aie.emu_kernels import EmulationError, call_kernel
from datobench.core.codegen.aie.emu_values import (
    FloatArithFunctions,
    NumpyMemRefFunctions,
    integer,
    to_numpy,
)
from datobench.core.codegen.aie.handdma import UseLockOp
from datobench.core.errors import DatoRuntimeError

Body = Generator[Wait, None, tuple]

# A loop of at least this many iterations is a core's endless loop: mlir-aie's designs wrap
# each core body in one (0xFFFFFFFF iterations in v1.0's examples, sys.maxsize today).
ENDLESS = 0xFFFFFFFF


@dataclass
class Budget:
    """Loop iterations left for the whole run, and the work done (progress of a pass)."""

    max_steps: int
    iterations: int = 0
    work: list[int] = field(default_factory=lambda: [0])

    def iterate(self, who: str) -> None:
        self.iterations += 1
        if self.iterations > self.max_steps:
            raise DatoRuntimeError(
                f"{who}: the emulation of the design ran out of its budget of "
                f"{self.max_steps:,} core loop iterations; pass a larger max_steps= to run()"
            )


def new_interpreter(module: ModuleOp) -> Interpreter:
    interpreter = Interpreter(module, index_bitwidth=64)
    interpreter.register_implementations(ArithFunctions())
    interpreter.register_implementations(FuncFunctions())
    interpreter.register_implementations(NumpyMemRefFunctions())
    interpreter.register_implementations(FloatArithFunctions())
    return interpreter


def run_plain(interpreter: Interpreter, op: Operation, line: int) -> tuple:
    """Run an op that cannot block through the interpreter's implementations; an op it has
    none for is an ``EmulationError`` at its line."""
    if op.name.startswith(("aie.", "aiex.")):
        raise EmulationError(f"line {line}: the emulator does not execute {op.name}")
    try:
        return interpreter.run_op(op, interpreter.get_values(op.operands))
    except (InterpretationError, IndexError) as error:
        raise EmulationError(f"line {line}: the emulator cannot run {op.name}: {error}") from None


class CoreRunner:
    """The generator of one core: ``run()`` yields a ``Wait`` whenever the core is blocked."""

    def __init__(
        self,
        body: Block,
        tile: Tile,
        fifos: dict[str, ObjectFifo],
        hand: HandDma,
        budget: Budget,
        design: Design,
    ):
        self.interpreter = new_interpreter(design.module)
        self.body = body
        self.tile = tile
        self.fifos = fifos
        self.hand = hand
        self.kernels = design.kernels
        self.budget = budget
        self.design = design
        self.name = f"core ({tile[0]}, {tile[1]})"
        self.blocked_at: int | None = None  # the design line of the acquire it waits at
        self.effects = 0  # acquires and releases since the top of its endless loop
        self.finished = False

    @property
    def position(self) -> tuple[int | None, int] | None:
        """Where it is within an iteration of its endless loop (None once its body returned)."""
        return None if self.finished else (self.blocked_at, self.effects)

    def run(self) -> Body:
        self.interpreter.set_values(self.design.buffers.items())  # the tile's aie.buffers
        yield from self._block(self.body, ())
        self.finished = True

    def _block(self, block: Block, args: tuple) -> Body:
        interp = self.interpreter
        interp.push_scope(self.name)
        try:
            interp.set_values(zip(block.args, args))
            for op in block.ops:
                self.budget.work[0] += 1
                if isinstance(op, scf.YieldOp) or op.name == "aie.end":
                    return interp.get_values(op.operands)
                if isinstance(op, scf.ForOp):
                    results = yield from self._for(op)
                elif isinstance(op, scf.IfOp):
                    (cond,) = interp.get_values(op.operands)
                    region = op.true_region if cond.value.data else op.false_region
                    results = (yield from self._block(region.block, ())) if region.blocks else ()
                elif op.name == "aie.objectfifo.acquire":
                    buffers = yield from self._acquire(op)
                    # newest releases: acquiring one element may give the element itself
                    element = isinstance(op.results[0].type, MemRefType)
                    results = (buffers[0] if element else buffers,)
                elif op.name == "aie.objectfifo.release":
                    self._release(op)
                    results = ()
                elif isinstance(op, UseLockOp):
                    yield from self._use_lock(op)
                    results = ()
                elif op.name == "aie.objectfifo.subview.access":
                    (subview,) = interp.get_values(op.operands)
                    results = (subview[self.design.index(op)],)
                elif isinstance(op, func.CallOp) and op.callee.string_value() in self.kernels:
                    kernel = self.kernels[op.callee.string_value()]
                    values = interp.get_values(op.arguments)
                    types = [a.type for a in op.arguments]
                    args = [to_numpy(v, t) for v, t in zip(values, types)]
                    call_kernel(kernel, args, self.design.line(op))
                    results = ()
                else:
                    results = run_plain(interp, op, self.design.line(op))
                interp.set_values(zip(op.results, results))
            return ()
        finally:
            interp.pop_scope()

    def _for(self, op: scf.ForOp) -> Body:
        lb, ub, step, *carried = self.interpreter.get_values(op.operands)
        iv_type = op.body.block.args[0].type
        values = tuple(carried)
        lo, hi, by = lb.value.data, ub.value.data, step.value.data
        endless = by > 0 and (hi - lo) // by >= ENDLESS
        for i in range(lo, hi, by):
            self.budget.iterate(self.name)
            if endless:
                self.effects = 0
            index = integer(i, iv_type, self.interpreter.index_bitwidth)
            values = yield from self._block(op.body.block, (index, *values))
        return values

    def _acquire(self, op: Operation) -> Generator[Wait, None, list[np.ndarray]]:
        name, produce, n = self.design.fifo_use(op)
        fifo = self._fifo(name, op)
        port = "Produce" if produce else "Consume"
        while True:
            got = fifo.acquire_produce(n) if produce else fifo.acquire_consume(self.tile, n)
            if got is not None:
                self.blocked_at = None
                self.effects += 1
                return got
            self.blocked_at = self.design.line(op)
            what = f"acquire @{name}({port}, {n})"
            yield Wait(self.name, what, self.blocked_at, name)

    def _use_lock(self, op: UseLockOp) -> Body:
        line = self.design.line(op)
        for wait in self.hand.use_lock(op, self.name, line):
            self.blocked_at = line
            yield wait
        self.blocked_at = None
        self.effects += 1

    def _fifo(self, name: str, op: Operation) -> ObjectFifo:
        if name not in self.fifos:
            raise EmulationError(
                f"line {self.design.line(op)}: {op.name} names @{name}, which the design does "
                "not declare"
            )
        return self.fifos[name]

    def _release(self, op: Operation) -> None:
        name, produce, n = self.design.fifo_use(op)
        fifo = self._fifo(name, op)
        self.effects += 1
        if produce:
            fifo.release_produce(n)
        else:
            fifo.release_consume(self.tile, n)
