"""The grammar of the fuzz test (test_fuzz.py): task bodies built from statements and
expressions of the Dato subset and of Python outside it, with wrong arities and types, bad
indices and bad stream use, as hypothesis strategies of source lines."""

from __future__ import annotations

from hypothesis import strategies as st


def mostly(usual, other):
    """``usual`` three times in four, else a draw of ``other``."""
    return st.one_of(st.just(usual), st.just(usual), st.just(usual), other)


HEADER = """\
import numpy as np
import datobench as dato
from datobench import Stream, float32, int32, int8


@dato.kernel
def twice(x: float32[4]) -> float32[4]:
    return x * 2.0


@dato.region
def fuzz(A: float32[16], B: float32[16]):
    s: Stream[float32[4], 2]

    @dato.task(args=[A])
    def prod(a: float32[16]):
{prod}

    @dato.task(args=[A, B])
    def cons(a: float32[16], b: float32[16]):
{cons}
"""
PROD = ["for i in range(4):", "    s.put(a[i * 4 : (i + 1) * 4])"]
CONS = ["for i in range(4):", "    b[i * 4 : (i + 1) * 4] = s.get() + 1.0"]

# -- the grammar --------------------------------------------------------------------------

GOOD_LEAVES = [
    "a[0:4]",
    "a[i * 4 : (i + 1) * 4]",
    "b[4:8]",
    "a[:]",
    "(a * 2.0)",
    "s.get()",
    "x",
    "y",
    "i",
    "1.0",
    "3",
    "dato.zeros((4,), float32)",
    "dato.full((4,), 2.0, float32)",
    "twice(a[0:4])",
]
BAD_LEAVES = [
    # wrong arities, types, indices and stream use
    "a[0:5]",
    "a[12:20]",
    "a[-4:]",
    "a[::2]",
    "a[i]",
    "a[x]",
    "a[0:4, 0]",
    "a",
    "s",
    "s.get(1)",
    "s.put",
    "s[0]",
    "dato.zeros(4)",
    "dato.zeros((4,), 'float')",
    "dato.full((4,), float32)",
    "dato.exp()",
    "dato.matmul(a[0:4])",
    "twice()",
    "twice(a)",
    "twice(1.0, 2.0)",
    "dato.pid()",
    "dato.nothere(1)",
    # Python outside the subset
    "len(a)",
    "np.ones(4)",
    "[1, 2]",
    "{1: 2}",
    "'text'",
    "None",
    "True",
    "unknown",
    "(lambda: 0)",
    "a.T",
    "a.shape",
    "(x if y else a[0:4])",
    "f'{x}'",
    "[v for v in range(3)]",
    "A[0:4]",
    "10 ** 40",
]
OPERATORS = ["+", "-", "*", "/", "@", "<", "==", "%", "//", "**", "and", "&"]
RANGES = ["4", "0", "1", "3", "-2", "2.5", "'n'", "4, 0, -1", "0, 4, 0", "10 ** 9", "unknown"]


def _expressions():
    def grow(inner):
        return st.one_of(
            st.builds(lambda a, op, b: f"({a} {op} {b})", inner, st.sampled_from(OPERATORS), inner),
            st.builds(lambda e: f"-{e}", inner),
            st.builds(
                lambda f, e: f"dato.{f}({e})",
                st.sampled_from(["exp", "sqrt", "tanh", "abs", "rsqrt"]),
                inner,
            ),
            st.builds(lambda a, b: f"dato.maximum({a}, {b})", inner, inner),
            st.builds(lambda a, b: f"dato.matmul({a}, {b}, acc=float32)", inner, inner),
            st.builds(lambda c, a, b: f"dato.where({c}, {a}, {b})", inner, inner, inner),
            st.builds(
                lambda e, m, ax: f"({e}).{m}(axis={ax})",
                inner,
                st.sampled_from(["sum", "max", "min"]),
                st.sampled_from(["0", "1", "-1", "None", "'x'"]),
            ),
            st.builds(
                lambda e, t: f"({e}).astype({t})",
                inner,
                st.sampled_from(["int32", "int8", "float32", "'int'", "3"]),
            ),
            st.builds(lambda e, k: f"({e})[{k}]", inner, st.sampled_from(["0", "0:2", "i", "5"])),
        )

    good, bad = st.sampled_from(GOOD_LEAVES), st.sampled_from(BAD_LEAVES)
    return st.recursive(st.one_of(*[good] * 6, bad), grow, max_leaves=5)


EXPR = _expressions()
TARGETS = ["x", "y", "b[:]", "b[0:4]", "b[i * 4 : (i + 1) * 4]", "a[0:4]", "b[0:8]", "b", "s", "A"]

