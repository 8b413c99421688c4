"""Programs and checks shared by the mapping tests: the GEMM and the systolic arrays at the
sizes these tests use (built by datobench.programs), and small graphs that exist for the mapping
tests alone."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
from helpers import load_example

import datobench as dato
from datobench import R, S, Stream, float32, int16, int32
from datobench.core.ir.mapping import Mapping
from datobench.programs import output_stationary_gemm, systolic_gemm

KIB = 1024
DMA_IN, DMA_OUT = "input DMA channels", "output DMA channels"


# -- programs ---------------------------------------------------------------------------------


def make_gemm():
    """int16 GEMM on a [4, 4] grid: A row blocks, B column blocks, one 16 x 16 block of C each
    (instances block_i_j)."""
    return output_stationary_gemm(64, 64, 64, 4, 4, 16, int16, int32)


def gemm_arrays(seed: int = 0):
    rng = np.random.default_rng(seed)
    A = rng.integers(-300, 300, size=(64, 64)).astype(np.int16)
    B = rng.integers(-300, 300, size=(64, 64)).astype(np.int16)
    return A, B, np.zeros((64, 64), np.int32)


def gemm_expected(A, B):
    return A.astype(np.int32) @ B.astype(np.int32)


@cache
def systolic_example():
    """examples/04_systolic_gemm.py as a module (4 x 4 PEs, 4 load_a, 4 load_b)."""
    return load_example("04_systolic_gemm")


def systolic_arrays(module, seed: int = 0):
    rng = np.random.default_rng(seed)
    A = rng.integers(-100, 100, size=(module.M, module.K)).astype(np.int16)
    B = rng.integers(-100, 100, size=(module.K, module.N)).astype(np.int16)
    return A, B, np.zeros((module.M, module.N), np.int32)


def make_fan():
    """Five producers, one consumer taking one tile from each."""

    @dato.region
    def fan(A: float32[16]):
        s: Stream[float32[16], 2][5]

        @dato.task(mapping=[5], args=[A])
        def src(a: float32[16]):
            i = dato.pid()
            s[i].put(a[:])

        @dato.task()
        def sink():
            for i in range(5):
                x = s[i].get()  # noqa: F841

    return fan


def make_triangle():
    """a -> b directly, and a -> x -> b: B = A + (2 A + 1)."""

    @dato.region
    def tri(A: float32[16], B: float32[16]):
        ab: Stream[float32[16], 2]
        ax: Stream[float32[16], 2]
        xb: Stream[float32[16], 2]

        @dato.task(args=[A])
        def a(v: float32[16]):
            ab.put(v[:])
            ax.put(v[:] * 2.0)

        @dato.task()
        def x():
            xb.put(ax.get() + 1.0)

        @dato.task(args=[B])
        def b(w: float32[16]):
            w[:] = ab.get() + xb.get()

    return tri


def make_replicated():
    """Four instances read all of A (replicated) and write their quarter of C."""

    @dato.region
    def rep(A: float32[64], C: float32[256]):
        @dato.task(mapping=[4], args=[A, C])
        def scale(a: float32[64] @ [R], c: float32[256] @ [S(0)]):
            c[:] = a[:] * 2.0

    return rep


def make_elementwise_4x8():
    """32 instances, each scaling its 8 x 8 block."""

    @dato.region
    def ew(A: float32[32, 64], B: float32[32, 64]):
        @dato.task(mapping=[4, 8], args=[A, B])
        def scale(a: float32[32, 64] @ [S(0), S(1)], b: float32[32, 64] @ [S(0), S(1)]):
            b[:, :] = a[:, :] * 2.0 + 1.0

    return ew


def make_two_stage_4x8():
    """64 instances: scale_i_j streams its block to shift_i_j."""

    @dato.region
    def two(A: float32[32, 64], B: float32[32, 64]):
        s: Stream[float32[8, 8], 2][4, 8]

        @dato.task(mapping=[4, 8], args=[A])
        def scale(a: float32[32, 64] @ [S(0), S(1)]):
            i, j = dato.pid()
            s[i, j].put(a[:, :] * 2.0)

        @dato.task(mapping=[4, 8], args=[B])
        def shift(b: float32[32, 64] @ [S(0), S(1)]):
            i, j = dato.pid()
            b[:, :] = s[i, j].get() + 1.0

    return two


def make_fpga_systolic(P: int, T: int, dt, acc_t, K: int = 16):
    """A P x P systolic array with T x T tiles, fed by load_a (west) and load_b (north)."""
    return systolic_gemm(P, P, T, T, T, K, dt, acc_t)


# -- checks shared by many tests --------------------------------------------------------------


def assert_within_capacity(mapping: Mapping):
    """Every resource used on every tile has a capacity, and stays within it."""
    assert mapping.tiles
    for key, use in mapping.tiles.items():
        for resource, used in use.used.items():
            assert resource in use.capacity, (key, resource)
            assert 0 <= used <= use.capacity[resource], (key, resource, used, use.capacity)


def uses_of(mapping: Mapping, kind: str):
    return [u for u in mapping.tiles.values() if u.kind == kind]


def who(use, resource: str) -> str:
    """The users of a resource on a tile, as one text (whatever form the items take)."""
    return " ".join(str(item) for item in use.items.get(resource, []))


def used_and_capacity(text: str, resource: str) -> tuple[int, int]:
    match = re.search(rf"{resource}: (\d+) used of (\d+)", text)
    assert match, text
    return int(match.group(1)), int(match.group(2))
