"""Example 6: flash-attention-style pipeline in bf16.

O = softmax(Q K^T / sqrt(d)) V, computed without ever holding a full row of scores: K and V
are visited in tiles of 32 rows and the softmax is updated online (a running row maximum `m`,
a running row sum `l`, and an accumulator rescaled whenever the maximum grows).

Two stages on a [4] mapping, joined by one stream per instance:

    scores_i   : S = Q_i . K_t^T / sqrt(d)  for each K tile t  --st[i]-->  softmax_v_i
    softmax_v_i: online softmax of S, times V_t, accumulated; writes O_i at the end

Instance i owns 16 query rows (Q and O are split by rows, `@ [S(0), R]`); every instance reads
all of K and V. Matmuls take bf16 operands and accumulate in float32, as the NPU does.
"""

import math

import numpy as np
from ml_dtypes import bfloat16

import datobench as dato
from datobench import R, S, Stream, bf16, float32

LQ, LKV, D = 64, 128, 32  # query rows, key/value rows, head dimension
P = 4  # instances per stage
BQ = LQ // P  # query rows per instance: 16
BKV = 32  # key/value rows per tile
SCALE = 1.0 / math.sqrt(D)


@dato.region
def attention(Q: bf16[LQ, D], K: bf16[LKV, D], V: bf16[LKV, D], O: bf16[LQ, D]):
    st: Stream[float32[BQ, BKV], 2][P]  # score tiles from scores_i to softmax_v_i

    @dato.task(mapping=[P], args=[Q, K])
    def scores(q: bf16[LQ, D] @ [S(0), R], k: bf16[LKV, D]):  # q: bf16[16, 32], k: whole K
        i = dato.pid()
        q_blk = q[:, :]  # bring this instance's 16 query rows into the tile once
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


def reference(Q, K, V):
    """softmax(Q K^T / sqrt(d)) V in float64, from the same bf16 inputs."""
    q, k, v = (x.astype(np.float64) for x in (Q, K, V))
    s = q @ k.T / math.sqrt(D)
    p = np.exp(s - s.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)) @ v


def main():
    rng = np.random.default_rng(0)
    Q, K, V = (rng.standard_normal((n, D)).astype(bfloat16) for n in (LQ, LKV, LKV))
    O = np.zeros((LQ, D), dtype=bfloat16)

    prog = dato.compile(attention)
    prog.run(Q, K, V, O, backend="sim")

    # bf16 keeps 8 bits of mantissa: compare with a tolerance to match.
    err = np.abs(O.astype(np.float64) - reference(Q, K, V)).max()
    assert np.allclose(O.astype(np.float64), reference(Q, K, V), rtol=2e-2, atol=2e-2), err
    print(f"06_flash_attention: ok, max |O - reference| = {err:.4f} (bf16, {P} instances)")


if __name__ == "__main__":
    main()
