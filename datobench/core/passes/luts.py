"""An estimate of the LUTs an FPGA PE takes, from the operations in its body.

It is an estimate, not a synthesis result: each operation the body writes is priced once (an
HLS PE is one pipelined circuit, not one per execution), at the width of its element type and
times the lanes it is unrolled across; v++'s own report is the measure. The prices are rules
of thumb for UltraScale+ fabric (a LUT6 with its carry chain per bit of an integer adder), and
the floating-point ones are of the order of LUT-built Vitis HLS cores:

- an integer adder or subtractor: one LUT per bit; a comparator: one per two bits; a select
  (``where``, ``maximum``, ``abs``): a comparator and one LUT per bit; bitwise logic: one per
  two bits; a shift: two per bit; integer products are DSP slices (``route_fpga``), a division
  four LUTs per bit (a shift-and-subtract divider, iterated);
- float: an adder ``FLOAT_ADD`` LUTs per 32 bits, a product beside its DSPs ``FLOAT_MUL``, a
  function (``exp``, ``sqrt``...) ``FLOAT_FUNCTION``;
- a matmul unrolls its k products into DSP slices, which also sum most of them (their
  post-adders and cascades); what is left in the fabric is priced at half a LUT per bit of
  the accumulator per product (``FLOAT_MUL`` per product for floats), and an accumulation
  into it (``acc += matmul(...)``) is the MAC's own;
- control: ``PE_BASE`` for the PE's state machine and start/done handshake, ``PER_LOOP`` for a
  loop's counter and exit test, ``PER_BRANCH`` per ``if``, ``PER_STREAM_OP`` per FIFO read or
  write handshake, ``PER_ACCESS`` for each DDR access's address and burst counters (the AXI
  adapters belong to the kernel's ports, one per buffer, not to a PE).

Elementwise tile operations are unrolled across the target's ``timing.elementwise_lanes``
(as its cost model times them), at most the tile's size.
"""

from __future__ import annotations

from datobench.core.ir.nodes import Call, For, Get, If, Put, children, stmt_exprs, walk
from datobench.core.ir.ops import op_of
from datobench.core.ir.program import Instance
from datobench.core.ir.types import TensorType, dtype_of

LUTS = "LUTs (estimate)"

PE_BASE = 150
PER_LOOP = 40
PER_BRANCH = 20
PER_STREAM_OP = 16
PER_ACCESS = 120
FLOAT_ADD = 400
FLOAT_MUL = 100
FLOAT_FUNCTION = 1500

_ADD = {"+", "-", "sum"}
_COMPARE = {"==", "!=", "<", "<=", ">", ">="}
_SELECT = {"where", "maximum", "minimum", "max", "min", "abs"}
_LOGIC = {"&", "|", "^", "~", "and", "or", "not"}
_SHIFT = {"<<", ">>"}
_DIVIDE = {"/", "//", "%"}
_FUNCTION = {"exp", "sqrt", "rsqrt", "tanh"}


def pe_luts(inst: Instance, lanes: int, accesses: int) -> int:
    """The estimated LUTs of one PE: its control, its ``accesses`` of DDR buffers and the
    operations it writes (each unrolled across at most ``lanes`` elements)."""
    total = PE_BASE + PER_ACCESS * accesses
    for s in walk(inst.body):
        if isinstance(s, For):
            total += PER_LOOP
        elif isinstance(s, If):
            total += PER_BRANCH
        elif isinstance(s, Put):
            total += PER_STREAM_OP
        for e in (e for x in stmt_exprs(s) for e in _expressions(x)):
            total += PER_STREAM_OP if isinstance(e, Get) else _op_luts(e, lanes)
    return total


def _expressions(e):
    for c in children(e):
        yield from _expressions(c)
    yield e


def _op_luts(e, lanes: int) -> int:
    """The LUTs of one operation on element values (index arithmetic is the loops')."""
    op = op_of(e)
    if op is None:
        return 0
    if _is_matmul(e):
        _, k = e.args[0].type.shape
        acc = dtype_of(e.type)
        return k * (FLOAT_MUL * acc.bits // 32 if acc.kind == "float" else acc.bits // 2)
    operands = children(e)
    if op.name == "+" and any(_is_matmul(x) for x in operands):
        return 0  # ``acc += matmul(...)``: the accumulation is the MAC's, in its DSP slices
    dtype = dtype_of(operands[0].type if operands else e.type)
    if dtype.kind not in ("int", "float"):
        return 0
    width = min(lanes, e.type.size) if isinstance(e.type, TensorType) else 1
    return width * _element_luts(op.name, dtype)


def _is_matmul(e) -> bool:
    return isinstance(e, Call) and e.fn == "matmul"


def _adder(dtype) -> int:
    return FLOAT_ADD * dtype.bits // 32 if dtype.kind == "float" else dtype.bits


def _element_luts(name: str, dtype) -> int:
    bits, float_ = dtype.bits, dtype.kind == "float"
    if name in _ADD:
        return _adder(dtype)
    if name in _COMPARE:
        return bits // 2
    if name in _SELECT:
        return bits // 2 + bits
    if name in _LOGIC:
        return bits // 2
    if name in _SHIFT:
        return 2 * bits
    if name == "*":
        return FLOAT_MUL * bits // 32 if float_ else 0
    if name in _DIVIDE:
        return FLOAT_FUNCTION if float_ else 4 * bits
    if name in _FUNCTION:
        return FLOAT_FUNCTION
    return 0  # a cast, a fill, a transpose: wiring
