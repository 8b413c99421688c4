"""The cost rules of the performance simulator, written out independently from the target
files' numbers, and helpers shared by the perf tests."""

from __future__ import annotations

import math
import re
from pathlib import Path

import datobench as dato
from datobench import bf16, float32, int8, int16, int32

ROOT = Path(__file__).resolve().parent.parent
TARGET_DIR = Path(dato.__file__).parent / "core" / "targets"


# -- helpers: the cost rules, written out independently from the target's numbers ------------


def target_file(tmp_path: Path, base: str, **edits) -> str:
    """A copy of a shipped target file with some ``key = value`` lines replaced."""
    text = (TARGET_DIR / f"{base}.toml").read_text()
    for key, value in edits.items():
        line = re.compile(rf"^{re.escape(key)} = .*$", re.MULTILINE)
        assert len(line.findall(text)) == 1, f"{key} is not one line of {base}.toml"
        text = line.sub(f"{key} = {value}", text)
    path = tmp_path / f"{base}_edited.toml"
    path.write_text(text)
    return str(path)


def resolve(target: str, tmp_path: Path) -> str:
    """Shipped targets by name; ``edited`` is npu1_4col with other compute and timing figures."""
    if target != "edited":
        return target
    return target_file(
        tmp_path,
        "npu1_4col",
        name='"edited"',
        vector_bits="128",
        store_bits="128",
        stores_per_cycle="2",
        loads_per_cycle="1",
        matmul_a_reuse="1",
        matmul_b_reuse="4",
        vector_op_cycles='{ exp = 7, "/" = 3, "+" = 2 }',
        kernel_macs_per_cycle='{ "int8->int32" = 50.0 }',
    )


def bits(dtype) -> int:
    return {int8: 8, int16: 16, int32: 32, bf16: 16, float32: 32}[dtype]


def vector_cycles(target, n: int, dtype, op: str) -> int:
    """One elementwise operation on n elements of ``dtype``."""
    if target.kind == "fpga":  # an unrolled loop: elementwise_lanes elements per cycle, any op
        return math.ceil(n / target.param("timing.elementwise_lanes"))
    lanes = target.param("compute.vector_bits") // bits(dtype)
    per_vector = target.param("timing.vector_op_cycles").get(op, 1)
    return math.ceil(n / lanes) * per_vector


def store_cycles(target, nbytes: int) -> int:
    """Writing nbytes into tile memory (a fill or a copy); FPGA PEs write as they compute."""
    if target.kind == "fpga":
        return 0
    c = target.param("compute")
    return math.ceil(nbytes * 8 / (c["store_bits"] * c["stores_per_cycle"]))


def matmul_cycles(target, m: int, k: int, n: int, t_in, t_out) -> int:
    """The AIE-ML kernel model: the output is computed in blocks of a_reuse x b_reuse
    intrinsic (r x s x t) tiles. A step along k loads a_reuse A sub-tiles (r x s) and b_reuse
    B sub-tiles (s x t) over the load ports while the MAC unit issues a_reuse * b_reuse
    intrinsics of ceil(r*s*t / macs) cycles each, so a step costs the larger of the two. A
    block takes ceil(k / s) steps and then stores its a_reuse*b_reuse accumulators (r x t of
    t_out). A measured kernel rate for "in->out", when the target lists one, is a floor."""
    # an FPGA: an II=1 pipeline over the m x n outputs with the k products unrolled
    if target.kind == "fpga":
        return m * n
    c, timing = target.param("compute"), target.param("timing")
    name_in = {int8: "int8", int16: "int16", int32: "int32", bf16: "bf16", float32: "float32"}
    name_out = name_in[t_out]
    if name_in[t_in] in c["macs_per_cycle"]:
        macs = c["macs_per_cycle"][name_in[t_in]]
        r, s, t = c["matmul_shape"][name_in[t_in]]
    else:
        macs = c["emulated_macs_per_cycle"][name_in[t_in]]
        r, s, t = c["emulated_matmul_shape"][name_in[t_in]]
    a, b = timing["matmul_a_reuse"], timing["matmul_b_reuse"]
    loads = math.ceil(
        (a * r * s + b * s * t) * bits(t_in) / (c["load_bits"] * c["loads_per_cycle"])
    )
    issue = a * b * math.ceil(r * s * t / macs)
    step = max(loads, issue)
    block_store = math.ceil(a * b * r * t * bits(t_out) / (c["store_bits"] * c["stores_per_cycle"]))
    blocks = math.ceil(m / (r * a)) * math.ceil(n / (t * b))
    cycles = blocks * (math.ceil(k / s) * step + block_store)
    measured = c.get("kernel_macs_per_cycle", {}).get(f"{name_in[t_in]}->{name_out}")
    if measured:
        cycles = max(cycles, math.ceil(m * k * n / measured))
    return cycles


def ddr_cycles(target, nbytes: int) -> float:
    """One DDR transfer through one port when DRAM is not the limit: setup, then the port."""
    timing = target.param("timing")
    return timing["dma_setup_cycles"] + nbytes / timing["stream_bytes_per_cycle"]


def dram_bytes_per_cycle(target) -> float:
    return target.param("memory.dram_bytes_per_s") / target.clock_hz


def tile_of(result, instance: str):
    (timing,) = [t for t in result.tiles.values() if instance in t.instances]
    return timing
