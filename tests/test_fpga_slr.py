"""FPGAs as FPGAs: the SLRs of the Alveo targets, each PE row in one SLR within its share of
DSP slices and estimated LUTs, a grid that cannot be split so refused, and the LUT estimate
of a PE growing with the operations it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

import datobench as dato
from datobench import float32, int16, int32
from datobench.core.errors import MappingError, TargetError
from datobench.core.passes.luts import LUTS, PE_BASE, pe_luts
from datobench.core.passes.place_fpga import slr_bands
from datobench.core.passes.resources import DSP
from datobench.programs import systolic_gemm

TARGETS = Path(dato.__file__).parent / "core" / "targets"


def bands_of(prog):
    return slr_bands(prog.target, prog.mapping.tiles["device"], prog.mapping.placement.get)


def test_the_alveo_targets_carry_their_slrs_and_the_banks_each_attaches():
    u250, u280 = dato.load_target("u250"), dato.load_target("u280")
    assert len(u250.data["slrs"]) == 4 and len(u280.data["slrs"]) == 3
    for target in (u250, u280):
        device = target.data["device"]
        for key in ("dsp", "luts", "bram_blocks", "uram_blocks"):
            assert sum(s[key] for s in target.data["slrs"]) == device[key], key
    assert [s["memory"] for s in u250.data["slrs"]] == [[f"DDR[{n}]"] for n in range(4)]
    assert u280.data["slrs"][0]["memory"] == ["HBM[0:31]", "DDR[0]"]


def test_a_small_grid_stays_in_slr0():
    prog = dato.compile(systolic_gemm(4, 4, 8, 8, 8, 64, int16, int32), target="u280")
    bands = bands_of(prog)
    rows = {slot[1] for slot in prog.mapping.placement.values()}
    assert bands[0].rows == (0, max(rows)) and bands[1].rows is None and bands[2].rows is None
    device = prog.mapping.tiles["device"]
    assert bands[0].used == {DSP: device.used[DSP], LUTS: device.used[LUTS]}


def test_a_grid_past_one_slrs_dsp_slices_spans_contiguous_bands_within_each_share():
    # 8 PEs a row, each 16 float32 MACs of 5 DSP slices: 640 a row, four rows to an SLR
    prog = dato.compile(systolic_gemm(6, 8, 4, 16, 4, 32, float32, float32), target="u280")
    bands = bands_of(prog)
    assert bands[0].rows == (0, 3) and bands[1].rows[0] == 4
    held = [b for b in bands if b.rows]
    for before, after in zip(held, held[1:]):
        assert after.rows[0] == before.rows[1] + 1  # contiguous, bottom up
    for b in bands:
        assert all(b.used[r] <= b.capacity[r] for r in b.capacity), b
    assert bands[0].used[DSP] == 4 * 8 * 16 * 5
    device = prog.mapping.tiles["device"]
    assert sum(b.used[DSP] for b in bands) == device.used[DSP]
    assert sum(b.used[LUTS] for b in bands) == device.used[LUTS]


def test_a_row_too_big_for_any_slr_is_refused_though_the_device_has_room():
    # one row of 40 PEs x 80 DSP slices: 3,200 of the device's 9,024 but past an SLR's 3,008
    region = systolic_gemm(1, 40, 4, 16, 4, 32, float32, float32)
    with pytest.raises(MappingError) as info:
        dato.compile(region, target="u280")
    text = str(info.value)
    assert "the PE grid does not split into the 3 SLRs of u280: PE row 1 needs 3,200 DSP" in text
    assert "SLR2 has 3,008 DSP slices left of 3,008" in text
    # the loaders' row, without DSP slices, went to SLR0; the PEs' row fits none
    assert "contiguous band of PE rows within its share: SLR0 holds row 0; SLR1 holds none" in text
    assert "hint: use fewer PEs per row or smaller tiles per PE" in text
    assert "test_fpga_slr.py" in text  # at the compile line


def test_slr_shares_past_the_device_are_refused(tmp_path):
    text = (TARGETS / "u280.toml").read_text().replace("dsp = 3008", "dsp = 4000", 1)
    path = tmp_path / "big_slr.toml"
    path.write_text(text)
    with pytest.raises(
        TargetError,
        match=r"the SLRs' dsp add up to 10016, more than the device's 9024 \(device.dsp\)",
    ):
        dato.load_target(str(path))


def test_the_luts_of_a_pe_are_booked_on_the_device_within_its_budget():
    prog = dato.compile(systolic_gemm(4, 4, 8, 8, 8, 64, int16, int32), target="u250")
    device = prog.mapping.tiles["device"]
    assert device.capacity[LUTS] == 1728000
    per = dict((who, n) for who, n in device.items[LUTS])
    assert set(per) == set(prog.mapping.placement)
    slr = prog.target.data["slrs"][0]["luts"]
    assert all(PE_BASE < n < slr // 100 for n in per.values()), per


@dato.region
def one_op(A: int32[64], B: int32[64]):
    @dato.task(args=[A, B])
    def t(a: int32[64], b: int32[64]):
        b[:] = a[:] + 1


@dato.region
def more_ops(A: int32[64], B: int32[64]):
    @dato.task(args=[A, B])
    def t(a: int32[64], b: int32[64]):
        x = a[:] + 1
        b[:] = dato.maximum(x * 3, a[:] - 2)


@dato.region
def looped(A: int32[64], B: int32[64]):
    @dato.task(args=[A, B])
    def t(a: int32[64], b: int32[64]):
        for i in range(4):
            x = a[i * 16 : (i + 1) * 16] + 1
            b[i * 16 : (i + 1) * 16] = dato.maximum(x * 3, a[i * 16 : (i + 1) * 16] - 2)


def luts(region, lanes=16) -> int:
    (inst,) = dato.compile(region).graph.instances
    return pe_luts(inst, lanes, accesses=2)


def test_the_lut_estimate_grows_with_the_operations_and_the_lanes():
    assert PE_BASE < luts(one_op) < luts(more_ops) < luts(looped)
    assert luts(one_op, lanes=4) < luts(one_op, lanes=16) < luts(one_op, lanes=64)
    assert luts(one_op, lanes=64) == luts(one_op, lanes=128)  # no more lanes than elements
    # an adder of 32 bits a lane, 16 lanes, beside the control and the two accesses
    assert luts(one_op) - luts(one_op, lanes=1) == 15 * 32