SIMPLE = st.one_of(
    st.builds(lambda t, e: [f"{t} = {e}"], st.sampled_from(TARGETS), EXPR),
    st.builds(lambda t, e: [f"{t} += {e}"], st.sampled_from(TARGETS), EXPR),
    st.builds(lambda e: [f"s.put({e})"], EXPR),
    st.builds(lambda e: [f"{e}"], EXPR),
    st.sampled_from(
        [
            ["pass"],
            ["return"],
            ["return 1"],
            ["for i in range(2):", "    break"],
            ["for i in range(2):", "    continue"],
            ["import os"],
            ["global q"],
            ["del x"],
            ["assert x"],
            ["print(x)"],
            ["s.put(a[0:4], a[4:8])"],
            ["s.put()"],
            ["i, j = dato.pid()"],
            ["i = dato.pid()"],
            ["x, y = a[0:4]"],
            ["x = y = a[0:4]"],
            ["x: float32[4] = a[0:4]"],
            ["raise ValueError('mine')"],
            ["while True:", "    pass"],
            ["with open('f') as f:", "    pass"],
            ["try:", "    x = 1.0", "except Exception:", "    pass"],
            ["def inner():", "    return 1"],
            ["for i in range(10 ** 9):", "    s.put(a[0:4])"],
            ["for i in range(10 ** 9):", "    x = a[0:4]"],
        ]
    ),
)


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


def _blocks(inner):
    body = st.lists(inner, min_size=1, max_size=3).map(lambda ss: [ln for s in ss for ln in s])
    return st.one_of(
        st.builds(
            lambda r, b: [f"for i in range({r}):", *_indent(b)], st.sampled_from(RANGES), body
        ),
        st.builds(lambda c, b: [f"if {c}:", *_indent(b)], EXPR, body),
        st.builds(
            lambda c, b, e: [f"if {c}:", *_indent(b), "else:", *_indent(e)], EXPR, body, body
        ),
    )


STATEMENT = st.recursive(SIMPLE, _blocks, max_leaves=6)
BODY = st.lists(STATEMENT, min_size=1, max_size=4).map(lambda ss: [ln for s in ss for ln in s])


def _mutated(canonical: list[str]):
    """The canonical body (a loop around one statement) with a statement added before, after
    or inside the loop, or with the loop's statement replaced."""
    loop, inner = canonical

    def variant(how, statement):
        if how == "before":
            return statement + canonical
        if how == "after":
            return canonical + statement
        if how == "inside":
            return [loop, inner, *_indent(statement)]
        return [loop, *_indent(statement)]

    return st.builds(
        variant,
        st.sampled_from(["before", "after", "inside", "replace"]),
        st.one_of(SIMPLE, SIMPLE, STATEMENT),
    )


# well-typed computations that neither put nor get, added to the consumer's loop: they reach
# the simulators and the code generators
WELL_TYPED = st.recursive(
    st.sampled_from(
        ["a[i * 4 : (i + 1) * 4]", "a[0:4]", "b[4:8]", "dato.full((4,), 0.5, float32)", "x"]
    ),
    lambda inner: st.one_of(
        st.builds(lambda l, op, r: f"({l} {op} {r})", inner, st.sampled_from("+-*"), inner),
        st.builds(lambda e, c: f"({e} {c} 2.0)", inner, st.sampled_from("+-*/")),
        st.builds(lambda e, f: f"dato.{f}({e})", inner, st.sampled_from(["exp", "abs", "tanh"])),
        st.builds(lambda a, b: f"dato.maximum({a}, {b})", inner, inner),
        st.builds(lambda a, b: f"dato.where({a} > {b}, {a}, {b})", inner, inner),
        st.builds(lambda e: f"twice({e})", inner),
        st.builds(lambda e: f"({e}).astype(int32).astype(float32)", inner),
    ),
    max_leaves=4,
)
COMPUTATION = st.one_of(
    st.builds(lambda e: ["x = x + " + e], WELL_TYPED),
    st.builds(lambda e: ["b[i * 4 : (i + 1) * 4] = " + e], WELL_TYPED),
    st.builds(lambda e: ["if i > 1:", "    x = " + e], WELL_TYPED),
    st.builds(lambda e: ["for j in range(2):", "    x = x * " + e], WELL_TYPED),
)
WELL_TYPED_CONS = st.builds(
    lambda stmts: [
        "x = dato.zeros((4,), float32)",
        "for i in range(4):",
        "    x = s.get()",
        *[ln for stmt in stmts for ln in _indent(stmt)],
        "    b[i * 4 : (i + 1) * 4] = x",
    ],
    st.lists(COMPUTATION, min_size=1, max_size=3),
)

PROGRAM = st.one_of(
    st.tuples(st.just(PROD), WELL_TYPED_CONS),
    st.tuples(BODY, BODY),
    st.tuples(_mutated(PROD), _mutated(CONS)),
    st.tuples(_mutated(PROD), st.just(CONS)),
    st.tuples(st.just(PROD), _mutated(CONS)),
)
