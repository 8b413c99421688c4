"""Example 2: a sharded vector add on 4 task instances.

`mapping=[P]` makes P instances of the task `add`, named add_0 ... add_3. The layout `@ [S(0)]`
splits dimension 0 of each 1024-element vector across mapping axis 0, so every instance sees
only its own 256 elements, and it works through them in chunks of 64 (the size of one tile's
working buffer). Inside the task `a`, `b` and `c` have the local shape float32[256].
"""

import numpy as np

import datobench as dato
from datobench.programs import vector_add as make_vector_add

N = 1024  # global vector length
P = 4  # number of task instances
CHUNK = 64  # elements handled per step
LOCAL = N // P  # elements owned by one instance: 256

# The program is written once, in datobench/programs/vector.py (read it next to this
# script): one task `add` with `mapping=[P]` whose parameters a, b, c are all `@ [S(0)]`.
vector_add = make_vector_add(N, P, CHUNK)


def main():
    rng = np.random.default_rng(0)
    A = rng.standard_normal(N).astype(np.float32)
    B = rng.standard_normal(N).astype(np.float32)
    C = np.zeros(N, dtype=np.float32)

    # Compile once, then run on the functional simulator.
    prog = dato.compile(vector_add)
    prog.run(A, B, C, backend="sim")

    # float32 addition is exact to the same rounding as numpy's.
    assert np.array_equal(C, A + B), "C != A + B"
    print(f"02_vector_add: ok, {P} instances x {LOCAL} elements in chunks of {CHUNK}")


if __name__ == "__main__":
    main()
