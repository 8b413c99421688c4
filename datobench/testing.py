"""Checks for users' tests: a ``@dato.kernel``'s C++ source compiled for this host and run
against its numpy reference, before it goes anywhere near an NPU.

    from datobench.testing import check_kernel
    check_kernel(scale, np.arange(16, dtype=np.int16), 3)

Only portable C++ runs here; a source that needs the AIE API (``aie_api/aie.hpp``) can only
be checked with AMD's toolchain, and says so.
"""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from datobench.core.errors import (
    BackendUnavailable,
    CapabilityError,
    DatoError,
    DatoTypeError,
    user_facing,
)
from datobench.core.ir.program import KernelDecl
from datobench.core.ir.types import TensorType, Type
from datobench.core.lang.decorators import Kernel

__all__ = ["check_kernel"]

# how a scalar argument is passed by value (bf16 as its 16 bits)
_SCALAR = {
    "int8": ctypes.c_int8,
    "int16": ctypes.c_int16,
    "int32": ctypes.c_int32,
    "float32": ctypes.c_float,
    "bf16": ctypes.c_uint16,
}
_NEEDS_AIE_API = re.compile(r"aie_api|aie\.hpp|adf\.h")


@user_facing
def check_kernel(
    kernel: Kernel, *inputs, compiler: str = "g++", rtol: float = 1e-5, atol: float = 1e-6
) -> np.ndarray:
    """Compile ``kernel``'s C++ source with the host ``compiler``, call its function on the
    example ``inputs`` (the reference's arguments) and compare the output tile with what the
    numpy reference returns: exactly for integers, within ``rtol``/``atol`` for floats.

    Returns the C++ output; a difference is an AssertionError naming the first differing
    index and both values."""
    if not isinstance(kernel, Kernel):
        raise DatoTypeError(f"check_kernel takes a @dato.kernel, not {kernel!r}")
    decl = kernel.decl
    if decl.aie is None:
        raise CapabilityError(
            f"kernel '{decl.name}' has no C++ source to check: give it as "
            f'@dato.kernel(source="{decl.name}.cc")'
        )
    args = _arguments(decl, inputs)
    expected = _reference_output(kernel, args)
    got = _run_on_host(decl, args, compiler)
    _compare(decl, got, expected, compiler, rtol, atol)
    return got


def _arguments(decl: KernelDecl, inputs: tuple) -> list:
    """The example inputs as the kernel's types: arrays of its tile shapes, typed scalars."""
    if len(inputs) != len(decl.params):
        raise DatoTypeError(
            f"kernel '{decl.name}' takes {len(decl.params)} arguments, got {len(inputs)}"
        )
    args = []
    for n, (value, t) in enumerate(zip(inputs, decl.params)):
        if isinstance(t, TensorType):
            array = np.array(value, dtype=t.dtype.np)
            if array.shape != t.shape:
                raise DatoTypeError(
                    f"argument {n + 1} of kernel '{decl.name}' has shape {array.shape}, the "
                    f"kernel takes {t}"
                )
            args.append(array)
        else:
            args.append(t.np.type(value))
    return args


def _reference_output(kernel: Kernel, args: list) -> np.ndarray:
    result: Type = kernel.decl.result
    shape = result.shape if isinstance(result, TensorType) else ()
    out = np.asarray(kernel.fn(*(a.copy() if isinstance(a, np.ndarray) else a for a in args)))
    if out.shape != shape:
        raise DatoTypeError(
            f"the numpy reference of kernel '{kernel.decl.name}' returned shape {out.shape}, "
            f"declared {result}"
        )
    return out.astype(_dtype(result).np)


def _dtype(t: Type):
    return t.dtype if isinstance(t, TensorType) else t


