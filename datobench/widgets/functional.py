"""The workbench's functional run (``--backend sim``): the program the panel shows, run by the
functional simulator on inputs it makes up, so that a cell without arrays still runs (and
deadlocks or fails where the simulator would) and the panel says on what it ran.

The inputs are seeded, so the same cell runs the same way every time: integers in [-8, 8)
(which every integer type holds), floats in [-1, 1).
"""

from __future__ import annotations

import html

import numpy as np

SEED = 0
INPUTS = "seeded random values: integers in [-8, 8), floats in [-1, 1)"


def generated_inputs(program) -> list[np.ndarray]:
    """An array for each of the region's parameters, its type's shape and dtype."""
    rng = np.random.default_rng(SEED)
    arrays = []
    for buffer in program.region.params:
        dtype = np.dtype(buffer.type.dtype.np)
        shape = buffer.type.shape
        if np.issubdtype(dtype, np.integer):
            arrays.append(rng.integers(-8, 8, shape).astype(dtype))
        else:
            arrays.append(rng.uniform(-1, 1, shape).astype(dtype))
    return arrays


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
