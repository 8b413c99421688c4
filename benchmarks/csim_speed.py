"""C simulation against the functional simulator for the GEMM examples: emit + compile + run
time of backend="csim" (g++, one thread per dataflow process) next to backend="sim".

    .venv/bin/python benchmarks/csim_speed.py
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np

import datobench as dato

EXAMPLES = Path(__file__).parent.parent / "examples"


def region(stem: str):
    spec = importlib.util.spec_from_file_location(stem, EXAMPLES / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (r,) = [v for v in vars(module).values() if isinstance(v, dato.RegionFunction)]
    return r


def arrays(prog):
    rng = np.random.default_rng(0)
    return [rng.integers(-50, 50, b.type.shape).astype(b.type.dtype.np) for b in prog.region.params]


def main():
    print("csim_speed: emit + compile + run (csim) vs run (sim)")
    for stem in ("03_gemm_output_stationary", "04_systolic_gemm"):
        prog = dato.compile(region(stem))
        sim_in, csim_in = arrays(prog), arrays(prog)
        start = time.perf_counter()
        prog.run(*sim_in, backend="sim")
        sim = time.perf_counter() - start
        start = time.perf_counter()
        result = prog.run(*csim_in, backend="csim")
        total = time.perf_counter() - start
        assert all(np.array_equal(a, b) for a, b in zip(sim_in, csim_in))
        start = time.perf_counter()
        prog.run(*arrays(prog), backend="csim")  # compiled already: run only
        rerun = time.perf_counter() - start
        print(
            f"  {stem:<28} sim {sim * 1e3:8.1f} ms | csim first {total:6.2f} s "
            f"(compile {result.build.compile_seconds:.2f} s) | csim again {rerun * 1e3:7.1f} ms"
            f" | first/sim x{total / sim:,.0f}"
        )


if __name__ == "__main__":
    main()
