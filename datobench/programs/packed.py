"""A systolic GEMM with int4 weights that travel packed: eight to a 32-bit word (or more to a
wider word), unpacked only in the processing element (PE) that multiplies them."""

from __future__ import annotations

import datobench as dato
from datobench import DType, R, RegionFunction, S, Stream, int4, int8, int32


def packed_systolic_gemm(
    P0: int, P1: int, mt: int, kt: int, nt: int, K: int, word: DType
) -> RegionFunction:
    """C = A @ B on a P0 x P1 array of PEs (as ``systolic_gemm``) with int8 activations A
    [P0 * mt, K], int4 weights B [K, P1 * nt] and int32 results C.

    ``load_b_j`` packs each kt x nt tile of weights into words of type ``word``
    (``dato.pack``: consecutive weights of a row in one word, the first in the low bits), so
    the streams that carry weights south move a quarter of the bytes int16 would; each PE
    forwards the packed words as they came and unpacks a copy (``dato.unpack``) for its
    int8 x int4 product, which the NPU targets' ``int8xint4`` MAC rate times."""
    M, N = P0 * mt, P1 * nt
    if (nt * int4.bits) % word.bits:
        raise ValueError(f"a row of {nt} int4 weights does not fill whole {word} words")
    words = nt * int4.bits // word.bits  # words per row of a weight tile

    @dato.region
    def packed_systolic(A: int8[M, K], B: int4[K, N], C: int32[M, N]):
        fa: Stream[int8[mt, kt], 2][P0, P1 + 1]  # activations flow east
        fb: Stream[word[kt, words], 2][P0 + 1, P1]  # packed weights flow south

        @dato.task(mapping=[P0], args=[A])
        def load_a(a: int8[M, K] @ [S(0), R]):
            i = dato.pid()
            for k in range(K // kt):
                fa[i, 0].put(a[:, k * kt : (k + 1) * kt])

        @dato.task(mapping=[P1], args=[B])
        def load_b(b: int4[K, N] @ [R, S(0)]):
            j = dato.pid()
            for k in range(K // kt):
                fb[0, j].put(dato.pack(b[k * kt : (k + 1) * kt, :], word))

        @dato.task(mapping=[P0, P1], args=[C])
        def pe(c: int32[M, N] @ [S(0), S(1)]):
            i, j = dato.pid()
            acc = dato.zeros((mt, nt), int32)
            for _k in range(K // kt):
                a_tile = fa[i, j].get()
                packed = fb[i, j].get()
                if j < P1 - 1:
                    fa[i, j + 1].put(a_tile)
                if i < P0 - 1:
                    fb[i + 1, j].put(packed)
                acc += dato.matmul(a_tile, dato.unpack(packed, int4), acc=int32)
            c[:, :] = acc

    return packed_systolic
