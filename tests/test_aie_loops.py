"""Cores that run for every invocation, and scalars carried by loops.

On the device the design stays loaded and the host runs the runtime sequence again and again,
so each core body sits in an endless ``scf.for`` (mlir-aie's own idiom per release) and the
emulator keeps a loaded design (``LoadedDesign``) between invocations: each must give sim's
results, and must leave the design where it rested before the first one. Scalars a loop or
branch changes are its ``iter_args`` / results (``scf.yield``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from helpers import NPU_REFUSED, random_arrays, region_of

import datobench as dato
from datobench import float32, programs
from datobench.core.codegen.aie import RELEASES, emit_design
from datobench.core.codegen.aie.emulate import LoadedDesign
from datobench.core.codegen.aie.parse import read_design

DESIGNS = Path(__file__).parent / "aie_designs"
EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("0*.py"))


def endless() -> str:
    return (DESIGNS / "emu_endless.mlir").read_text()


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_with(text: str, marker: str) -> int:
    return next(n for n, t in enumerate(text.splitlines(), 1) if marker in t)


# -- the endless loop around every core body -----------------------------------------------------


@pytest.mark.parametrize("release", list(RELEASES))
def test_every_core_body_is_an_endless_loop_in_the_idiom_of_its_release(release):
    text = emit_design(dato.compile(programs.pipeline(), target="npu1_4col"), release)
    bound = {"v1.0": 4294967295, "2026.01": 9223372036854775807}[release]
    cores = re.findall(r"aie\.core\(%\w+\) \{\n((?:.*\n){4})", text)
    assert len(cores) == 2
    for head in cores:
        lo, hi, one, loop = (line.strip() for line in head.splitlines())
        assert lo.endswith("= arith.constant 0 : index")
        assert hi.endswith(f"= arith.constant {bound} : index")
        assert loop.startswith("scf.for ") and loop.endswith(" step " + one.split()[0] + " {")


@pytest.mark.parametrize(
    "path",
    [p for p in EXAMPLES if p.stem != "05_deadlock" and p.stem not in NPU_REFUSED],
    ids=lambda p: p.stem,
)
def test_two_invocations_of_a_loaded_design_both_give_sims_results(path):
    prog = dato.compile(region_of(path.stem), target="npu1_4col")
    loaded = LoadedDesign(read_design(prog.emit("mlir-aie")), 1_000_000, prog.kernels)
    for seed in (1, 2):  # fresh host buffers, other data
        ref, got = random_arrays(prog, seed), random_arrays(prog, seed)
        prog.run(*ref, backend="sim")
        loaded.invoke(got)
        for r, g in zip(ref, got):
            np.testing.assert_array_equal(g, r)


def test_a_hand_written_endless_design_runs_again_and_again():
    loaded = LoadedDesign(read_design(endless()), 100)
    for k in range(3):
        A = np.arange(64, dtype=np.float32) * (k + 1)
        B = np.zeros(64, np.float32)
        result = loaded.invoke([A, B])
        np.testing.assert_array_equal(B, A + np.float32(1))
        assert result.elements == {"in": 4, "out": 4}
        assert result.transfers == 2


def test_the_step_budget_holds_for_each_invocation():
    loaded = LoadedDesign(read_design(endless()), 8)  # about 6 loop iterations a run
    for _ in range(3):
        A = np.arange(64, dtype=np.float32)
        B = np.zeros(64, np.float32)
        loaded.invoke([A, B])
        np.testing.assert_array_equal(B, A + np.float32(1))


def test_a_core_that_runs_once_deadlocks_the_second_invocation():
    loaded = LoadedDesign(read_design((DESIGNS / "emu_add_one.mlir").read_text()), 100)
    A = np.arange(64, dtype=np.float32)
    B = np.zeros(64, np.float32)
    loaded.invoke([A, B])
    np.testing.assert_array_equal(B, A + np.float32(1))
    with pytest.raises(dato.DeadlockError) as info:
        loaded.invoke([A, np.zeros(64, np.float32)])
    message = str(info.value)
    assert "runtime sequence waits to dma_wait @out" in message
    assert (
        "core (0, 2) ran its body to aie.end in an earlier invocation and runs no more: wrap "
        "the body in an endless scf.for"
    ) in message


def test_a_core_left_inside_an_iteration_is_an_error():
    text = endless()
    for buffer in ("%A", "%B"):  # three buffers: one and a half iterations
        text = edited(
            text, f"{buffer}[0, 0, 0, 0][1, 1, 1, 64]", f"{buffer}[0, 0, 0, 0][1, 1, 1, 48]"
        )
    with pytest.raises(dato.DatoRuntimeError) as info:
        LoadedDesign(read_design(text), 100).invoke([np.zeros(64, np.float32)] * 2)
    message = str(info.value)
    assert message.startswith(
        "the runtime sequence finished, but the design did not come back to rest for the next "
        "invocation: a core stopped inside an iteration, data was left in an object FIFO, "
        "or a lock or DMA channel is not where it rested"
    )
    line = line_with(text, "acquire @in(Consume")
    assert (
        "core (0, 2) stopped inside an iteration of its loop: it waits to acquire "
        f"@in(Consume, 1) at design line {line}\n        %sa = aie.objectfifo.acquire @in"
    ) in message


def test_data_left_in_a_fifo_is_an_error():
    text = edited(endless(), "%B[0, 0, 0, 0][1, 1, 1, 64]", "%B[0, 0, 0, 0][1, 1, 1, 48]")
    with pytest.raises(dato.DatoRuntimeError) as info:
        LoadedDesign(read_design(text), 100).invoke([np.zeros(64, np.float32)] * 2)
    message = str(info.value)
    assert "@out: 1 of 2 buffers filled, 0 at rest" in message
    assert "core (0, 2)" not in message  # the core is back at the top of its loop


def test_a_transfer_ending_inside_a_buffer_is_an_error():
    text = edited(endless(), "%A[0, 0, 0, 0][1, 1, 1, 64]", "%A[0, 0, 0, 0][1, 1, 1, 56]")
    text = edited(text, "%B[0, 0, 0, 0][1, 1, 1, 64]", "%B[0, 0, 0, 0][1, 1, 1, 48]")
    with pytest.raises(dato.DatoRuntimeError) as info:
        LoadedDesign(read_design(text), 100).invoke([np.zeros(64, np.float32)] * 2)
    message = str(info.value)
    assert "shim DMA of @in moved 8 of the 16 elements of a buffer of @in" in message
    assert "core (0, 2) stopped inside an iteration of its loop" in message


def test_a_core_without_inputs_rests_with_its_fifo_full():
    text = endless()
    for old in (
        "%sa = aie.objectfifo.acquire @in(Consume, 1) : !aie.objectfifosubview<memref<16xf32>>\n",
        "%a = aie.objectfifo.subview.access %sa[0] : !aie.objectfifosubview<memref<16xf32>> "
        "-> memref<16xf32>\n",
        "aie.objectfifo.release @in(Consume, 1)\n",
        "aiex.npu.dma_memcpy_nd(%A[0, 0, 0, 0][1, 1, 1, 64][0, 0, 0, 1]) {id = 0 : i64, "
        "metadata = @in} : memref<64xf32>\n",
    ):
        text = edited(text, old, "")
    text = edited(text, "func.call @add_f32(%a, %one, %b)", "func.call @add_f32(%b, %one, %b)")
    loaded = LoadedDesign(read_design(text), 1000)
    for k in range(1, 3):
        B = np.zeros(64, np.float32)
        loaded.invoke([np.zeros(64, np.float32), B])
        # each buffer of the ring of 2 gains one per use: the values run ahead, in order
        np.testing.assert_array_equal(B, np.repeat(np.arange(4) // 2 + 2 * k - 1, 16))


def test_an_endless_loop_that_never_blocks_stops_at_the_budget_when_loaded():
    text = edited(
        endless(), "scf.for %i = %c0 to %c2 step %c1 {", "scf.for %i = %c0 to %c0 step %c1 {"
    )
    with pytest.raises(dato.DatoRuntimeError) as info:
        LoadedDesign(read_design(text), 50)
    assert str(info.value).startswith(
        "core (0, 2): the emulation of the design ran out of its budget of 50 core loop iterations"
    )


# -- scalars carried by loops and branches --------------------------------------------------------


def equal_to_sim(region, *arrays, target="npu1_4col"):
    prog = dato.compile(region, target=target)
    text = prog.emit("mlir-aie")
    ref, got = [a.copy() for a in arrays], [a.copy() for a in arrays]
    prog.run(*ref, backend="sim")
    prog.run(*got, backend="aie-emu")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)
    return text, got


def test_a_sum_carried_through_nested_loops_and_a_branch_on_the_loop_variable():
    @dato.region
    def nested(A: float32[16], B: float32[16]):
        @dato.task(args=[A, B])
        def t(a: float32[16], b: float32[16]):
            x = 0.0
            y = 1.0
            for k in range(3):
                for j in range(4):
                    x = x + 1.0
                if k > 0:
                    y = y * 2.0
            b[0:16] = a[0:16] + x + y

    A = np.arange(16, dtype=np.float32)
    text, (_, B) = equal_to_sim(nested, A, np.zeros(16, np.float32))
    np.testing.assert_array_equal(B, A + 12 + 4)
    assert re.search(r"%\w+, %\w+ = scf\.for .* iter_args\(%\w+ = %\w+, %\w+ = %\w+\) -> "
                     r"\(f32, f32\) \{", text)  # fmt: skip
    assert re.search(r"%\w+ = scf\.if %\w+ -> \(f32\) \{", text)
    assert "} else {" in text  # the branch without else yields the value unchanged


def test_a_running_maximum_branches_on_data():
    @dato.region
    def running_max(A: float32[16], B: float32[16]):
        @dato.task(args=[A, B])
        def t(a: float32[16], b: float32[16]):
            x = a[0:16]
            m = x[0]
            for i in range(16):
                if x[i] > m:
                    m = x[i]
            b[0:16] = x * 0.0 + m

    A = np.random.default_rng(3).standard_normal(16).astype(np.float32)
    _, (_, B) = equal_to_sim(running_max, A, np.zeros(16, np.float32), target="npu2")
    np.testing.assert_array_equal(B, np.full(16, A.max()))


def test_an_index_carried_by_a_loop_picks_local_elements():
    @dato.region
    def picks(A: float32[16], B: float32[16]):
        @dato.task(args=[A, B])
        def t(a: float32[16], b: float32[16]):
            x = a[0:16]
            j = 0
            s = 0.0
            for k in range(4):
                s = s + x[j]
                j = j + k + 1
            b[0:16] = x * 0.0 + s

    A = np.arange(16, dtype=np.float32)
    _, (_, B) = equal_to_sim(picks, A, np.zeros(16, np.float32))
    np.testing.assert_array_equal(B, np.full(16, 0 + 1 + 3 + 6, np.float32))


def test_a_name_bound_only_inside_a_loop_is_refused_where_it_is_read_after():
    @dato.region
    def leaks(A: float32[16], B: float32[16]):
        @dato.task(args=[A, B])
        def t(a: float32[16], b: float32[16]):
            for k in range(4):
                y = 2.0
            b[0:16] = a[0:16] + y

    prog = dato.compile(leaks, target="npu1_4col")
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie")
    assert str(info.value.message) == (
        "'t' reads 'y' after the loop or branch that binds it; the MLIR-AIE emitter carries "
        "out of a loop or branch only what was bound before it: bind 'y' before the loop or "
        "branch"
    )
    assert info.value.loc.source_line().strip() == "b[0:16] = a[0:16] + y"
