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
from datobench.programs import flash_attention

LQ, LKV, D = 64, 128, 32  # query rows, key/value rows, head dimension
P = 4  # instances per stage
BQ = LQ // P  # query rows per instance: 16
BKV = 32  # key/value rows per tile

# The program is written once, in datobench/programs/attention.py (read it next to this
# script): the stream array st, the task scores and the task softmax_v, both on [P].
attention = flash_attention(LQ, LKV, D, P, BKV)


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
