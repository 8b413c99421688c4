"""aie-emu runs hand-written DMA (``emu_hand``): the memory-tile and reader chains that a staged
panel in parts becomes (``parts.py``) give sim's values bit for bit and come back to rest after
each invocation; a planted mistake in the locks, the flows or a BD is caught, located at the
design's line. The designs run through ``emulate`` directly: ``verify`` is what
``backend="aie-emu"`` runs first."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import random_arrays

import datobench as dato
from datobench import int8, int32
from datobench.core.codegen.aie.emu_kernels import EmulationError
from datobench.core.codegen.aie.emulate import LoadedDesign, emulate
from datobench.core.codegen.aie.parse import read_design
from datobench.programs import staged_gemm


def parted(target="npu1_4col", paired=False, parts=2):
    """C = A @ B on 2 x 2 cores; B's 64 x 16 panels in ``parts`` parts, each sent twice per
    visit unless ``paired``."""
    program = staged_gemm(64, 64, 64, 16, 16, 16, int8, int32, 2, 2, paired=paired, parts=parts)
    return dato.compile(program, target=target)


@pytest.fixture(scope="module")
def prog():
    return parted()


def run(prog, text, seed=0):
    """aie-emu's outputs and sim's on the same inputs."""
    ref, got = random_arrays(prog, seed), random_arrays(prog, seed)
    prog.run(*ref, backend="sim")
    emulate(read_design(text), got, 1_000_000, prog.kernels)
    return got, ref


def plant(prog, old, new):
    """The design with the first ``old`` made ``new``."""
    text = prog.emit("mlir-aie")
    assert old in text, old
    return text.replace(old, new, 1)


@pytest.mark.parametrize("parts", [2, 4])
@pytest.mark.parametrize("paired", [False, True])
@pytest.mark.parametrize("target", ["npu1_4col", "npu2"])
def test_a_parted_design_gives_sims_values_invocation_after_invocation(target, paired, parts):
    prog = parted(target, paired, parts)
    loaded = LoadedDesign(read_design(prog.emit("mlir-aie")), 1_000_000, prog.kernels)
    for seed in (0, 1):  # the second invocation starts where the first left the design
        ref, got = random_arrays(prog, seed), random_arrays(prog, seed)
        prog.run(*ref, backend="sim")
        result = loaded.invoke(got)
        for r, g in zip(ref, got):
            np.testing.assert_array_equal(g, r)
    assert result.transfers == (8 if paired else 10)


def test_a_fill_that_gives_one_send_instead_of_r_deadlocks_at_the_next_fill(prog):
    text = plant(
        prog,
        "aie.use_lock(%B_panel_c0_p1_cons, Release, 2)",
        "aie.use_lock(%B_panel_c0_p1_cons, Release, 1)",
    )
    with pytest.raises(dato.DeadlockError) as caught:
        run(prog, text)
    message = str(caught.value)
    assert "S2MM channel 5 of tile (0, 1) waits to acquire lock @B_panel_c0_p1_prod >= 2" in message
    assert "aie.use_lock(%B_panel_c0_p1_prod, AcquireGreaterEqual, 2)" in message


def test_a_reader_that_frees_two_buffers_per_slice_does_not_come_back_to_rest(prog):
    text = plant(
        prog,
        "aie.use_lock(%B_0_64_0_32_cons_0_2_prod, Release, 1)",
        "aie.use_lock(%B_0_64_0_32_cons_0_2_prod, Release, 2)",
    )
    with pytest.raises(dato.DatoRuntimeError, match="or a lock or DMA channel is not where") as e:
        run(prog, text)
    assert "lock @B_0_64_0_32_cons_0_2_prod counts 17, 1 at rest" in str(e.value)


def test_a_core_that_reads_the_wrong_ping_pong_buffer_gets_other_values(prog):
    text = plant(
        prog,
        "arith.select %core_0_0_28, %B_0_64_0_32_cons_0_2_buff_1, %B_0_64_0_32_cons_0_2_buff_0",
        "arith.select %core_0_0_28, %B_0_64_0_32_cons_0_2_buff_0, %B_0_64_0_32_cons_0_2_buff_1",
    )
    got, ref = run(prog, text)
    assert np.array_equal(got[0], ref[0]) and np.array_equal(got[1], ref[1])  # the inputs
    assert not np.array_equal(got[2], ref[2])


def test_a_lock_counting_past_63_is_an_error_at_the_release(prog):
    text = plant(
        prog,
        "aie.use_lock(%B_panel_c0_p0_cons, Release, 2)",
        "aie.use_lock(%B_panel_c0_p0_cons, Release, 62)",
    )
    with pytest.raises(EmulationError, match="past the most a lock can count \\(63\\)") as e:
        run(prog, text)
    assert "S2MM channel 5 of tile (0, 1) releases 62 to lock @B_panel_c0_p0_cons" in str(e.value)


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "aie.use_lock(%B_panel_c0_p0_cons, AcquireGreaterEqual, 1)",
            "aie.use_lock(%tile_0_1, AcquireGreaterEqual, 1)",
            "aie.use_lock names no aie.lock",
        ),
        (
            "aie.use_lock(%B_panel_c0_p0_cons, Release, 2)\n      aie.next_bd ^bb2",
            "aie.use_lock(%B_panel_c0_p0_cons, Release, 2)",
            "S2MM channel 5 of tile (0, 1) ends without an aie.next_bd or aie.end",
        ),
        (
            "aie.use_lock(%B_panel_c0_p0_cons, AcquireGreaterEqual, 1)",
            "aie.use_lock(%B_panel_c0_p0_cons, Acquire, 1)",
            "the emulator runs no use_lock Acquire",
        ),
        (
            "%1 = aie.dma_start(MM2S, 5, ^bb4, ^bb6)",
            "%1 = aie.dma_start(MM2S, 4, ^bb4, ^bb6)",
            "MM2S channel 4 of tile (0, 1) sends on no aie.flow from its port",
        ),
        (
            "aie.flow(%tile_0_0, DMA : 1, %tile_0_1, DMA : 5)",
            "aie.flow(%tile_0_0, DMA : 1, %tile_0_1, DMA : 4)",
            "S2MM channel 5 of tile (0, 1) receives on no aie.flow to its port",
        ),
        (
            "aie.flow(%tile_0_1, DMA : 5, %tile_0_3, DMA : 1)",
            "aie.flow(%tile_0_1, DMA : 5, %tile_0_2, DMA : 1)",
            "a second aie.flow ends at the same DMA port",
        ),
        (
            "aie.flow(%tile_0_1, DMA : 5, %tile_0_3, DMA : 1)",
            "aie.flow(%tile_0_1, DMA : 5, %tile_0_3, Core : 1)",
            "the emulator runs flows between DMA ports only, not Core",
        ),
        (
            "aie.dma_bd(%B_panel_c0_p1 : memref<512xi8>, 0, 512)\n"
            "      aie.use_lock(%B_panel_c0_p1_prod, Release, 1)",
            "aie.dma_bd(%B_panel_c0_p1 : memref<512xi8>, 16, 512)\n"
            "      aie.use_lock(%B_panel_c0_p1_prod, Release, 1)",
            "aie.dma_bd reaches element 527",
        ),
        (
            "%0 = aie.dma_start(S2MM, 5, ^bb1, ^bb3)",
            "%0 = aie.dma_start(S2MM, 5, ^bb1, ^bb3, repeat_count = 1)",
            "does not run a hand BD chain with a repeat_count",
        ),
    ],
)
def test_a_planted_mistake_in_the_hand_dma_is_located(prog, old, new, message):
    text = plant(prog, old, new)
    with pytest.raises(EmulationError, match=re.escape(message)) as caught:
        run(prog, text)
    line = re.match(r"line (\d+): ", str(caught.value))
    assert line, str(caught.value)
    assert text.splitlines()[int(line[1]) - 1].strip().startswith(("aie.", "%"))  # the op
