"""Programs and checks shared by the mapping tests."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path

import numpy as np

import datobench as dato
from datobench import R, S, Stream, float32, int16, int32
from datobench.core.ir.mapping import Mapping

ROOT = Path(__file__).resolve().parent.parent
KIB = 1024
DMA_IN, DMA_OUT = "input DMA channels", "output DMA channels"


# -- programs ---------------------------------------------------------------------------------


def make_gemm():
    """int16 GEMM on a [4, 4] grid: A row blocks, B column blocks, one 16 x 16 block of C each."""

    @dato.region
    def gemm(A: int16[64, 64], B: int16[64, 64], C: int32[64, 64]):
        @dato.task(mapping=[4, 4], args=[A, B, C])
        def g(
            a: int16[64, 64] @ [S(0), R],
            b: int16[64, 64] @ [R, S(1)],
            c: int32[64, 64] @ [S(0), S(1)],
        ):
            acc = dato.zeros((16, 16), int32)
            for k in range(4):
                acc += dato.matmul(
                    a[:, k * 16 : (k + 1) * 16], b[k * 16 : (k + 1) * 16, :], acc=int32
                )
            c[:, :] = acc

    return gemm


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
    path = ROOT / "examples" / "04_systolic_gemm.py"
    spec = importlib.util.spec_from_file_location("example_04_systolic_gemm", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def systolic_arrays(module, seed: int = 0):
    rng = np.random.default_rng(seed)
    A = rng.integers(-100, 100, size=(module.M, module.K)).astype(np.int16)
    B = rng.integers(-100, 100, size=(module.K, module.N)).astype(np.int16)
    return A, B, np.zeros((module.M, module.N), np.int32)


def make_pipeline(n: int = 16, depth: int = 2):
    """producer -> pipe -> consumer, B = A + 1 in n-element tiles."""

    @dato.region
    def pipeline(A: float32[4 * n], B: float32[4 * n]):
        pipe: Stream[float32[n], depth]

        @dato.task(args=[A])
        def producer(a: float32[4 * n]):
            for i in range(4):
                pipe.put(a[i * n : (i + 1) * n])

        @dato.task(args=[B])
        def consumer(b: float32[4 * n]):
            for i in range(4):
                b[i * n : (i + 1) * n] = pipe.get() + 1.0

    return pipeline


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
    M = N = P * T

    @dato.region
    def sa(A: dt[M, K], B: dt[K, N], C: acc_t[M, N]):
        fa: Stream[dt[T, T], 2][P, P + 1]
        fb: Stream[dt[T, T], 2][P + 1, P]

        @dato.task(mapping=[P], args=[A])
        def load_a(a: dt[M, K] @ [S(0), R]):
            i = dato.pid()
            for k in range(K // T):
                fa[i, 0].put(a[:, k * T : (k + 1) * T])

        @dato.task(mapping=[P], args=[B])
        def load_b(b: dt[K, N] @ [R, S(0)]):
            j = dato.pid()
            for k in range(K // T):
                fb[0, j].put(b[k * T : (k + 1) * T, :])

        @dato.task(mapping=[P, P], args=[C])
        def pe(c: acc_t[M, N] @ [S(0), S(1)]):
            i, j = dato.pid()
            acc = dato.zeros((T, T), acc_t)
            for _k in range(K // T):
                a_tile = fa[i, j].get()
                b_tile = fb[i, j].get()
                if j < P - 1:
                    fa[i, j + 1].put(a_tile)
                if i < P - 1:
                    fb[i + 1, j].put(b_tile)
                acc += dato.matmul(a_tile, b_tile, acc=acc_t)
            c[:, :] = acc

    return sa


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
