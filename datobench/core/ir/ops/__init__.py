"""The operations of task bodies, declared once (``table``) and looked up here.

``CALLS``, ``BINARY`` and ``UNARY`` find an op by its IR name (``Call.fn``, ``Binary.op``,
``Unary.op``); ``FUNCTIONS``, ``METHODS``, ``ATTRIBUTES`` and ``OPERATORS`` by how the user
writes it (``dato.exp``, ``x.sum``, ``x.T``, ``a @ b``).
"""

from __future__ import annotations

from datobench.core.ir.nodes import Binary, Call, Unary
from datobench.core.ir.ops.op import REQUIRED, HlsForm, Op, Static
from datobench.core.ir.ops.table import OPS


def _index(key) -> dict[object, Op]:
    out: dict[object, Op] = {}
    for op in OPS:
        k = key(op)
        if k is not None:
            assert k not in out, f"two ops are spelled {k!r}"
            out[k] = op
    return out


CALLS: dict[str, Op] = _index(lambda op: op.name if op.node == "call" else None)
BINARY: dict[str, Op] = _index(lambda op: op.name if op.node == "binary" else None)
UNARY: dict[str, Op] = _index(lambda op: op.name if op.node == "unary" else None)
FUNCTIONS: dict[str, Op] = _index(lambda op: op.function)
METHODS: dict[str, Op] = _index(lambda op: op.method)
ATTRIBUTES: dict[str, Op] = _index(lambda op: op.attribute)
# (number of operands, Python operator) -> op: (2, "+"), (1, "-"), (2, "@")
OPERATORS: dict[tuple[int, str], Op] = _index(
    lambda op: (len(op.operands), op.operator) if op.operator else None
)


def op_of(e) -> Op | None:
    """The op an IR expression applies, or None (a constant, a load, a kernel call...)."""
    if isinstance(e, Call):
        return CALLS[e.fn]
    if isinstance(e, Binary):
        return BINARY[e.op]
    if isinstance(e, Unary):
        return UNARY[e.op]
    return None


__all__ = [
    "ATTRIBUTES",
    "BINARY",
    "CALLS",
    "FUNCTIONS",
    "HlsForm",
    "METHODS",
    "OPERATORS",
    "OPS",
    "Op",
    "REQUIRED",
    "Static",
    "UNARY",
    "op_of",
]
