"""Speed of the cycle-approximate simulator: wall time and simulated events per second.

.venv/bin/python benchmarks/perf_sim_speed.py
.venv/bin/python benchmarks/perf_sim_speed.py --against DIR

With ``--against``, the timing-only GEMMs of issue 15 are timed side by side in one run, each in
a fresh process, this checkout's ``datobench`` against the one in DIR (an older commit, e.g.
``git archive <commit> datobench | tar -x -C DIR``; issue 15's baseline is c2c754a, the commit
before the first speed commit fe0215d): alternately, best of ``--rounds`` each, with the cycle
counts and events checked equal. Both wall and CPU time are shown: on a loaded machine the CPU
time of the process is the steadier measure of the simulator's own work.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import datobench as dato
from datobench import bf16, int8, int16, int32
from datobench.programs import systolic_gemm, whole_array_gemm


def timed(prog, *arrays, values=True):
    start = time.perf_counter()
    result = prog.run(*arrays, backend="perf", values=values)
    return time.perf_counter() - start, result


# the timing-only cases the speed goal is measured on: name -> (GEMM sizes, dtype)
SIDE_BY_SIDE = {
    "4032^3 int8 GEMM, npu1_4col, timing only": ((4032, 4032, 4032, 112, 112, 112), "int8"),
    "4224x4032x4224 bf16 GEMM, npu1_4col, timing only": ((4224, 4032, 4224, 96, 56, 96), "bf16"),
}


def time_case(name: str) -> dict:
    """One side-by-side case in this process: wall time of the timed run (after a first run
    that prepares the timed code), cycles and events."""
    sizes, dtype = SIDE_BY_SIDE[name]
    t = getattr(dato, dtype)
    prog = dato.compile(whole_array_gemm(*sizes, t, t), target="npu1_4col")
    prog.run(backend="perf", values=False)
    cpu = time.process_time()
    seconds, result = timed(prog, values=False)
    cpu = time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "cycles": result.cycles, "events": result.events}


def in_process(checkout: Path, name: str) -> dict:
    """``time_case`` in a fresh process that imports ``datobench`` from ``checkout``."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run(
        [sys.executable, __file__, "--case", name],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=checkout,
    )
    return json.loads(out.stdout)


def side_by_side(older: Path, rounds: int):
    here = Path(__file__).resolve().parents[1]
    print(f"perf_sim_speed: timing only, this checkout against {older} (best of {rounds})")
    for name in SIDE_BY_SIDE:
        runs = {"old": [], "new": []}
        for _ in range(rounds):  # alternately, so that both see the same load
            runs["old"].append(in_process(older, name))
            runs["new"].append(in_process(here, name))
        old, new = (min(r["seconds"] for r in runs[v]) for v in ("old", "new"))
        old_cpu, new_cpu = (min(r["cpu"] for r in runs[v]) for v in ("old", "new"))
        counts = {(r["cycles"], r["events"]) for v in runs for r in runs[v]}
        assert len(counts) == 1, counts
        ((cycles, events),) = counts
        print(
            f"  {name:<50} {events:>8,} events, {cycles:>11,} cycles in both: "
            f"old {events / old:>9,.0f} events/s ({old:.3f} s, {old_cpu:.3f} s CPU), "
            f"new {events / new:>9,.0f} events/s ({new:.3f} s, {new_cpu:.3f} s CPU), "
            f"{old / new:.2f}x wall, {old_cpu / new_cpu:.2f}x CPU"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="a checkout of older code to compare")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each side (best of)")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one case, for side_by_side
    args = parser.parse_args()
    if args.case:
        print(json.dumps(time_case(args.case)))
    elif args.against:
        side_by_side(args.against.resolve(), args.rounds)
    else:
        table()


def table():
    rng = np.random.default_rng(0)
    cases = []
    gemm = dato.compile(
        whole_array_gemm(1024, 1024, 1024, 128, 64, 128, int8, int8), target="npu1_4col"
    )
    A = rng.integers(-8, 8, (1024, 1024)).astype(np.int8)
    B = rng.integers(-8, 8, (1024, 1024)).astype(np.int8)
    C = np.zeros((1024, 1024), np.int8)
    cases.append(("1024^3 int8 GEMM, npu1_4col, values", *timed(gemm, A, B, C)))
    cases.append(("1024^3 int8 GEMM, npu1_4col, timing only", *timed(gemm, values=False)))
    big = dato.compile(
        whole_array_gemm(4032, 4032, 4032, 112, 112, 112, int8, int8), target="npu1_4col"
    )
    cases.append(("4032^3 int8 GEMM, npu1_4col, timing only", *timed(big, values=False)))
    bfl = dato.compile(
        whole_array_gemm(4224, 4032, 4224, 96, 56, 96, bf16, bf16), target="npu1_4col"
    )
    cases.append(("4224x4032x4224 bf16 GEMM, npu1_4col, timing only", *timed(bfl, values=False)))
    systolic = dato.compile(systolic_gemm(32, 32, 4, 4, 4, 256, int16, int32), target="u280")
    A = rng.integers(-8, 8, (128, 256)).astype(np.int16)
    B = rng.integers(-8, 8, (256, 128)).astype(np.int16)
    C = np.zeros((128, 128), np.int32)
    cases.append(("32x32 systolic, u280, values", *timed(systolic, A, B, C)))
    assert (C == A.astype(np.int32) @ B.astype(np.int32)).all()
    print("perf_sim_speed: wall time and simulated events per second")
    for label, seconds, result in cases:
        print(
            f"  {label:<50} {seconds:7.2f} s  {result.events:>10,} events  "
            f"{result.events / seconds:>10,.0f} events/s  ({result.cycles:,} cycles)"
        )


if __name__ == "__main__":
    main()
