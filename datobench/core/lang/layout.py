"""Layout types: ``int16[M, K] @ [S(0), R]``, the staging of their windows
(``@ dato.stage("mem", panel=(K, n))``) and the depth their written blocks leave through
(``@ dato.writeback(depth=2)``)."""

from datobench.core.errors import DatoTypeError, caller_loc, user_facing
from datobench.core.ir.types import (
    STAGE_LEVELS,
    LayoutType,
    R,
    Replicate,
    Shard,
    Stage,
    Symbol,
    Writeback,
)

S = Shard


@user_facing
def stage(level: str = "mem", *, panel: tuple, depth: int = 1, parts: int = 1) -> Stage:
    """Stage the windows a task reads of a tensor in a ``panel``-shaped buffer at ``level``
    (``"mem"``: the memory tile of the NPU's column, on-chip RAM on an FPGA), refilled from
    DDR only when the task's reads move to another panel; ``depth=2`` double-buffers it.
    ``parts=P`` holds one panel as P parts along its first dimension, each refilled with the
    next panel's part once the readers' last pass is done with it (the refill hides behind
    that pass, in one panel's memory)."""
    if level not in STAGE_LEVELS:
        raise DatoTypeError(
            f"dato.stage level {level!r} is not one of {', '.join(map(repr, STAGE_LEVELS))}",
            caller_loc(),
        )
    dims = tuple(panel) if isinstance(panel, (tuple, list)) else (panel,)
    for d in dims:
        if (
            not isinstance(d, (int, Symbol))
            or isinstance(d, bool)
            or (isinstance(d, int) and d < 1)
        ):
            raise DatoTypeError(
                f"a panel's sizes are positive ints or dato.symbol sizes, not {d!r}", caller_loc()
            )
    if depth not in (1, 2) or isinstance(depth, bool):
        raise DatoTypeError(
            f"a staged panel has depth 1 or 2 (double-buffered), not {depth!r}", caller_loc()
        )
    if not isinstance(parts, int) or isinstance(parts, bool) or parts < 1:
        raise DatoTypeError(
            f"a staged panel's parts is a positive int, not {parts!r}", caller_loc()
        )
    if parts > 1 and depth != 1:
        raise DatoTypeError(
            f"parts={parts} refills one panel part by part; with depth={depth} the next panel "
            "already loads beside this one: use one or the other",
            caller_loc(),
        )
    return Stage(level, dims, depth, parts)


@user_facing
def writeback(depth: int = 2) -> Writeback:
    """Let the blocks a task writes of a tensor from a local leave an NPU core through an
    output FIFO ``depth`` deep: at 2 the core computes the next block while the DMA drains
    this one, for a second block of the core's memory."""
    if depth not in (1, 2) or isinstance(depth, bool):
        raise DatoTypeError(
            f"a writeback has depth 1 or 2 (double-buffered), not {depth!r}", caller_loc()
        )
    return Writeback(depth)


__all__ = [
    "S",
    "R",
    "Shard",
    "Replicate",
    "LayoutType",
    "Stage",
    "stage",
    "Writeback",
    "writeback",
]
