"""Cores holding several objects of one object FIFO at once.

mlir-aie's ``objectfifo.acquire @f(Consume, n)`` names all the objects the core then holds (it
waits only for those it lacks) and ``release @f(Consume, m)`` frees the oldest ``m``. So two
slices of one parameter used together, or two received values kept, are ``acquire 1`` then
``acquire 2`` with access ``[0]`` and ``[1]``, and releases oldest first. Each design here
passes ``verify``, books what the mapper's ledger booked (its scratch buffers included) and
runs in ``aie-emu`` to ``sim``'s results; a design that takes the wrong object gives a wrong
value in the emulator.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import check_error
from test_aie_emit import assert_budgets_are_the_ledger

import datobench as dato
from datobench import Stream, float32
from datobench.core.codegen.aie import verify
from datobench.core.codegen.aie.emulate import emulate
from datobench.core.codegen.aie.parse import read_design

TARGETS = ["npu1_4col", "npu2"]


def random_arrays(prog, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(b.type.shape).astype(np.float32) for b in prog.region.params]


def emitted_equal_to_sim(region, target) -> str:
    """The emitted design, after checking it verifies, fits the ledger and runs to sim's
    results."""
    prog = dato.compile(region, target=target)
    text = prog.emit("mlir-aie")
    verify(text)
    assert_budgets_are_the_ledger(prog)
    ref, got = random_arrays(prog), random_arrays(prog)
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="aie-emu")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)
    return text


def fifo_ops(text: str, fifo: str) -> list[str]:
    """The acquires, accesses and releases of ``fifo``'s consumer, in order, shortened."""
    out, subviews = [], set()
    for line in text.splitlines():
        if m := re.search(rf"(%\w+) = aie\.objectfifo\.acquire @{fifo}\(Consume, (\d+)\)", line):
            subviews.add(m[1])
            out.append(f"acquire {m[2]}")
        elif m := re.search(r"subview\.access (%\w+)\[(\d+)\]", line):
            if m[1] in subviews:
                out.append(f"[{m[2]}]")
        elif m := re.search(rf"aie\.objectfifo\.release @{fifo}\(Consume, (\d+)\)", line):
            out.append(f"release {m[1]}")
    return out


@dato.region
def two_slices(A: float32[32], C: float32[16]):
    @dato.task(args=[A, C])
    def t(a: float32[32], c: float32[16]):
        c[0:16] = a[0:16] + a[16:32]


@dato.region
def low_and_high(A: float32[128], C: float32[64]):
    @dato.task(args=[A, C])
    def t(a: float32[128], c: float32[64]):
        for k in range(2):
            lo = a[k * 64 : k * 64 + 32]
            hi = a[k * 64 + 32 : k * 64 + 64]
            c[k * 32 : k * 32 + 32] = lo * hi - lo


@dato.region
def one_slice_twice(B: float32[16, 16], C: float32[16, 16]):
    @dato.task(args=[B, C])
    def t(b: float32[16, 16], c: float32[16, 16]):
        c[0:16, 0:16] = dato.matmul(b[0:16, 0:16], b[0:16, 0:16] * 2.0)


@dato.region
def two_gets(A: float32[64], C: float32[32]):
    s: Stream[float32[16], 2]

    @dato.task(args=[A])
    def p(a: float32[64]):
        for i in range(4):
            s.put(a[i * 16 : (i + 1) * 16])

    @dato.task(args=[C])
    def q(c: float32[32]):
        for i in range(2):
            u = s.get()
            v = s.get()
            c[i * 16 : (i + 1) * 16] = u - v * 2.0


@dato.region
def kept_then_taken(A: float32[64], C: float32[32]):
    s: Stream[float32[16], 2]

    @dato.task(args=[A])
    def p(a: float32[64]):
        for i in range(4):
            s.put(a[i * 16 : (i + 1) * 16])

    @dato.task(args=[C])
    def q(c: float32[32]):
        for i in range(2):
            u = s.get()
            c[i * 16 : (i + 1) * 16] = s.get() - u


@pytest.mark.parametrize("target", TARGETS)
def test_two_slices_of_one_fifo_in_one_expression(target):
    text = emitted_equal_to_sim(two_slices, target)
    assert fifo_ops(text, "A_0_32") == ["acquire 1", "[0]", "acquire 2", "[1]"] + ["release 1"] * 2


@pytest.mark.parametrize("target", TARGETS)
def test_two_slices_kept_as_views_and_used_together(target):
    text = emitted_equal_to_sim(low_and_high, target)
    assert fifo_ops(text, "A_0_128") == ["acquire 1", "[0]", "acquire 2", "[1]", "release 2"]


@pytest.mark.parametrize("target", TARGETS)
def test_one_slice_read_twice_in_a_statement_is_one_object_moved_once(target):
    text = emitted_equal_to_sim(one_slice_twice, target)
    assert fifo_ops(text, "B_0_16_0_16") == ["acquire 1", "[0]", "release 1"]
    assert text.count("metadata = @B_in") == 1  # one transfer of B's slice


@pytest.mark.parametrize("target", TARGETS)
def test_two_received_values_kept(target):
    text = emitted_equal_to_sim(two_gets, target)
    assert fifo_ops(text, "s") == ["acquire 1", "[0]", "acquire 2", "[1]", "release 2"]


@pytest.mark.parametrize("target", TARGETS)
def test_a_newer_object_done_first_is_given_back_with_the_older_one(target):
    text = emitted_equal_to_sim(kept_then_taken, target)
    assert fifo_ops(text, "s") == ["acquire 1", "[0]", "acquire 2", "[1]", "release 2"]


def test_the_emulator_catches_a_core_taking_the_wrong_object():
    prog = dato.compile(two_slices, target="npu1_4col")
    text = prog.emit("mlir-aie")
    wrong = re.sub(r"(subview\.access %\w+)\[1\]", r"\1[0]", text)  # a[0:16] + a[0:16]
    assert wrong != text
    verify(wrong)  # legal, only wrong
    A, C = random_arrays(prog)
    emulate(read_design(wrong), [A, C], 10_000)
    np.testing.assert_array_equal(C, A[0:16] + A[0:16])
    assert not np.array_equal(C, A[0:16] + A[16:32])


def test_holding_more_objects_than_the_fifo_is_deep_is_refused():
    @dato.region
    def three(A: float32[48], C: float32[16]):
        @dato.task(args=[A, C])
        def t(a: float32[48], c: float32[16]):
            c[0:16] = a[0:16] + a[16:32] + a[32:48]  # E-acquire-depth

    prog = dato.compile(three, target="npu1_4col")
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie")
    check_error(
        info,
        "# E-acquire-depth",
        "'t' would hold 3 objects of the object FIFO @A_0_48 at once, but it is 2 deep at the "
        "core: keep at most 2 of the values it carries",
    )


def test_taking_an_object_in_a_loop_while_holding_one_from_outside_is_refused():
    @dato.region
    def outer(A: float32[48], C: float32[32]):
        s: Stream[float32[16], 2]

        @dato.task(args=[A])
        def p(a: float32[48]):
            for i in range(3):
                s.put(a[i * 16 : (i + 1) * 16])

        @dato.task(args=[C])
        def q(c: float32[32]):
            u = s.get()
            for i in range(2):
                c[i * 16 : (i + 1) * 16] = s.get() + u  # E-acquire-outer

    prog = dato.compile(outer, target="npu1_4col")
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie")
    check_error(
        info,
        "# E-acquire-outer",
        "'q' takes an object of @s inside a loop or branch while it holds one taken before it",
        "finish with the outer value before the loop or branch",
    )
