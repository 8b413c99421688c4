"""Nested regions: a mesh of adders with two size parameters, instantiated twice in a pipeline.

``mesh[P0, P1](inp, out)`` is a P0 x P1 grid of PEs, each row a chain that adds 1 to every
tile passing through it: row i takes its tiles from ``inp[i]`` and gives them to ``out[i]``,
the caller's streams, and its PEs pass them on through the mesh's own stream array ``link``.
"""

from __future__ import annotations

import datobench as dato
from datobench import R, RegionFunction, S, Stream, int32

TILE = 4  # elements per stream element
P0, P1 = dato.symbol("P0"), dato.symbol("P1")  # a mesh's rows and columns


@dato.region(params=(P0, P1))
def mesh(inp: Stream[int32[TILE], 2][P0], out: Stream[int32[TILE], 2][P0]):
    link: Stream[int32[TILE], 2][P0, P1 - 1]  # link[i, j] joins PE (i, j) to (i, j + 1)

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


COLS = 16  # elements per row of the pipeline's arrays


def mesh_pipeline(rows: int, first: int, second: int) -> RegionFunction:
    """B = A + first + second for A, B: int32[rows, 16], through ``mesh[rows, first]`` then
    ``mesh[rows, second]`` (each at least 2 columns wide, so that ``link`` has a column)."""

    @dato.region
    def pipeline(A: int32[rows, COLS], B: int32[rows, COLS]):
        fin: Stream[int32[TILE], 2][rows]
        fmid: Stream[int32[TILE], 2][rows]
        fout: Stream[int32[TILE], 2][rows]

        @dato.task(mapping=[rows], args=[A])
        def load(a: int32[rows, COLS] @ [S(0), R]):
            r = dato.pid()
            for k in range(COLS // TILE):
                fin[r].put(a[0, k * TILE : (k + 1) * TILE])

        mesh[rows, first](fin, fmid)  # instance mesh0: adds `first`
        mesh[rows, second](fmid, fout)  # instance mesh1: adds `second`

        @dato.task(mapping=[rows], args=[B])
        def store(b: int32[rows, COLS] @ [S(0), R]):
            r = dato.pid()
            for k in range(COLS // TILE):
                b[0, k * TILE : (k + 1) * TILE] = fout[r].get()

    return pipeline
