"""The AIE kernel library (``codegen/aie/library``): its portable path, compiled with the host
g++ for every op of the op table that has a kernel and every element type the op takes, run on
random inputs and compared with the op table's numpy reference (bit for bit, or within the
tolerance ``dato_portable.h`` documents); which kernels take the AIE-API path per target; that
path's logic run the same way against a scalar stand-in for the AIE API
(``tests/aie_api_standin``); and that path compiled with Peano where AMD's toolchain is installed.

The kernels compile into one shared object per build (``kernels_file`` of every case), loaded
with ctypes.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from datobench.core.codegen.aie.kernel_source import (
    _parse,
    kernel_source,
    kernels_file,
    library_headers,
)
from datobench.core.codegen.aie.kernels import Kernel, op_kernel
from datobench.core.ir.ops import BINARY, CALLS, OPS, UNARY, Op
from datobench.core.ir.types import DTYPES
from datobench.core.targets import load_target

ELEMS = ("i8", "i16", "i32", "f32", "bf16")
FLOATS = ("f32", "bf16")
INTS = ("i8", "i16", "i32")
BITS = {"i8": 8, "i16": 16, "i32": 32}
NUMPY = {"i1": np.dtype(bool), "i8": np.dtype(np.int8), "i16": np.dtype(np.int16)}
NUMPY |= {"i32": np.dtype(np.int32), "f32": np.dtype(np.float32)}
NUMPY["bf16"] = np.dtype(ml_dtypes.bfloat16)
DTYPE = {"i8": "int8", "i16": "int16", "i32": "int32", "f32": "float32", "bf16": "bf16"}
SCALAR_C = {"i1": ctypes.c_bool, "i8": ctypes.c_int8, "i16": ctypes.c_int16}
SCALAR_C |= {"i32": ctypes.c_int32, "f32": ctypes.c_float, "bf16": ctypes.c_uint16}
SHAPE = (4, 16)
# transcendental functions: ulps allowed against numpy (dato_portable.h's tolerance)
ULPS = {("exp", "f32"): 4, ("tanh", "f32"): 4, ("exp", "bf16"): 1, ("tanh", "bf16"): 1}


def memref(shape, elem: str) -> str:
    return f"memref<{'x'.join(map(str, shape))}x{elem}>"


@dataclass(frozen=True)
class Case:
    kernel: Kernel
    low: float = -1e9  # float inputs are drawn in [low, high] where a range matters
    high: float = 1e9
    ints: tuple[int, int] | None = None  # integer inputs drawn in this range (shift amounts)


def case(op: Op, arg_types, statics=(), **bounds) -> Case:
    return Case(op_kernel(op, tuple(arg_types), tuple(statics)), **bounds)


def elementwise_cases() -> list[Case]:
    t = memref(SHAPE, "{}")
    out = []
    for name in ("+", "-", "*", "//", "%", "maximum", "minimum"):
        op = BINARY.get(name) or CALLS[name]
        out += [case(op, [t.format(e)] * 3) for e in ELEMS]
    out += [case(BINARY["/"], [t.format(e)] * 3) for e in FLOATS]
    for name in ("&", "|", "^"):
        out += [case(BINARY[name], [t.format(e)] * 3) for e in INTS]
    for name in ("<<", ">>"):  # operands in 0..width-1: a shift by more is refused in sim
        out += [case(BINARY[name], [t.format(e)] * 3, ints=(0, BITS[e] - 1)) for e in INTS]
    out += [case(UNARY["~"], [t.format(e)] * 2) for e in INTS]
    for name in ("==", "!=", "<", "<=", ">", ">="):
        out += [case(BINARY[name], [t.format(e)] * 2 + [t.format("i1")]) for e in ELEMS]
    out += [case(BINARY[name], [t.format("i1")] * 3) for name in ("and", "or")]
    out.append(case(UNARY["not"], [t.format("i1")] * 2))
    out += [case(UNARY["-"], [t.format(e)] * 2) for e in ELEMS]
    out += [case(CALLS["abs"], [t.format(e)] * 2) for e in ELEMS]
    for name in ("exp", "sqrt", "rsqrt", "tanh"):
        out += [case(CALLS[name], [t.format(e)] * 2, low=-8, high=8) for e in FLOATS]
    out += [
        case(CALLS["where"], [t.format("i1"), t.format(e), t.format(e), t.format(e)]) for e in ELEMS
    ]
    return out


def broadcast_cases() -> list[Case]:
    """Operands broadcast along a dimension, of lower rank, and scalars."""
    full, row, vec = memref(SHAPE, "{}"), memref((1, 16), "{}"), memref((16,), "{}")
    col = memref((4, 1), "{}")
    out = []
    for e in ("i16", "f32", "bf16"):
        out.append(case(BINARY["+"], [full.format(e), row.format(e), full.format(e)]))
        out.append(case(BINARY["-"], [vec.format(e), full.format(e), full.format(e)]))
        out.append(case(BINARY["*"], [col.format(e), row.format(e), full.format(e)]))
        out.append(case(BINARY["<"], [full.format(e), e, full.format("i1")]))
        out.append(case(CALLS["maximum"], [e, full.format(e), full.format(e)]))
        out.append(case(CALLS["where"], [col.format("i1"), full.format(e), e, full.format(e)]))
    return out


def reduction_cases() -> list[Case]:
    out = []
    for name in ("sum", "max", "min"):
        for e in ELEMS:
            t = memref(SHAPE, e)
            for axis, keep, shape in (
                (None, False, (1,)),
                ((0,), False, (16,)),
                ((1,), False, (4,)),
                ((1,), True, (4, 1)),
            ):
                statics = (("axis", axis), ("keepdims", keep))
                out.append(case(CALLS[name], [t, memref(shape, e)], statics))
    return out


def conversion_cases() -> list[Case]:
    """astype between every pair (from bool too); floats in range of every integer type."""
    return [
        case(
            CALLS["astype"],
            [memref(SHAPE, src), memref(SHAPE, dst)],
            [("dtype", DTYPES[DTYPE[dst]])],
            low=-128,
            high=127,
        )
        for src in (*ELEMS, "i1")
        for dst in ELEMS
    ]


MATMUL_PAIRS = [
    ("i8", "i8"),
    ("i8", "i16"),
    ("i8", "i32"),
    ("i16", "i16"),
    ("i16", "i32"),
    ("i32", "i32"),
    ("bf16", "bf16"),
    ("bf16", "f32"),
    ("f32", "f32"),
]


def matmul_cases() -> list[Case]:
    out = []
    for a, c in MATMUL_PAIRS:
        types = [memref((8, 16), a), memref((16, 8), a), memref((8, 8), c)]
        for accumulate in (False, True):
            statics = [("acc", DTYPES[DTYPE[c]])] + ([("accumulate", True)] if accumulate else [])
            out.append(case(CALLS["matmul"], types, statics, low=-4, high=4))
    return out


def other_cases() -> list[Case]:
    out = []
    for e in ELEMS:
        t, dtype = memref(SHAPE, e), DTYPES[DTYPE[e]]
        out.append(case(CALLS["zeros"], [t], [("shape", SHAPE), ("dtype", dtype)]))
        value = -3.5 if e in FLOATS else -3
        full = [("shape", SHAPE), ("dtype", dtype)]
        out.append(case(CALLS["full"], [t], [*full, ("value", value)]))
        out.append(case(CALLS["full"], [e, t], full))  # a value computed in the task
        out.append(case(CALLS["transpose"], [memref((4, 16), e), memref((16, 4), e)]))
    return out


CASES = [
    *elementwise_cases(),
    *broadcast_cases(),
    *reduction_cases(),
    *conversion_cases(),
    *matmul_cases(),
    *other_cases(),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """Every case's kernel in one shared object, built with the host g++."""
    if shutil.which("g++") is None:
        pytest.skip("needs g++ on PATH to compile the portable kernels")
    kernels = list({c.kernel.symbol: c.kernel for c in CASES}.values())
    return compile_kernels(tmp_path_factory.mktemp("kernels"), kernels, "npu1_4col", ["-std=c++17"])


