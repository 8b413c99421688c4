"""A user kernel's C++ source for AIE cores: found, read, and checked against the numpy
reference's signature, so that a wrong path or name fails at the decorator, not in a build.

The calling convention is IRON's: the tile operands as pointers (in the reference's order),
then a pointer to the output tile, then the scalar operands by value, all ``extern "C"``::

    extern "C" void scale(int16_t *x, int16_t *out, int32_t factor);
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from datobench.core.errors import DatoError, DatoTypeError, Loc
from datobench.core.ir.program import KernelSource
from datobench.core.ir.types import TensorType, Type

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


def source_directory(defining_file: str) -> Path:
    """Where a relative source path starts: the directory of the file that defines the kernel,
    or the working directory for code with no file (a notebook cell, an interactive prompt)."""
    if os.path.isfile(defining_file):
        return Path(defining_file).resolve().parent
    return Path.cwd()


def read_source(name: str, path: str, symbol: str, loc: Loc) -> KernelSource:
    """The C++ file ``path`` (relative to the defining file's directory), checked to define
    ``symbol``."""
    file = source_directory(loc.file) / path
    try:
        text = file.read_text()
    except UnicodeDecodeError:
        raise DatoError(
            f"kernel '{name}': its source {file} is not UTF-8 text; save it as UTF-8", loc
        ) from None
    except OSError as error:
        raise DatoError(
            f"kernel '{name}': cannot read its source '{path}' ({file}): "
            f"{error.strerror or error}; a relative path starts at the directory of the file "
            "defining the kernel (the working directory in a notebook)",
            loc,
        ) from None
    return KernelSource(symbol, text, str(file))


def check_source(
    name: str, source: KernelSource, params: list[tuple[str, Type]], result: Type, loc: Loc
) -> None:
    """The source defines ``extern "C"`` function ``source.symbol`` whose parameters follow
    the calling convention for the reference's named ``params`` and ``result``."""
    where = Path(source.file).name if source.file else "its inline AIE source"
    code = _COMMENT.sub(" ", source.text)
    found = re.search(rf"\b{re.escape(source.symbol)}\s*\(([^()]*)\)", code)
    if found is None:
        raise DatoTypeError(
            f"kernel '{name}': {where} defines no function '{source.symbol}'; name the C++ "
            "function with symbol=",
            loc,
        )
    if 'extern "C"' not in code:
        raise DatoTypeError(
            f"kernel '{name}': {where} must declare '{source.symbol}' extern \"C\", so that the "
            "design calls it by its name",
            loc,
        )
    written = [p.strip() for p in found.group(1).split(",") if p.strip()]
    written = [] if written == ["void"] else written
    expected = convention(params, result)
    if [_is_pointer(p) for p in written] != [pointer for pointer, _ in expected]:
        raise DatoTypeError(
            f"kernel '{name}': '{source.symbol}' in {where} takes ({', '.join(written)}), but "
            f"the reference's signature needs ({', '.join(what for _, what in expected)}): "
            "the tile operands as pointers, then the output tile, then the scalars",
            loc,
        )


def convention(params: list[tuple[str, Type]], result: Type) -> list[tuple[bool, str]]:
    """The C++ parameters a reference with ``params`` and ``result`` calls for, as
    (is a pointer, how the reference spells it)."""
    tiles = [(True, f"{_dtype(t)} *{n}") for n, t in params if isinstance(t, TensorType)]
    scalars = [(False, f"{t} {n}") for n, t in params if not isinstance(t, TensorType)]
    return [*tiles, (True, f"{_dtype(result)} *output"), *scalars]


def _dtype(t: Type):
    return t.dtype if isinstance(t, TensorType) else t


def _is_pointer(parameter: str) -> bool:
    return "*" in parameter or "[" in parameter
