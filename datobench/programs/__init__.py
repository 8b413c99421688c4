"""Example programs as builders: each is a function of its sizes, element types and mapping
that returns a ``@dato.region``, ready to call, compile or time.

    from datobench.programs import systolic_gemm
    region = systolic_gemm(4, 4, 8, 8, 8, 64, dato.int16, dato.int32)

The examples, the benchmarks and the tests all take their programs from here, so each program
is written once. The sources are meant to be read: examples/ explains them one by one.

Sizes are Python ints, or ``dato.symbol(...)`` sizes where a region parameter's dimension is the
size itself (``vector_add``'s N, the GEMMs' M, K and N): such a region is bound when it is
called with arrays or compiled with ``sizes={...}``.
"""

from datobench.programs.asymmetric import asymmetric_gemm, unsliced_gemm
from datobench.programs.attention import flash_attention
from datobench.programs.cannon import cannon_gemm
from datobench.programs.collective import cooperative_gemv
from datobench.programs.gemm import (
    output_stationary_gemm,
    single_core_gemm,
    staged_gemm,
    whole_array_gemm,
)
from datobench.programs.nested import mesh_pipeline
from datobench.programs.overlap import overlapped_gemm
from datobench.programs.packed import packed_systolic_gemm
from datobench.programs.producer_consumer import pipeline
from datobench.programs.systolic import systolic_gemm
from datobench.programs.vector import vector_add

__all__ = [
    "asymmetric_gemm",
    "cannon_gemm",
    "cooperative_gemv",
    "flash_attention",
    "mesh_pipeline",
    "output_stationary_gemm",
    "overlapped_gemm",
    "packed_systolic_gemm",
    "pipeline",
    "single_core_gemm",
    "staged_gemm",
    "systolic_gemm",
    "unsliced_gemm",
    "vector_add",
    "whole_array_gemm",
]