def op_of(k: Kernel) -> Op:
    """The op table's op a kernel computes (``-`` is two ops: the symbol tells which)."""
    (op,) = (o for o in OPS if o.name == k.op and k.symbol.startswith(f"{o.aie}_"))
    return op


def test_every_op_with_a_kernel_is_covered():
    covered = {(op_of(c.kernel).node, c.kernel.op) for c in CASES}
    assert covered == {(o.node, o.name) for o in OPS if o.aie}


# -- inputs, the reference, and the comparison -------------------------------------------------


def random_input(shape, elem: str, rng, low: float, high: float, ints=None):
    if elem == "i1":
        return rng.integers(0, 2, size=shape).astype(bool)
    if elem in FLOATS:
        x = rng.standard_normal(shape) * 4
        return np.clip(x, low, high).astype(NUMPY[elem])
    info = np.iinfo(NUMPY[elem])
    lo, hi = ints or (info.min, info.max)
    return rng.integers(lo, hi, size=shape, endpoint=True).astype(NUMPY[elem])


def reference(k: Kernel, values: list):
    """The op table's numpy semantics of kernel ``k`` on ``values`` (inputs, then the output)."""
    op = op_of(k)
    statics = {n: v for n, v in k.statics if n != "accumulate"}
    inputs = values[:-1]
    tensors, scalars = inputs[: len(op.operands)], inputs[len(op.operands) :]
    if op.name == "full" and scalars:
        statics["value"] = scalars[0]
    if op.name in ("and", "or", "not"):  # defined on conditions: applied to each element
        return np.vectorize(op.numpy, otypes=[bool])(*tensors)
    with np.errstate(all="ignore"):
        result = np.asarray(op.numpy(*tensors, **statics))
        out = values[-1]
        if dict(k.statics).get("accumulate"):
            result = out + result.astype(out.dtype)
        return np.broadcast_to(result, out.shape).astype(out.dtype)


