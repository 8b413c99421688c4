"""Example 9: a region instantiated twice inside another, with sizes.

`mesh` (datobench/programs/nested.py, read it next to this script) is a region with two size
parameters, the symbols P0 and P1: `@dato.region(params=(P0, P1))` (on Python 3.12+,
`def mesh[P0, P1](...)` says the same). It is a P0 x P1 grid of PEs, each row a chain that
adds 1 to every tile passing through; it declares its own stream array `link` and takes the
caller's streams `inp` and `out` as parameters.

The pipeline instantiates it twice with call statements in its body, `mesh[ROWS, 3](fin,
fmid)` and `mesh[ROWS, 2](fmid, fout)`: the sizes in brackets, then the caller's tensors and
streams in the order of the mesh's parameters. The compiler flattens both into one graph: the
tasks and streams of the first instance are named `mesh0.pe`, `mesh0.link`, those of the
second `mesh1.pe`, ..., so PE (1, 2) of the first is the instance `mesh0.pe_1_2`, and a
placement or a mapping primitive names it so (`dato.bundle(["mesh0.pe[1, :]"])`). After
flattening the program is ordinary: sim, perf, csim and the NPU design see tasks and streams.
"""

import numpy as np

import datobench as dato
from datobench.programs import mesh_pipeline

ROWS = 2
pipeline = mesh_pipeline(ROWS, 3, 2)  # B = A + 3 + 2


def main():
    A = np.arange(ROWS * 16, dtype=np.int32).reshape(ROWS, 16)
    B = np.zeros_like(A)
    pipeline(A, B)  # the functional simulator
    assert np.array_equal(B, A + 5), "B != A + 5"

    prog = dato.compile(
        pipeline, target="npu1_4col", primitives=[dato.chain("mesh0.pe[0, 0]", "mesh0.pe[0, 1]")]
    )
    names = [inst.name for inst in prog.graph.instances]
    assert "mesh0.pe_1_2" in names and "mesh1.pe_0_1" in names
    B[:] = 0
    perf = prog.run(A, B, backend="perf")
    assert np.array_equal(B, A + 5)
    print(f"09_nested_region: ok, {len(names)} instances on npu1_4col, {perf.cycles} cycles")


if __name__ == "__main__":
    main()
