"""Flash-attention-style attention in two pipelined stages, with an online softmax."""

from __future__ import annotations

import math

import datobench as dato
from datobench import R, RegionFunction, S, Stream, bf16, float32


def flash_attention(
    LQ: int = 64, LKV: int = 128, D: int = 32, P: int = 4, BKV: int = 32
) -> RegionFunction:
    """O = softmax(Q K^T / sqrt(D)) V for bf16 Q[LQ, D], K and V[LKV, D], without ever
    holding a full row of scores.

    Two stages on a [P] mapping, joined by one stream per instance: ``scores_i`` computes the
    scores of its LQ // P query rows against each BKV-row tile of K and sends them on
    ``st[i]``; ``softmax_v_i`` keeps a running row maximum, a running row sum and an
    accumulator rescaled whenever the maximum grows, and writes its rows of O at the end.
    Q and O are split by rows (``@ [S(0), R]``); every instance reads all of K and V. Matmuls
    take bf16 operands and accumulate in float32, as the NPU does
    (examples/06_flash_attention.py).
    """
    BQ = LQ // P  # query rows per instance
    SCALE = 1.0 / math.sqrt(D)

    @dato.region
    def attention(Q: bf16[LQ, D], K: bf16[LKV, D], V: bf16[LKV, D], O: bf16[LQ, D]):
        st: Stream[float32[BQ, BKV], 2][P]  # score tiles from scores_i to softmax_v_i

        @dato.task(mapping=[P], args=[Q, K])
        def scores(q: bf16[LQ, D] @ [S(0), R], k: bf16[LKV, D]):  # q: BQ rows, k: all of K
            i = dato.pid()
            q_blk = q[:, :]  # bring this instance's query rows into the tile once
            for t in range(LKV // BKV):
                k_tile = k[t * BKV : (t + 1) * BKV, :]
                st[i].put(dato.matmul(q_blk, k_tile.T, acc=float32) * SCALE)

        @dato.task(mapping=[P], args=[V, O])
        def softmax_v(v: bf16[LKV, D], o: bf16[LQ, D] @ [S(0), R]):
            i = dato.pid()
            m = dato.full((BQ, 1), -1e30, float32)  # running row maximum
            l = dato.zeros((BQ, 1), float32)  # running row sum of exp(s - m)
            acc = dato.zeros((BQ, D), float32)  # running sum of exp(s - m) @ V
            for t in range(LKV // BKV):
                s = st[i].get()
                m_new = dato.maximum(m, s.max(axis=1, keepdims=True))
                p = dato.exp(s - m_new)
                alpha = dato.exp(m - m_new)  # rescales what was summed under the old maximum
                l = l * alpha + p.sum(axis=1, keepdims=True)
                v_tile = v[t * BKV : (t + 1) * BKV, :]
                acc = acc * alpha + dato.matmul(p.astype(bf16), v_tile, acc=float32)
                m = m_new
            o[:, :] = (acc / l).astype(bf16)

    return attention