def ordered(x: np.ndarray) -> np.ndarray:
    """Floats as integers in the order of their values (ulps apart = integers apart)."""
    bits = x.view(np.int16 if x.dtype.itemsize == 2 else np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & (2 ** (8 * x.dtype.itemsize - 1) - 1)), bits)


def order_bound(k: Kernel, values: list, want: np.ndarray) -> np.ndarray | None:
    """How far a float sum or float matmul may be from numpy's: float32's epsilon times the
    terms' count and magnitudes (the output's too, where it is added to), plus an ulp of a
    bf16 result (and half an ulp of the product, which ``acc += a @ b`` rounds once in
    numpy and not at all on the AIE path). ``values``: the inputs and the output before the
    kernel ran."""
    op = op_of(k)
    out = values[-1]
    if out.dtype.kind in "iub":
        return None
    eps = 2.0**-24
    if op.name == "matmul":
        a, b = (np.abs(v.astype(np.float64)) for v in values[:2])
        bound = a.shape[1] * eps * (a @ b)
        if dict(k.statics).get("accumulate"):  # the AIE path adds the unrounded product
            bound = bound + 2 * eps * np.abs(out.astype(np.float64))
            if out.dtype == NUMPY["bf16"]:
                bound = bound + 2.0**-8 * (a @ b)
    elif op.name == "sum":
        x = values[0].astype(np.float64)
        axis = dict(k.statics).get("axis")
        keep = dict(k.statics).get("keepdims", False)
        bound = x.size * eps * np.abs(x).sum(axis=axis, keepdims=keep)
    else:
        return None
    ulp = (2.0**-7) * np.abs(want.astype(np.float64)) if out.dtype == NUMPY["bf16"] else 0
    return np.broadcast_to(bound, out.shape) + ulp


