"""``backend="aie-emu"`` on the designs the emitter writes: every example and the GEMM programs
give ``sim``'s results bit for bit; the deadlock example deadlocks; the backend needs an NPU
target and takes a step budget."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from helpers import NPU_REFUSED, check_error, random_arrays, region_of

import datobench as dato
from datobench import programs
from datobench.core.backends import backend
from datobench.core.codegen.aie import DEFAULT_RELEASE, RELEASES, emit_design
from datobench.core.codegen.aie.emulate import emulate
from datobench.core.codegen.aie.parse import read_design

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("0*.py"))


def assert_emu_equals_sim(prog, seed=0):
    ref, got = random_arrays(prog, seed), random_arrays(prog, seed)
    prog.run(*ref, backend="sim")
    result = prog.run(*got, backend="aie-emu")
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)  # bit for bit, floats too
    return result


@pytest.mark.parametrize(
    "target, release",
    [("npu1_4col", r) for r in RELEASES] + [("npu2", DEFAULT_RELEASE)],
    ids=lambda v: v,
)
@pytest.mark.parametrize(
    "path",
    [p for p in EXAMPLES if p.stem != "05_deadlock" and p.stem not in NPU_REFUSED],
    ids=lambda p: p.stem,
)
def test_every_example_through_aie_emu_equals_sim(path, target, release):
    prog = dato.compile(region_of(path), target=target)
    ref, got = random_arrays(prog), random_arrays(prog)
    prog.run(*ref, backend="sim")
    result = prog.run(*got, backend="aie-emu", release=release)
    for r, g in zip(ref, got):
        np.testing.assert_array_equal(g, r)  # bit for bit, floats too
    assert result.backend == "aie-emu"
    assert result.design == emit_design(prog, release)
    assert result.design.startswith(f"// mlir-aie release {release}:")


@pytest.mark.parametrize(
    "region",
    [
        programs.single_core_gemm(32, 32, 32, dato.int16, dato.int32),
        programs.output_stationary_gemm(64, 64, 64, 2, 2, 16, dato.int16, dato.int32),
        programs.whole_array_gemm(64, 64, 64, 16, 16, 16, dato.int16, dato.int32, 2, 2),
        programs.output_stationary_gemm(32, 32, 32, 2, 2, 8, dato.float32, dato.float32),
    ],
    ids=["single_core", "output_stationary_i16", "whole_array_2x2", "output_stationary_f32"],
)
def test_the_gemm_programs_through_aie_emu_equal_sim(region):
    assert_emu_equals_sim(dato.compile(region, target="npu1_4col"), seed=3)


def test_the_depth_deadlock_example_deadlocks_in_aie_emu_too():
    prog = dato.compile(region_of(EXAMPLES[4]), target="npu1_4col")
    with pytest.raises(dato.DeadlockError) as info:
        prog.run(*random_arrays(prog), backend="aie-emu")  # E-emu-deadlock
    message = str(info.value)
    assert "deadlock in the emitted design: every core, link and DMA is blocked" in message
    assert "# E-emu-deadlock" in message  # located at the user's run() call
    assert re.search(r"core \(\d+, \d+\) waits to acquire @a\(Produce, 1\)", message)
    assert re.search(r"core \(\d+, \d+\) waits to acquire @b\(Consume, 1\)", message)
    assert "@a: 1 of 1 buffers filled" in message


def test_aie_emu_needs_an_npu_target():
    prog = dato.compile(programs.pipeline())
    with pytest.raises(dato.CapabilityError) as info:
        prog.run(*random_arrays(prog), backend="aie-emu")  # E-emu-npu
    check_error(
        info,
        "# E-emu-npu",
        "backend='aie-emu' runs the MLIR-AIE design of a program mapped onto an NPU: compile "
        "with an NPU target, e.g. dato.compile(region, target='npu1_4col')",
    )
    [row] = [s for s in dato.backends(prog) if s.name == "aie-emu"]
    assert not row.available and row.reason == info.value.message
    fpga = dato.compile(programs.pipeline(), target="u280")
    assert backend("aie-emu").probe(fpga) == info.value.message
    npu = dato.compile(programs.pipeline(), target="npu1_4col")
    assert backend("aie-emu").probe(npu) is None


def test_the_step_budget_is_a_run_option():
    prog = dato.compile(programs.pipeline(), target="npu1_4col")
    with pytest.raises(dato.DatoRuntimeError) as info:
        prog.run(*random_arrays(prog), backend="aie-emu", max_steps=3)
    assert "ran out of its budget of 3 core loop iterations" in str(info.value)


# -- bugs planted in an emitted design ---------------------------------------------------------


def emitted_vector_add():
    prog = dato.compile(programs.vector_add(256, 2, 64), target="npu1_4col")
    A, B = random_arrays(prog, 5)[:2]
    return prog, prog.emit("mlir-aie"), A, B


def planted(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def run_text(prog, text, A, B):
    C = np.zeros_like(A)
    emulate(read_design(text), [A, B, C], 100_000, prog.kernels)
    return C


def test_the_emitted_vector_add_runs_as_emitted():
    prog, text, A, B = emitted_vector_add()
    np.testing.assert_array_equal(run_text(prog, text, A, B), A + B)


def test_a_wrong_offset_in_an_emitted_transfer_gives_wrong_values():
    prog, text, A, B = emitted_vector_add()
    text = planted(text, "%B[0, 0, 0, 128][1, 1, 1, 128]", "%B[0, 0, 0, 0][1, 1, 1, 128]")
    C = run_text(prog, text, A, B)
    np.testing.assert_array_equal(C[:128], (A + B)[:128])
    np.testing.assert_array_equal(C[128:], A[128:] + B[:128])  # the second half adds B's first


def test_a_long_loop_in_an_emitted_core_leaves_it_inside_an_iteration():
    prog, text, A, B = emitted_vector_add()
    text = planted(
        text, "%add_1_6 = arith.constant 2 : index", "%add_1_6 = arith.constant 3 : index"
    )
    with pytest.raises(dato.DatoRuntimeError) as info:
        run_text(prog, text, A, B)
    message = str(info.value)
    assert "the runtime sequence finished, but the design did not come back to rest" in message
    assert "core (1, 2) stopped inside an iteration of its loop: it waits to acquire " in message
    assert "@A_128_256(Consume, 1) at design line " in message


def test_a_missing_transfer_in_an_emitted_design_deadlocks():
    prog, text, A, B = emitted_vector_add()
    moves = [line for line in text.splitlines() if "metadata = @A_in_c1" in line]
    text = planted(text, moves[0] + "\n", "")
    with pytest.raises(dato.DeadlockError) as info:
        run_text(prog, text, A, B)
    assert "runtime sequence waits to dma_wait @C_out_c1" in str(info.value)
