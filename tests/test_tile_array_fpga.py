"""The placement editor's model of an FPGA target: the PE slots with the DSP slices of their
instances, the device's budget, and each buffer's memory bank exactly as the v++ connectivity
that ``prog.build`` writes; NPU targets have none of these."""

from __future__ import annotations

import re

import datobench as dato
from datobench import int16, int32, visual
from datobench.core.codegen.hls.project import emit_project
from datobench.programs import systolic_gemm

SYSTOLIC = systolic_gemm(4, 4, 8, 8, 8, 64, int16, int32)


def test_an_fpga_model_has_the_device_budget_and_the_bank_of_every_port():
    prog = dato.compile(SYSTOLIC, target="u280")
    model = visual.tile_array_model(prog)
    device = prog.mapping.tiles["device"]
    budget = {b["resource"]: b for b in model["budget"]}
    assert budget["DSP slices"]["used"] == device.used["DSP slices"] == 16 * 8
    assert budget["DSP slices"]["capacity"] == 9024
    memory = budget["on-chip memory (BRAM + URAM)"]
    assert memory["unit"] == "bytes" and memory["capacity"] == 2016 * 4608 + 960 * 36864

    config = emit_project(prog).files["connectivity.cfg"]
    written = dict(re.findall(r"sp=\w+_1\.(\w+):(\w+\[\d+\])", config))
    ports = {p["buffer"]: p for p in model["ports"]}
    assert (
        {b: p["bank"] for b, p in ports.items()}
        == written
        == {
            "A": "HBM[0]",
            "B": "HBM[1]",
            "C": "HBM[2]",
        }
    )
    assert ports["A"]["reads"] == ["load_a"] and ports["C"]["writes"] == ["pe"]


def test_each_pe_slot_carries_the_dsp_slices_of_its_instances():
    prog = dato.compile(SYSTOLIC, target="u280")
    model = visual.tile_array_model(prog)
    dsp = {(t["col"], t["row"]): t.get("dsp") for t in model["tiles"]}
    for name, slot in prog.mapping.placement.items():
        assert dsp[tuple(slot)] == (8 if name.startswith("pe_") else None), name


def test_an_npu_model_has_no_device_budget_or_ports():
    model = visual.tile_array_model(dato.compile(SYSTOLIC, target="npu2"))
    assert "budget" not in model and "ports" not in model
    assert model["columns"] == 8 and all("dsp" not in t for t in model["tiles"])