def assert_matches(k: Kernel, got: np.ndarray, want: np.ndarray, bound):
    if got.dtype.kind in "iub":
        assert np.array_equal(got, want), k.symbol
        return
    nan = np.isnan(got.astype(np.float32))
    assert np.array_equal(nan, np.isnan(want.astype(np.float32))), k.symbol
    g, w = got[~nan], want[~nan]
    if bound is not None:
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
        assert np.all(diff <= bound[~nan]), (k.symbol, diff.max())
        return
    ulps = ULPS.get((k.op, "bf16" if got.dtype == NUMPY["bf16"] else "f32"), 0)
    assert np.abs(ordered(g) - ordered(w)).max(initial=0) <= ulps, k.symbol


def run_case(so, c: Case, rng):
    types = [_parse(t) for t in c.kernel.arg_types]
    values, c_args = [], []
    for shape, elem in types:
        if shape is None:
            v = random_input((), elem, rng, c.low, c.high, c.ints)[()]
            values.append(v)
            raw = np.array(v).view(np.uint16) if elem == "bf16" else np.array(v)
            c_args.append(SCALAR_C[elem](raw.item()))
        else:
            a = np.ascontiguousarray(random_input(shape, elem, rng, c.low, c.high, c.ints))
            values.append(a)
            c_args.append(a.ctypes.data_as(ctypes.c_void_p))
    want = reference(c.kernel, values)  # before the kernel overwrites the output
    bound = order_bound(c.kernel, values, want)
    getattr(so, c.kernel.symbol)(*c_args)
    assert_matches(c.kernel, values[-1], want, bound)


@pytest.mark.parametrize(
    "group",
    ["elementwise", "broadcast", "reduction", "conversion", "matmul", "other"],
)
def test_the_portable_path_computes_the_op_tables_semantics(library, group):
    rng = np.random.default_rng(12)
    for c in globals()[f"{group}_cases"]():
        for _ in range(3):
            run_case(library, c, rng)


def test_float_specials_follow_numpy(library):
    """Zeros of both signs, infinities and NaN through the exact float kernels."""
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.5, -2.5, 3.0], np.float32)
    a = np.repeat(specials, 8)
    b = np.tile(specials, 8)
    for c in elementwise_cases():
        types = [_parse(t) for t in c.kernel.arg_types]
        elems = {e for _, e in types}
        if not elems <= set(FLOATS) or len(types) != 3:
            continue
        dt = NUMPY[types[0][1]]
        values = [a.reshape(SHAPE).astype(dt), b.reshape(SHAPE).astype(dt)]
        values.append(np.zeros(SHAPE, NUMPY[types[-1][1]]))
        want = reference(c.kernel, values)
        getattr(library, c.kernel.symbol)(*(v.ctypes.data_as(ctypes.c_void_p) for v in values))
        assert_matches(c.kernel, values[-1], want, None)


def test_integer_edges_wrap_as_numpy_does(library):
    """The minimum divided by -1, division by zero, abs and negation of the minimum."""
    for e in ("i8", "i32"):
        lo = np.iinfo(NUMPY[e]).min
        a = np.array([lo, lo, 7, -7, lo, 0, 5, -5] * 8, NUMPY[e]).reshape(SHAPE)
        b = np.array([-1, 0, 0, 2, 1, -1, -3, 3] * 8, NUMPY[e]).reshape(SHAPE)
        for name in ("//", "%", "-"):
            k = op_kernel(BINARY[name], (memref(SHAPE, e),) * 3, ())
            out = np.zeros(SHAPE, NUMPY[e])
            want = reference(k, [a, b, out])
            getattr(library, k.symbol)(*(v.ctypes.data_as(ctypes.c_void_p) for v in (a, b, out)))
            assert np.array_equal(out, want), (name, e)
        for op in (CALLS["abs"], UNARY["-"]):
            k = op_kernel(op, (memref(SHAPE, e),) * 2, ())
            out = np.zeros(SHAPE, NUMPY[e])
            getattr(library, k.symbol)(
                a.ctypes.data_as(ctypes.c_void_p), out.ctypes.data_as(ctypes.c_void_p)
            )
            assert np.array_equal(out, reference(k, [a, out])), (op.name, e)


