"""Example 9: a region instantiated twice inside another, with sizes.

`mesh` is a region with two size parameters, the symbols P0 and P1 (`@dato.region(params=
(P0, P1))`; on Python 3.12+ `def mesh[P0, P1](...)` says the same): a P0 x P1 grid of PEs,
each row a chain that adds 1 to every tile passing through. It declares its own stream array
`link` and takes the caller's streams `inp` and `out` as parameters.

`top` instantiates it twice with a call statement in its body: `mesh[2, 3](fin, fmid)` and
`mesh[2, 2](fmid, fout)`. The compiler flattens both into one graph: the tasks and streams of
the first instance are named `mesh0.pe`, `mesh0.link`, those of the second `mesh1.pe`, ...,
so instance (1, 2) of the first reads `mesh0.pe_1_2` and a mapping selects it as
`mesh0.pe[1, 2]`. After flattening the program is ordinary: sim, perf, csim and the NPU
design see tasks and streams only.
"""

import numpy as np

import datobench as dato
from datobench import S, Stream, int32

ROWS, COLS = 2, 16  # A and B: one row per mesh row, in tiles of 4
TILE = 4
P0, P1 = dato.symbol("P0"), dato.symbol("P1")  # the sizes of a mesh, bound by mesh[2, 3]


@dato.region(params=(P0, P1))
def mesh(inp: Stream[int32[TILE], 2][P0], out: Stream[int32[TILE], 2][P0]):
    link: Stream[int32[TILE], 2][P0, P1 - 1]  # link[i, j] joins PE (i, j) to (i, j + 1))

    @dato.task(mapping=[P0, P1])
    def pe():
        i, j = dato.pid()
        for _ in range(COLS // TILE):
            if j == 0:
                x = inp[i].get()
            else:
                x = link[i, j - 1].get()
            if j == P1 - 1:
                out[i].put(x + 1)
            else:
                link[i, j].put(x + 1)


@dato.region
def top(A: int32[ROWS, COLS], B: int32[ROWS, COLS]):
    fin: Stream[int32[TILE], 2][ROWS]
    fmid: Stream[int32[TILE], 2][ROWS]
    fout: Stream[int32[TILE], 2][ROWS]

    @dato.task(mapping=[ROWS], args=[A])
    def load(a: int32[ROWS, COLS] @ [S(0), dato.R]):
        r = dato.pid()
        for k in range(COLS // TILE):
            fin[r].put(a[0, k * TILE : (k + 1) * TILE])

    mesh[ROWS, 3](fin, fmid)  # three PEs per row: adds 3
    mesh[ROWS, 2](fmid, fout)  # two more: adds 2

    @dato.task(mapping=[ROWS], args=[B])
    def store(b: int32[ROWS, COLS] @ [S(0), dato.R]):
        r = dato.pid()
        for k in range(COLS // TILE):
            b[0, k * TILE : (k + 1) * TILE] = fout[r].get()


def main():
    A = np.arange(ROWS * COLS, dtype=np.int32).reshape(ROWS, COLS)
    B = np.zeros_like(A)
    top(A, B)  # the functional simulator
    assert np.array_equal(B, A + 5), "B != A + 5"

    prog = dato.compile(top, target="npu1_4col")
    names = [inst.name for inst in prog.graph.instances]
    assert "mesh0.pe_1_2" in names and "mesh1.pe_0_1" in names
    perf = prog.run(A, B, backend="perf")
    assert np.array_equal(B, A + 5)
    print(f"09_nested_region: ok, {len(names)} instances on npu1_4col, {perf.cycles} cycles")


if __name__ == "__main__":
    main()
