"""The emulator of MLIR-AIE designs (``backend="aie-emu"``) on hand-written designs.

The designs (tests/aie_designs/emu_*.mlir) give known answers; each is then broken on purpose
(a DMA pattern, a FIFO depth, a loop bound, a link's offsets) and the break must show as a
wrong value or a DeadlockError. The emitter's designs: tests/test_aie_emu_programs.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import datobench as dato
from datobench.core.codegen.aie.emu_dma import addresses
from datobench.core.codegen.aie.emu_kernels import EmulationError
from datobench.core.codegen.aie.emulate import emulate
from datobench.core.codegen.aie.parse import read_design

DESIGNS = Path(__file__).parent / "aie_designs"


def design(name: str) -> str:
    return (DESIGNS / f"emu_{name}.mlir").read_text()


def run(text: str, *arrays: np.ndarray, max_steps: int = 100_000):
    return emulate(read_design(text), list(arrays), max_steps)


def broken(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new)


# -- address generation ------------------------------------------------------------------------


def test_a_4d_pattern_visits_offset_plus_strides_innermost_first():
    index = addresses((0, 0, 1, 2), (2, 1, 2, 3), (0, 100, 10, 1))
    assert index.tolist() == [12, 13, 14, 22, 23, 24, 12, 13, 14, 22, 23, 24]


def test_a_transposing_pattern_reads_columns():
    index = addresses((0, 0, 0, 0), (1, 1, 3, 2), (0, 0, 1, 3))
    assert index.tolist() == [0, 3, 1, 4, 2, 5]


# -- hand-written designs ----------------------------------------------------------------------


def test_add_one_through_a_core_and_a_kernel_call():
    A = np.arange(64, dtype=np.float32) * 0.5
    B = np.zeros(64, np.float32)
    result = run(design("add_one"), A, B)
    np.testing.assert_array_equal(B, A + np.float32(1))
    assert result.elements == {"in": 4, "out": 4}
    assert result.transfers == 2
    assert result.iterations == 4
    assert result.summary().startswith("aie-emu: 2 object FIFOs moved 8 elements")


def test_an_acquire_may_give_the_element_itself():
    text = design("add_one")
    for fifo, port, name in (("in", "Consume", "a"), ("out", "Produce", "b")):
        text = broken(
            text,
            f"%s{name} = aie.objectfifo.acquire @{fifo}({port}, 1) : "
            "!aie.objectfifosubview<memref<16xf32>>\n"
            f"        %{name} = aie.objectfifo.subview.access %s{name}[0] : "
            "!aie.objectfifosubview<memref<16xf32>> -> memref<16xf32>",
            f"%{name} = aie.objectfifo.acquire @{fifo}({port}, 1) : memref<16xf32>",
        )
    A = np.arange(64, dtype=np.float32)
    B = np.zeros(64, np.float32)
    run(text, A, B)
    np.testing.assert_array_equal(B, A + np.float32(1))


def test_scalar_loops_with_memref_loads_arith_and_stores_and_a_3d_pattern():
    A = np.arange(64, dtype=np.int32) - 20
    B = np.zeros(64, np.int32)
    run(design("scalar_loop"), A, B)
    np.testing.assert_array_equal(B, 2 * A - 3)


def test_memory_tile_links_distribute_broadcast_and_join():
    rng = np.random.default_rng(1)
    A = rng.integers(-300, 300, (16, 8)).astype(np.int16)
    B = rng.integers(-300, 300, (8, 16)).astype(np.int16)
    C = np.zeros((16, 16), np.int32)
    result = run(design("gemm_links"), A, B, C)
    np.testing.assert_array_equal(C, A.astype(np.int32) @ B.astype(np.int32))
    assert result.elements["b"] == 1 and result.elements["c"] == 1


def test_a_to_stream_layout_reorders_what_the_producer_sends():
    A = np.arange(16, dtype=np.float32)
    B = np.zeros(16, np.float32)
    run(design("transpose"), A, B)
    np.testing.assert_array_equal(B.reshape(4, 4), A.reshape(4, 4).T)


def test_a_to_stream_layout_must_visit_every_element_once():
    text = broken(design("transpose"), "<size = 4, stride = 4>]", "<size = 4, stride = 2>]")
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(16, np.float32), np.zeros(16, np.float32))
    assert str(info.value) == (
        "line 10: the toStream layout of @t does not visit each of its 16 elements once"
    )


def test_a_from_stream_layout_is_refused():
    text = broken(design("transpose"), "{%t03}, 1 : i32)",
                  "{%t03 fromStream [<size = 16, stride = 1>]}, 1 : i32)")  # fmt: skip
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(16, np.float32), np.zeros(16, np.float32))
    assert str(info.value) == (
        "line 10: object FIFO @t has a fromStream layout on a consumer, which the emulator "
        "does not execute"
    )


def test_runs_are_deterministic():
    A = np.arange(64, dtype=np.float32)
    first = run(design("add_one"), A, np.zeros(64, np.float32))
    second = run(design("add_one"), A, np.zeros(64, np.float32))
    assert first == second


# -- deliberate bugs ---------------------------------------------------------------------------


def test_a_fifo_too_shallow_for_the_access_order_deadlocks_with_cores_fifos_and_lines():
    X = np.arange(64, dtype=np.float32)
    with pytest.raises(dato.DeadlockError) as info:
        run(design("crossed"), X, np.zeros(64, np.float32))
    message = str(info.value)
    assert "deadlock in the emitted design: every core, link and DMA is blocked" in message
    text = design("crossed").splitlines()
    line_a = next(n for n, t in enumerate(text, 1) if "acquire @a(Produce" in t)
    line_b = next(n for n, t in enumerate(text, 1) if "acquire @b(Consume" in t)
    assert (
        f"core (0, 2) waits to acquire @a(Produce, 1) at design line {line_a}\n        "
        "%sa = aie.objectfifo.acquire @a(Produce, 1) : !aie.objectfifosubview<memref<16xf32>>"
    ) in message
    assert f"core (0, 3) waits to acquire @b(Consume, 1) at design line {line_b}" in message
    assert "@a: 1 of 1 buffers filled" in message
    assert "@b: 0 of 2 buffers filled" in message
    assert "runtime sequence waits to dma_wait @y" in message


def test_the_same_design_with_room_in_the_fifo_runs():
    text = broken(design("crossed"), "@a(%t02, {%t03}, 1 : i32)", "@a(%t02, {%t03}, 2 : i32)")
    X = np.arange(64, dtype=np.float32)
    Y = np.zeros(64, np.float32)
    run(text, X, Y)
    np.testing.assert_array_equal(Y, X)


def test_a_wrong_dma_pattern_gives_wrong_values():
    text = broken(design("scalar_loop"), "%B[0, 0, 0, 0][1, 4, 8, 2][0, 2, 8, 1]",
                  "%B[0, 0, 0, 0][1, 4, 8, 2][0, 16, 2, 1]")  # fmt: skip
    A = np.arange(64, dtype=np.int32)
    B = np.zeros(64, np.int32)
    run(text, A, B)
    assert sorted(B.tolist()) == sorted((2 * A - 3).tolist())  # every value lands...
    assert not np.array_equal(B, 2 * A - 3)  # ...in the wrong place


def test_a_short_inner_loop_leaves_stale_values():
    text = design("scalar_loop")
    text = broken(text, "scf.for %c = %c0 to %c2 step %c1", "scf.for %c = %c0 to %c1 step %c1")
    A = np.arange(64, dtype=np.int32)
    B = np.zeros(64, np.int32)
    run(text, A, B)
    assert not np.array_equal(B, 2 * A - 3)
    np.testing.assert_array_equal(B[0::2], (2 * A - 3)[0::2])  # the first column of each block


def test_a_core_loop_one_iteration_short_deadlocks_the_output_transfer():
    text = broken(design("add_one"), "%c4 = arith.constant 4 : index",
                  "%c4 = arith.constant 3 : index")  # fmt: skip
    with pytest.raises(dato.DeadlockError) as info:
        run(text, np.arange(64, dtype=np.float32), np.zeros(64, np.float32))
    message = str(info.value)
    assert "runtime sequence waits to dma_wait @out" in message
    assert "shim DMA of @out waits to acquire data of @out" in message
    assert "@out: 0 of 2 buffers filled" in message


def test_a_distribute_at_the_wrong_offsets_gives_wrong_values():
    text = broken(design("gemm_links"), "([] [0, 64])", "([] [0, 32])")
    rng = np.random.default_rng(2)
    A = rng.integers(-30, 30, (16, 8)).astype(np.int16)
    B = rng.integers(-30, 30, (8, 16)).astype(np.int16)
    C = np.zeros((16, 16), np.int32)
    run(text, A, B, C)
    expected = A.astype(np.int32) @ B.astype(np.int32)
    np.testing.assert_array_equal(C[:8], expected[:8])
    assert not np.array_equal(C[8:], expected[8:])


# -- limits and errors -------------------------------------------------------------------------


def test_a_runaway_core_stops_at_the_step_budget():
    spin = (
        "%big = arith.constant 1000000000 : index\n"
        "      scf.for %j = %c0 to %big step %c1 {\n      }\n"
        "      scf.for %i = %c0 to %c4 step %c1 {"
    )
    text = broken(design("add_one"), "scf.for %i = %c0 to %c4 step %c1 {", spin)
    with pytest.raises(dato.DatoRuntimeError) as info:
        run(text, np.zeros(64, np.float32), np.zeros(64, np.float32), max_steps=500)
    assert str(info.value).startswith(
        "core (0, 2): the emulation of the design ran out of its budget of 500 core loop "
        "iterations; pass a larger max_steps= to run()"
    )


def test_the_host_buffers_must_match_the_runtime_sequence():
    with pytest.raises(EmulationError) as info:
        run(design("add_one"), np.zeros(64, np.float32))
    assert str(info.value) == "the runtime sequence takes 2 host buffers, but 1 were given"


def test_a_transfer_on_a_fifo_without_a_shim_end_is_an_error():
    text = broken(design("add_one"), "metadata = @in}", "metadata = @nowhere}")
    text = broken(text, "aie.objectfifo @in(", "aie.objectfifo @nowhere(%core, {%core}, 1 : i32) "
                  ": !aie.objectfifo<memref<16xf32>>\n    aie.objectfifo @in(")  # fmt: skip
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(64, np.float32), np.zeros(64, np.float32))
    assert "dma_memcpy_nd moves @nowhere, which has no shim endpoint" in str(info.value)


def test_a_transfer_beyond_its_host_buffer_is_an_error():
    text = broken(design("add_one"), "%A[0, 0, 0, 0][1, 1, 1, 64]", "%A[0, 0, 0, 8][1, 1, 1, 64]")
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(64, np.float32), np.zeros(64, np.float32))
    assert str(info.value) == (
        "line 26: dma_memcpy_nd reaches element 71 (lowest 8) of a host buffer of 64 elements"
    )


def test_an_op_the_emulator_has_no_semantics_for_is_an_error():
    text = broken(design("scalar_loop"), "%z = arith.subi %y, %three : i32",
                  "%z = arith.ceildivsi %y, %three : i32")  # fmt: skip
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(64, np.int32), np.zeros(64, np.int32))
    assert str(info.value).startswith("line 27: the emulator cannot run arith.ceildivsi: ")
    text = broken(design("add_one"), "      aie.end", "      %t33 = aie.tile(3, 3)\n      aie.end")
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(64, np.float32), np.zeros(64, np.float32))
    assert str(info.value) == "line 23: the emulator does not execute aie.tile"


def test_a_kernel_whose_result_does_not_fit_its_output_is_an_error():
    text = broken(design("gemm_links"), 'dato.op = "matmul"', 'dato.op = "+"')
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros((16, 8), np.int16), np.zeros((8, 16), np.int16), np.zeros(256, np.int32))
    assert str(info.value).startswith("line 29: kernel @matmul_i16_i32: operands could not be")


def test_an_acquire_of_an_undeclared_fifo_is_an_error():
    text = broken(design("add_one"), "acquire @in(Consume", "acquire @nin(Consume")
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(64, np.float32), np.zeros(64, np.float32))
    assert str(info.value) == (
        "line 15: aie.objectfifo.acquire names @nin, which the design does not declare"
    )


def test_a_kernel_must_name_an_op_of_the_table():
    text = broken(design("add_one"), 'dato.op = "+"', 'dato.op = "fma"')
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(64, np.float32), np.zeros(64, np.float32))
    assert "kernel @add_f32 names dato.op 'fma', which is not in the op table" in str(info.value)


def test_a_kernel_missing_a_static_argument_is_an_error():
    call = "func.call @add_f32(%a, %one, %b) : (memref<16xf32>, f32, memref<16xf32>) -> ()"
    text = broken(design("add_one"), call, "func.call @fill(%b) : (memref<16xf32>) -> ()")
    text = broken(text, "    %c02 = aie.core", '    func.func private @fill(memref<16xf32>) '
                  'attributes {dato.op = "full"}\n    %c02 = aie.core')  # fmt: skip
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(64, np.float32), np.zeros(64, np.float32))
    assert str(info.value) == (
        "kernel @fill (dato.op 'full') needs its static argument 'value': give it as a "
        "dato.value attribute of the declaration"
    )


def test_a_kernel_calling_an_unknown_user_kernel_is_an_error():
    text = broken(design("add_one"), 'dato.op = "+"', 'dato.kernel = "scale"')
    with pytest.raises(EmulationError) as info:
        run(text, np.zeros(64, np.float32), np.zeros(64, np.float32))
    assert "kernel @add_f32 calls @dato.kernel 'scale', which the program does not define" in str(
        info.value
    )


def test_a_design_without_a_runtime_sequence_is_an_error():
    text = design("add_one")
    start = text.index("    aiex.runtime_sequence")
    end = text.index("    }\n", text.index("aiex.npu.dma_wait")) + len("    }\n")
    with pytest.raises(EmulationError) as info:
        run(text[:start] + text[end:])
    assert str(info.value) == "the design has no runtime sequence to run"