# -- the AIE-API path --------------------------------------------------------------------------

STANDIN = Path(__file__).resolve().parent / "aie_api_standin"


def compile_kernels(d: Path, kernels: list[Kernel], target: str, flags: list[str]):
    """``kernels`` as one shared object in ``d``, as a project writes them for ``target``."""
    (d / "dato_kernels.cc").write_text(kernels_file(kernels, load_target(target)))
    for name, text in library_headers().items():
        (d / name).write_text(text)
    common = ["-O1", "-ffp-contract=off", "-Wall", "-Werror", "-shared", "-fPIC"]
    out = d / "k.so"
    subprocess.run(
        ["g++", *flags, *common, "-o", str(out), str(d / "dato_kernels.cc")],
        check=True,
        timeout=300,
    )
    return ctypes.CDLL(str(out))


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++ on PATH")
@pytest.mark.parametrize("target", ["npu1_4col", "npu2"])
def test_the_aie_path_computes_the_op_tables_semantics_on_a_stand_in(tmp_path, target):
    """dato_aie.h's blocking, packing and conversions, compiled against a scalar stand-in for
    the AIE API (tests/aie_api_standin: the semantics the library assumes of it) and run on
    the portable path's cases that have a vector form on ``target``."""
    shapes = load_target(target).param("compute.matmul_shape")
    cases = [c for c in CASES if "dato::vec" in kernel_source(c.kernel, shapes)]
    assert {c.kernel.op for c in cases} == {"+", "-", "maximum", "minimum", "max", "min", "matmul"}
    assert len([c for c in cases if c.kernel.op == "matmul"]) == 2 * 7  # every pair, +=
    flags = [
        "-std=c++20",
        "-D__AIENGINE__",
        "-D__AIE_ARCH__=" + ("20" if target != "npu2" else "21"),
    ]
    so = compile_kernels(tmp_path, [c.kernel for c in cases], target, [*flags, "-I", str(STANDIN)])
    rng = np.random.default_rng(5)
    for c in cases:
        for _ in range(3):
            run_case(so, c, rng)


def test_the_aie_path_uses_the_targets_intrinsic_shapes():
    k = op_kernel(
        CALLS["matmul"],
        (memref((8, 16), "i8"), memref((16, 8), "i8"), memref((8, 8), "i32")),
        (("acc", DTYPES["int32"]), ("accumulate", True)),
    )
    npu1 = load_target("npu1_4col").param("compute.matmul_shape")
    npu2 = load_target("npu2").param("compute.matmul_shape")
    assert "dato::vec::matmul<8, 16, 8, 4, 8, 8, true>(in0, in1, out);" in kernel_source(k, npu1)
    assert "dato::vec::matmul<8, 16, 8, 8, 8, 8, true>(in0, in1, out);" in kernel_source(k, npu2)
    # the portable path is what a host compiles, and there is no other without a target
    assert "#else\n  dato::portable::matmul<8, 16, 8, true>(in0, in1, out);\n#endif" in (
        kernel_source(k, npu1)
    )
    assert "dato::vec" not in kernel_source(k)


