"""Shared helpers for asserting on user-facing errors."""

from __future__ import annotations

import importlib.util
import inspect
import traceback
from pathlib import Path

import numpy as np
import pytest

from datobench.core.ir import bfp


def line_of(marker: str, path: str | None = None) -> int:
    """The line number (1-based) of the line in ``path`` that contains ``marker``."""
    path = path or inspect.stack()[1].filename
    with open(path) as f:
        quoted = (f'"{marker}"', f"'{marker}'")  # a test naming the marker is not the marker
        hits = [
            n
            for n, text in enumerate(f, 1)
            if marker in text and not any(q in text for q in quoted)
        ]
    assert len(hits) == 1, f"marker {marker!r} found on lines {hits}"
    return hits[0]


def check_error(excinfo: pytest.ExceptionInfo, marker: str, *fragments: str):
    """The error points at the marked line of the calling test file and says ``fragments``."""
    error = excinfo.value
    path = inspect.stack()[1].filename
    expected_line = line_of(marker, path)
    assert error.loc is not None, f"no location on {error!r}"
    assert error.loc.file == path
    assert error.loc.line == expected_line, f"{error.loc} is not line {expected_line}:\n{error}"
    text = str(error)
    assert text.startswith(f"{path}:{expected_line}:"), text
    lines = text.splitlines()
    assert marker in lines[1], text  # the user's source line is shown...
    assert lines[2].strip() == "^", text  # ...with a caret under it
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    return error


def compiler_frames(error: BaseException) -> list[str]:
    """Files of the package's compiler that appear in the error's traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    return [
        f.filename
        for f in frames
        if "/datobench/core/" in f.filename and not f.filename.endswith("errors.py")
    ]


EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
# examples whose element types the NPU backend refuses (int4: test_integers checks the refusal;
# bfp16: test_bfp16)
NPU_REFUSED = {"07_packed_systolic", "11_asymmetric_gemm"}


def load_example(stem_or_path):
    """Import an example script (``examples/<stem>.py`` or a path) as a module; its
    ``main()`` is not run."""
    path = Path(stem_or_path)
    if path.suffix != ".py":
        path = EXAMPLES_DIR / f"{stem_or_path}.py"
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def region_of(stem_or_path):
    """The one @dato.region an example (or any script) defines."""
    import datobench as dato

    module = load_example(stem_or_path)
    (region,) = [v for v in vars(module).values() if isinstance(v, dato.RegionFunction)]
    return region


def random_arrays(prog, seed: int = 0) -> list[np.ndarray]:
    """One array per region parameter: integers in [-100, 100) (within the type's range),
    floats standard normal (quantised for bfp16)."""
    rng = np.random.default_rng(seed)
    out = []
    for b in prog.region.params:
        t = b.type
        if t.dtype.kind == "int" and t.dtype.bits > 64:
            values = rng.integers(max(t.dtype.min, -100), 100, t.shape)
            out.append(np.array([int(v) for v in values.flat], object).reshape(t.shape))
        elif t.dtype.kind == "int":
            low, high = max(t.dtype.min, -100), min(t.dtype.max + 1, 100)
            out.append(rng.integers(low, high, t.shape).astype(t.dtype.np))
        else:
            values = rng.standard_normal(t.shape).astype(t.dtype.np)
            out.append(bfp.quantise(values) if t.dtype.kind == "bfp" else values)
    return out
