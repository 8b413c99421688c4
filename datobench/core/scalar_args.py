"""The numbers a run gives a region's scalar parameters (``alpha: float32``, ``n: int32``,
``flag: bool``): checked against the parameter's type and made numpy scalars of it.

Numbers are taken as they are written: a ``bool`` parameter takes ``True`` or ``False``; an
integer one a whole number (numpy integers welcome, not a ``bool`` or a ``float`` such as
``2.0``) that fits its type; a floating-point one any real number that its type can hold."""

from __future__ import annotations

import numbers

import numpy as np

from datobench.core.errors import CapabilityError, DatoTypeError, Loc
from datobench.core.ir.program import RegionScalar
from datobench.core.validate import is_whole


def scalar_argument(n: int, param: RegionScalar, value: object, region: str, loc: Loc | None):
    """Argument ``n`` (from 1) of a run of ``region``, for ``param``, as a numpy scalar."""
    dtype = param.type
    what = f"argument {n} ('{param.name}') of {region}"
    if dtype.kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise DatoTypeError(f"{what} is a bool: pass True or False, not {_shown(value)}", loc)
        return np.bool_(value)
    if dtype.kind == "int":
        if not is_whole(value):
            raise DatoTypeError(
                f"{what} is an {dtype} scalar: pass a whole number, not {_shown(value)}", loc
            )
        info = np.iinfo(dtype.np)
        if not info.min <= value <= info.max:
            raise DatoTypeError(
                f"{what}: {value} does not fit in {dtype} ({info.min}..{info.max})", loc
            )
        return dtype.np.type(value)
    if not isinstance(value, numbers.Real) or isinstance(value, (bool, np.bool_)):
        raise DatoTypeError(f"{what} is a {dtype} scalar: pass a number, not {_shown(value)}", loc)
    largest = float(np.finfo(dtype.np).max)
    if np.isfinite(value) and abs(float(value)) > largest:
        raise DatoTypeError(f"{what}: {value} is out of the range of {dtype} (±{largest:g})", loc)
    return dtype.np.type(value)


def _shown(value: object) -> str:
    """A value as the error names it: an array by its type and shape, a number as written."""
    if isinstance(value, np.ndarray):
        return f"an array of {value.dtype}{list(value.shape)}"
    shown = repr(value)
    return shown if len(shown) <= 40 else f"a {type(value).__name__}"


def refuse_on_device(region) -> None:
    """backend='xrt' hands a kernel its arrays only: a region with scalar parameters is
    refused, at the first of them, until the runners pass values too."""
    if region.scalars:
        s = region.scalars[0]
        raise CapabilityError(
            f"backend='xrt' does not pass scalar region parameters such as '{s.name}: {s.type}' "
            "to a device kernel yet; run it with backend='sim', 'perf' or 'csim', or give the "
            f"value as a one-element array ('{s.name}: {s.type}[1]')",
            s.loc,
        )