def test_kernels_without_a_vector_form_take_the_portable_path_everywhere():
    npu1 = load_target("npu1_4col").param("compute.matmul_shape")
    f32 = op_kernel(
        CALLS["matmul"],
        (memref((8, 16), "f32"), memref((16, 8), "f32"), memref((8, 8), "f32")),
        (("acc", DTYPES["float32"]),),
    )
    odd = op_kernel(  # 6 columns: not a multiple of the 8 of npu1's 4 x 8 x 8 int8 blocks
        CALLS["matmul"],
        (memref((4, 8), "i8"), memref((8, 6), "i8"), memref((4, 6), "i32")),
        (("acc", DTYPES["int32"]),),
    )
    exp = op_kernel(CALLS["exp"], (memref(SHAPE, "bf16"),) * 2, ())
    broadcast = op_kernel(
        BINARY["+"], (memref(SHAPE, "i16"), memref((1, 16), "i16"), memref(SHAPE, "i16")), ()
    )
    short = op_kernel(BINARY["+"], (memref((8,), "i16"),) * 3, ())  # half a vector
    for k in (f32, odd, exp, broadcast, short):
        assert "__AIENGINE__" not in kernel_source(k, npu1), k.symbol
    add = op_kernel(BINARY["+"], (memref(SHAPE, "i16"),) * 3, ())
    assert "dato::vec::elementwise<dato::vec::add, 64>(in0, in1, out);" in kernel_source(add, npu1)
    top = op_kernel(CALLS["max"], (memref(SHAPE, "bf16"), memref((1,), "bf16")), (("axis", None),))
    assert "dato::vec::reduce_all<dato::vec::maximum, 64>(in0, out);" in kernel_source(top, npu1)


def peano() -> tuple[str, str] | None:
    """Peano's clang++ and mlir-aie's include directory, when both are installed."""
    install = os.environ.get("PEANO_INSTALL_DIR")
    clang = str(Path(install) / "bin" / "clang++") if install else shutil.which("clang++")
    include = os.environ.get("MLIR_AIE_INSTALL_DIR")
    if clang is None or not Path(clang).exists() or include is None:
        return None
    targets = subprocess.run([clang, "-print-targets"], capture_output=True, text=True).stdout
    return (clang, str(Path(include) / "include")) if "aie2" in targets else None


@pytest.mark.toolchain
@pytest.mark.skipif(
    peano() is None,
    reason="needs Peano (PEANO_INSTALL_DIR, or an AIE clang++ on PATH) and mlir-aie's AIE API "
    "headers (MLIR_AIE_INSTALL_DIR)",
)
@pytest.mark.parametrize("target, triple", [("npu1_4col", "aie2"), ("npu2", "aie2p")])
def test_the_aie_path_compiles_with_peano(tmp_path, target, triple):
    clang, include = peano()
    kernels = list({c.kernel.symbol: c.kernel for c in CASES}.values())
    (tmp_path / "dato_kernels.cc").write_text(kernels_file(kernels, load_target(target)))
    for name, text in library_headers().items():
        (tmp_path / name).write_text(text)
    cmd = [clang, "-O2", "-std=c++20", f"--target={triple}-none-unknown-elf", "-I", include]
    cmd += ["-c", str(tmp_path / "dato_kernels.cc"), "-o", str(tmp_path / "dato_kernels.o")]
    subprocess.run(cmd, check=True, timeout=600)
    assert (tmp_path / "dato_kernels.o").stat().st_size > 0


def test_an_int32_becomes_bf16_by_one_rounding(library):
    """Ties to even on the exact integer (through float32 it would round twice)."""
    half = 1 << 22  # half of bf16's last place at 2**30
    ints = [
        2**30 + half,
        2**30 + half + 1,
        2**30 + 3 * half,
        -(2**30) - half - 1,
        255,
        257,
        2**31 - 1,
    ]
    a = np.array((ints * 10)[:64], np.int32).reshape(SHAPE)
    k = op_kernel(
        CALLS["astype"], (memref(SHAPE, "i32"), memref(SHAPE, "bf16")), (("dtype", DTYPES["bf16"]),)
    )
    out = np.zeros(SHAPE, NUMPY["bf16"])
    getattr(library, k.symbol)(
        a.ctypes.data_as(ctypes.c_void_p), out.ctypes.data_as(ctypes.c_void_p)
    )
    assert np.array_equal(out.view(np.uint16), a.astype(NUMPY["bf16"]).view(np.uint16))
