"""The runtime sequence's shim transfers: each ``aiex.npu.dma_memcpy_nd`` within what a shim
DMA buffer descriptor can express, on a FIFO with a shim end or a hand-written shim channel
(an ``aie.shim_dma_allocation``, whose flow ``verify_dma`` checks), with its BD id free.

Limits (AIE-ML shim BD, in 32-bit words): d0 and d1 sizes at most 1023 (d0 exempt for a plain
linear transfer), d3 (the repeat count) at most 64, strides at most 2^20, every size, stride and
offset a whole number of words, elements at most 32 bits; BD ids 0-15 of the FIFO's shim tile
(each shim tile has its own 16), reused only after a wait.
"""

from __future__ import annotations

from xdsl.dialects.builtin import MemRefType
from xdsl.ir import BlockArgument

from datobench.core.codegen.aie.aiex import NpuDmaMemcpyNdOp, NpuDmaWaitOp, NpuSyncOp
from datobench.core.codegen.aie.devices import HOST_BUFFERS
from datobench.core.codegen.aie.dialect import RuntimeSequenceBase
from datobench.core.codegen.aie.model import AieVerifyError, Scope, element_bytes

MAX_INNER = 1023  # d0 and d1 sizes, in words
MAX_REPEAT = 64  # d3 size
MAX_STRIDE = 1 << 20  # words
BD_IDS = 16


def check(scope: Scope) -> None:
    for seq in scope.op.walk():
        if isinstance(seq, RuntimeSequenceBase):
            _check_sequence(scope, seq)


def _check_sequence(scope: Scope, seq: RuntimeSequenceBase) -> None:
    most = HOST_BUFFERS.get(scope.release or "")
    if most is not None and len(seq.body.block.args) > most:
        raise AieVerifyError(
            f"the runtime sequence takes {len(seq.body.block.args)} host buffers; mlir-aie "
            f"{scope.release}'s kernels take at most {most}",
            *scope.at(seq),
        )
    pending: dict[tuple, NpuDmaMemcpyNdOp] = {}  # (shim tile, BD id) -> the transfer holding it
    tokens: set[str] = set()  # FIFOs with a transfer issuing a token, not yet waited for
    for op in seq.body.block.ops:
        if isinstance(op, NpuDmaMemcpyNdOp):
            _check_transfer(scope, seq, op)
            if not 0 <= op.bd_id < BD_IDS:
                raise AieVerifyError(
                    f"dma_memcpy_nd id {op.bd_id}: shim BD ids are 0-15", *scope.at(op)
                )
            bd = (_shim_end(scope, op), op.bd_id)
            if bd in pending:
                first = scope.design.line(pending[bd])
                raise AieVerifyError(
                    f"dma_memcpy_nd id {op.bd_id} is still in use by the transfer at line "
                    f"{first}: wait (aiex.npu.dma_wait or aiex.npu.sync) before reusing it",
                    *scope.at(op),
                )
            pending[bd] = op
            if op.issue_token is not None and op.issue_token.value.data:
                tokens.add(op.fifo)
        elif isinstance(op, NpuDmaWaitOp):
            _shim_end(scope, op)
            if op.fifo not in tokens:
                raise AieVerifyError(
                    f"dma_wait on @{op.fifo}, but no transfer on it issues a token "
                    "(issue_token = true) to wait for",
                    *scope.at(op),
                )
            tokens.discard(op.fifo)
            pending.clear()
        elif isinstance(op, NpuSyncOp):
            pending.clear()
            tokens.clear()


def _shim_end(scope: Scope, op: NpuDmaMemcpyNdOp | NpuDmaWaitOp):
    """The shim tile whose buffer descriptor a transfer (or the one a wait waits for) takes:
    that of its shim allocation, else its FIFO's shim end."""
    allocation = scope.allocations.get(op.fifo)
    if allocation is not None:
        return scope.device.target.shim_tile(allocation.col.value.data)
    fifo = scope.fifo(op.fifo, op)
    ends = [scope.producer(fifo), *scope.consumers(fifo)]
    shims = [t for t in ends if scope.kind(t) == "shim"]
    if not shims:
        raise AieVerifyError(
            f"{op.name.split('.')[-1]} on @{op.fifo}, which has no shim tile at either end",
            *scope.at(op),
        )
    return shims[0]


def _contiguous(sizes: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """Whether a pattern (outermost first) reads one run of consecutive elements."""
    span = 1
    for size, stride in zip(reversed(sizes), reversed(strides)):
        if size > 1 and stride != span:
            return False
        span *= size
    return True


def _check_transfer(scope: Scope, seq: RuntimeSequenceBase, op: NpuDmaMemcpyNdOp) -> None:
    if not (isinstance(op.memref, BlockArgument) and op.memref.owner is seq.body.block):
        raise AieVerifyError(
            "dma_memcpy_nd moves a host buffer: an argument of the sequence", *scope.at(op)
        )
    _shim_end(scope, op)
    memref = op.memref.type
    assert isinstance(memref, MemRefType)
    nbytes = element_bytes(memref)
    if nbytes > 4 or nbytes < 1:
        raise AieVerifyError(
            f"dma_memcpy_nd of {memref.element_type}: elements are at most 32 bits", *scope.at(op)
        )
    s3, s2, s1, s0 = op.sizes
    t3, t2, t1, t0 = op.strides
    linear = _contiguous(op.sizes, op.strides)

    def words(n: int, what: str) -> int:
        if n * nbytes % 4:
            raise AieVerifyError(
                f"dma_memcpy_nd {what} of {n * nbytes} bytes: not a whole number of 32-bit words",
                *scope.at(op),
            )
        return n * nbytes // 4

    if nbytes < 4 and t0 != 1:
        raise AieVerifyError(
            f"dma_memcpy_nd d0 stride {t0}: sub-word elements need stride 1", *scope.at(op)
        )
    d0 = words(s0, "d0 size")
    for stride, dim in ((t1, "d1"), (t2, "d2"), (t3, "d3")):
        if words(stride, f"{dim} stride") > MAX_STRIDE:
            raise AieVerifyError(
                f"dma_memcpy_nd {dim} stride of {words(stride, dim)} words exceeds {MAX_STRIDE}",
                *scope.at(op),
            )
    if t0 * nbytes > 4 * MAX_STRIDE:
        raise AieVerifyError(
            f"dma_memcpy_nd d0 stride {t0} exceeds {MAX_STRIDE} words", *scope.at(op)
        )
    if d0 > MAX_INNER and not linear:
        raise AieVerifyError(
            f"dma_memcpy_nd d0 size of {d0} words exceeds {MAX_INNER} (not a linear transfer)",
            *scope.at(op),
        )
    if s1 > MAX_INNER:
        raise AieVerifyError(f"dma_memcpy_nd d1 size {s1} exceeds {MAX_INNER}", *scope.at(op))
    if s3 > MAX_REPEAT:
        raise AieVerifyError(
            f"dma_memcpy_nd d3 (repeat) size {s3} exceeds {MAX_REPEAT}", *scope.at(op)
        )
    offset = sum(o * t for o, t in zip(op.offsets, op.strides)) if any(op.offsets) else 0
    words(offset, "offset")
    last = offset + sum((s - 1) * t for s, t in zip(op.sizes, op.strides))
    elements = 1
    for d in memref.get_shape():
        elements *= d
    if last >= elements:
        raise AieVerifyError(
            f"dma_memcpy_nd reaches element {last} of a host buffer of {elements} elements",
            *scope.at(op),
        )