def _run_on_host(decl: KernelDecl, args: list, compiler: str) -> np.ndarray:
    """The kernel's function run once on copies of ``args``, in its calling convention: tile
    pointers, the output pointer, then the scalars by value."""
    with tempfile.TemporaryDirectory(prefix="dato-kernel-") as tmp:
        library = ctypes.CDLL(str(_compile(decl, Path(tmp), compiler)))
        try:
            function = getattr(library, decl.aie.symbol)
        except AttributeError:
            raise DatoTypeError(
                f"kernel '{decl.name}': {_where(decl)} compiled, but exports no function "
                f"'{decl.aie.symbol}'; define it inside extern \"C\""
            ) from None
        result = decl.result
        out = _unwritten(result)
        tiles = [np.ascontiguousarray(a.copy()) for a in args if isinstance(a, np.ndarray)]
        scalars = [
            _SCALAR[t.name](_scalar_bits(a))
            for a, t in zip(args, decl.params)
            if not isinstance(t, TensorType)
        ]
        function.restype = None
        function(*(ctypes.c_void_p(a.ctypes.data) for a in (*tiles, out)), *scalars)
    return out if isinstance(result, TensorType) else out.reshape(())


def _unwritten(result: Type) -> np.ndarray:
    """The output buffer, filled with a byte pattern so that an element the kernel never
    writes shows as a difference."""
    dtype = _dtype(result)
    shape = result.shape if isinstance(result, TensorType) else (1,)
    pattern = b"\x5a" * (dtype.bytes * int(np.prod(shape)))
    return np.frombuffer(pattern, dtype.np).reshape(shape).copy()


def _scalar_bits(value):
    """A scalar as ctypes takes it: a number, or a bf16's bits."""
    if value.dtype.name == "bfloat16":
        return int(np.array(value).view(np.uint16))
    return value.item()


def _compile(decl: KernelDecl, directory: Path, compiler: str) -> Path:
    """The kernel's source as a shared object; headers beside the source file are found."""
    if shutil.which(compiler) is None:
        raise BackendUnavailable(
            f"check_kernel compiles kernel '{decl.name}' with the host C++ compiler "
            f"'{compiler}', which is not on PATH: install it (Debian/Ubuntu: apt-get install "
            "g++) or pass compiler="
        )
    source = directory / f"{decl.aie.stem}.cc"
    source.write_text(decl.aie.text)
    library = directory / f"{decl.aie.stem}.so"
    command = [compiler, "-std=c++20", "-O1", "-shared", "-fPIC", str(source), "-o", str(library)]
    if decl.aie.file is not None:
        command[1:1] = ["-I", str(Path(decl.aie.file).parent)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 0:
        return library
    log = (done.stdout + done.stderr).replace(str(source), _where(decl))
    if _NEEDS_AIE_API.search(log):
        raise BackendUnavailable(
            f"kernel '{decl.name}': {_where(decl)} needs the AIE API (aie_api/aie.hpp), which "
            "only AMD's AIE toolchain provides, so it cannot run on this host; check it on the "
            "NPU, or put the AIE code under #ifdef __AIENGINE__ beside a portable C++ path"
        )
    tail = "\n".join(f"    {line}" for line in log.strip().splitlines()[-20:])
    raise DatoError(
        f"kernel '{decl.name}': {compiler} could not compile {_where(decl)}",
        notes=(f"{compiler} says:\n{tail}",),
    )


def _where(decl: KernelDecl) -> str:
    return Path(decl.aie.file).name if decl.aie.file else "its inline AIE source"


def _compare(decl, got: np.ndarray, expected: np.ndarray, compiler, rtol, atol) -> None:
    if _dtype(decl.result).is_float:
        wide_got, wide_expected = got.astype(np.float64), expected.astype(np.float64)
        differs = ~np.isclose(wide_got, wide_expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        differs = got != expected
    if not differs.any():
        return
    first = tuple(int(i) for i in np.argwhere(differs)[0])
    raise AssertionError(
        f"kernel '{decl.name}': {_where(decl)} compiled with {compiler} differs from the numpy "
        f"reference at index {first}: got {got[first]}, expected {expected[first]} "
        f"({int(differs.sum())} of {differs.size} elements differ)"
    )
