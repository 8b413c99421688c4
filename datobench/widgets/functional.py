"""The workbench's functional run (``--backend sim``): the program the panel shows, run by the
functional simulator on inputs it makes up, so that a cell without arrays still runs (and
deadlocks or fails where the simulator would) and the panel says on what it ran.

The inputs are seeded, so the same cell runs the same way every time: integers in [-8, 8)
(which every integer type holds), floats in [-1, 1); a bool scalar parameter is True.
"""

from __future__ import annotations

import html

import numpy as np

from datobench.core.ir import bfp
from datobench.core.ir.program import RegionScalar

SEED = 0
INPUTS = "seeded random values: integers in [-8, 8), floats in [-1, 1)"


def generated_inputs(program) -> list:
    """A value for each of the region's parameters in the order it takes them: an array of
    its type's shape and dtype, a number for a scalar one (True for a bool)."""
    rng = np.random.default_rng(SEED)
    values = []
    for param in program.region.signature():
        if isinstance(param, RegionScalar):
            values.append(_scalar(param.type, rng))
            continue
        dtype = np.dtype(param.type.dtype.np)
        shape = param.type.shape
        if np.issubdtype(dtype, np.integer):
            values.append(rng.integers(-8, 8, shape).astype(dtype))
        else:
            floats = rng.uniform(-1, 1, shape).astype(dtype)
            values.append(bfp.quantise(floats) if param.type.dtype.kind == "bfp" else floats)
    return values


def _scalar(dtype, rng):
    """A Python number for a scalar parameter of ``dtype``, drawn as the arrays' elements are."""
    if dtype.kind == "bool":
        return True
    if dtype.kind == "float":
        return float(rng.uniform(-1, 1))
    return int(rng.integers(-8, 8))


def run_functional(program):
    """The functional simulator's result on generated inputs (its errors, a deadlock among
    them, are the cell's)."""
    return program.run(*generated_inputs(program), backend="sim")


def functional_html(result) -> str:
    """The panel's line for a functional run: what ran, on what, and that nothing was
    timed."""
    moved = sum(result.transfers.values())
    text = (
        f"run by the functional simulator (--backend sim) on generated inputs ({INPUTS}): "
        f"{moved:,} stream transfers on {len(result.transfers)} channels; not timed "
        "(--backend perf times the cell)"
    )
    return f'<div class="dato-basis">{html.escape(text)}</div>'
