"""The element types and integer ops the NPU backend builds: types those of mlir-aie's cores
and kernels (``i8``, ``i16``, ``i32``, ``bf16``, ``f32``), and no bit slices or packing, which
have no AIE kernels yet. A program using another integer type (int4, uint8, UInt(n)...) or
those ops runs on every simulator and on FPGAs, and is refused here, at its first use; so is
bfp16, which runs on the simulators only: mlir-aie's bf16 x bfp16ebs8 GEMMs (its asymmetric
tile buffering examples) take B as ``!aiex.bfp<"bfp16ebs8">`` memrefs, one element per block of
8 values (9 bytes), laid out by the host in column-major 8 x 8 sub-blocks per core tile, and
their kernels build with AMD's chess compiler, not with Peano, which the NPU build uses."""

from __future__ import annotations

from datobench.core.codegen.aie.types import MLIR
from datobench.core.codegen.values import typed_values
from datobench.core.errors import CapabilityError, Loc
from datobench.core.ir.nodes import Expr
from datobench.core.ir.ops import op_of
from datobench.core.ir.types import DType, bfp16


def refuse_other_integers(program) -> None:
    """Raise a CapabilityError at the first parameter, stream or expression whose element
    type the NPU backend has no cores and kernels for."""
    for dtype, what, loc, e in typed_values(program):
        _check(dtype, what, loc)
        if e is not None:
            _check_op(e, loc)


_NO_KERNEL = {"bits": "bit slices", "set_bits": "bit slices", "pack": "dato.pack"}
_NO_KERNEL["unpack"] = "dato.unpack"


def _check_op(e: Expr, loc: Loc | None) -> None:
    op = op_of(e)
    if op is not None and op.name in _NO_KERNEL:
        raise CapabilityError(
            f"the NPU backend has no AIE kernel for {_NO_KERNEL[op.name]} yet: run it on the "
            "simulators or an FPGA target",
            loc,
        )


def _check(dtype: DType, what: str, loc: Loc | None) -> None:
    if dtype == bfp16:
        raise CapabilityError(
            f"the NPU backend has no bfp16 kernels yet: {what} is bfp16, and mlir-aie's "
            "bfp16ebs8 matmuls take B's 8 x 8 blocks shuffled by the host and build with "
            "AMD's chess compiler, not Peano: run it on the simulators (sim, perf), or "
            "convert to bf16 for the NPU",
            loc,
        )
    if dtype.name not in MLIR:
        raise CapabilityError(
            f"the NPU backend builds int8, int16, int32, bf16 and float32 values; {what} is "
            f"{dtype}, which its mlir-aie cores and kernels do not take: run it on the "
            "simulators or an FPGA target, or convert to int8/int16/int32",
            loc,
        )
