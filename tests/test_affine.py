"""ir/affine.py: affine forms of index expressions, their bounds and constant differences."""

from __future__ import annotations

from datobench.core.ir.affine import affine, difference, interval
from datobench.core.ir.nodes import Binary, Const, Pid, Unary, Var
from datobench.core.ir.types import float32, index


def var(name: str) -> Var:
    return Var(name, index)


def const(n: int) -> Const:
    return Const(n, index)


def op(symbol: str, lhs, rhs) -> Binary:
    return Binary(symbol, lhs, rhs, index)


I, J = ("var", "i"), ("var", "j")


def test_the_affine_form_collects_terms_and_drops_zero_coefficients():
    # 3 * (i + 2) - i + j - j  ->  2 i + 6
    e = op(
        "-",
        op("+", op("-", op("*", const(3), op("+", var("i"), const(2))), var("i")), var("j")),
        var("j"),
    )
    assert affine(e) == ({I: 2}, 6)


def test_products_of_variables_and_other_operators_are_not_affine():
    assert affine(op("*", var("i"), var("j"))) is None
    assert affine(op("//", var("i"), const(2))) is None
    assert affine(Var("x", float32)) is None  # not an index


def test_interval_of_an_increasing_expression():
    # 4 i + 2 over i in [0, 3]
    assert interval(op("+", op("*", var("i"), const(4)), const(2)), {I: (0, 3)}) == (2, 14)


def test_interval_of_a_decreasing_expression_swaps_the_ends():
    # 10 - 2 i over i in [0, 3]
    e = op("-", const(10), op("*", const(2), var("i")))
    assert interval(e, {I: (0, 3)}) == (4, 10)


def test_interval_over_two_variables_and_a_pid():
    # i - j + 8 pid0, i in [0, 3], j in [1, 2], pid0 in [0, 1]
    e = op("+", op("-", var("i"), var("j")), op("*", const(8), Pid(0, index)))
    assert interval(e, {I: (0, 3), J: (1, 2), ("pid", 0): (0, 1)}) == (-2, 10)


def test_interval_of_a_negated_expression():
    assert interval(Unary("-", var("i"), index), {I: (2, 5)}) == (-5, -2)


def test_interval_of_a_constant_needs_no_ranges():
    assert interval(const(7), {}) == (7, 7)


def test_interval_is_unknown_without_a_range_or_for_a_non_affine_expression():
    assert interval(var("i"), {}) is None
    assert interval(op("*", var("i"), var("i")), {I: (0, 3)}) is None


def test_difference_of_a_slice_with_a_constant_length():
    # a[i * 16 : (i + 1) * 16] has length 16 whatever i is
    start = op("*", var("i"), const(16))
    stop = op("*", op("+", var("i"), const(1)), const(16))
    assert difference(stop, start) == 16


def test_difference_that_depends_on_a_variable_is_unknown():
    assert difference(op("*", var("i"), const(2)), var("i")) is None
    assert difference(var("i"), var("j")) is None


def test_difference_of_constants_and_of_non_affine_ends():
    assert difference(const(8), const(3)) == 5
    assert difference(op("*", var("i"), var("i")), const(0)) is None
