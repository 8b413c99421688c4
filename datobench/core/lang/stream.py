"""``Stream[T, depth]``: the annotation that declares a stream in a region body."""

from __future__ import annotations

from datobench.core.errors import DatoTypeError, caller_loc, user_facing
from datobench.core.ir.types import DType, StreamType, Symbol, TensorType
from datobench.core.validate import MAX_DEPTH, Whole


class Stream:
    """Declare ``name: Stream[T, depth]`` or ``name: Stream[T, depth][P0, P1]`` in a region.

    ``put`` and ``get`` are only meaningful inside task bodies, which the compiler reads.
    """

    @user_facing
    def __class_getitem__(cls, params: object) -> StreamType:
        if not isinstance(params, tuple):
            params = (params, 2)
        if len(params) != 2:
            raise DatoTypeError(
                "Stream takes an element type and a depth: Stream[float32[16], 2]", caller_loc()
            )
        elem, depth = params
        if not isinstance(elem, (DType, TensorType)) or (
            isinstance(elem, DType) and elem.kind not in ("int", "float")
        ):
            raise DatoTypeError(
                f"a stream carries an element or tile type, not {elem!r}", caller_loc()
            )
        if isinstance(depth, Symbol):  # bound when compiled (dato.tune searches depths)
            return StreamType(elem, depth)
        if not Whole(1, MAX_DEPTH).fits(depth):
            raise DatoTypeError(
                f"a stream depth must be an int >= 1 and <= {MAX_DEPTH}, not {depth!r}",
                caller_loc(),
            )
        return StreamType(elem, int(depth))

    @user_facing
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise DatoTypeError(
            "streams are declared as annotations in a region: `pipe: Stream[T, 2]`", caller_loc()
        )
