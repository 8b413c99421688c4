"""Target kinds: the strategy each target gets, the one place that tells kinds apart, and the
code-generation figures that come from the target file."""

from __future__ import annotations

import dataclasses
import io
import tokenize
from pathlib import Path

import pytest
from mapping_programs import make_fpga_systolic

import datobench as dato
from datobench import Stream, float32, int16, int32
from datobench.core.kinds import KINDS, kind_of
from datobench.core.passes.place_fpga import FpgaPlacer
from datobench.core.passes.place_npu import NpuPlacer
from datobench.core.passes.route_fpga import FpgaRouting
from datobench.core.passes.route_npu import NpuRouting
from datobench.core.perf.cost import CostModel
from datobench.core.perf.cost_fpga import FpgaCost
from datobench.core.perf.cost_npu import NpuCost
from datobench.core.targets import TargetError
from datobench.visual.tiles import tile_array_model

PACKAGE = Path(dato.__file__).parent
TARGET_DIR = PACKAGE / "core" / "targets"

SHIPPED = {
    "generic": "npu",
    "npu1": "npu",
    "npu1_4col": "npu",
    "npu2": "npu",
    "u250": "fpga",
    "u280": "fpga",
}
PARTS = {
    "npu": (NpuPlacer, NpuRouting, NpuCost, False, "compute tiles", True, False),
    "fpga": (FpgaPlacer, FpgaRouting, FpgaCost, True, "PE slots", False, True),
}


def test_every_shipped_target_is_listed_here():
    assert sorted(SHIPPED) == dato.targets()


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_each_shipped_target_gets_the_strategy_of_its_kind(name):
    target = dato.load_target(name)
    kind = kind_of(target)
    assert kind is KINDS[SHIPPED[name]] and kind.name == SHIPPED[name]
    facts = (
        kind.placer,
        kind.routing,
        kind.cost_model,
        kind.device_wide,
        kind.slots,
        kind.physical_tiles,
        kind.runs_hls,
    )
    assert facts == PARTS[kind.name]
    assert isinstance(CostModel(target, None).rates, PARTS[kind.name][2])


def test_a_file_of_an_unknown_kind_is_refused_naming_the_known_ones(tmp_path):
    text = (TARGET_DIR / "npu1_4col.toml").read_text().replace('kind = "npu"', 'kind = "gpu"')
    path = tmp_path / "gpu.toml"
    path.write_text(text)
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    assert "kind must be 'npu' or 'fpga', not 'gpu'" in str(info.value)
    assert all(repr(k) in str(info.value) for k in KINDS)  # the file layouts know every kind


def _kind_literals(path: Path) -> list[str]:
    """Places in a source file that name a kind in a string, or test ``is_fpga``."""
    hits = []
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    for tok in tokens:
        if tok.type == tokenize.STRING and tok.string.strip("'\"") in KINDS:
            hits.append(f"{path.name}:{tok.start[0]}: {tok.string}")
        if tok.type == tokenize.NAME and tok.string == "is_fpga":
            hits.append(f"{path.name}:{tok.start[0]}: is_fpga")
    return hits


def test_kinds_are_told_apart_only_by_the_registry_and_the_file_layouts():
    allowed = {PACKAGE / "core" / "kinds.py", TARGET_DIR / "__init__.py"}
    hits = [h for p in sorted(PACKAGE.rglob("*.py")) if p not in allowed for h in _kind_literals(p)]
    assert hits == []
    # the test sees what it looks for
    assert _kind_literals(PACKAGE / "core" / "kinds.py")
    assert not hasattr(dato.load_target("u280"), "is_fpga")


# -- views ------------------------------------------------------------------------------------
def test_the_tile_array_view_follows_the_kind():
    npu = dato.compile(make_fpga_systolic(2, 4, int16, int32), target="npu1_4col")
    model = tile_array_model(npu)
    assert (model["columns"], model["rows"]) == (npu.target.columns, npu.target.rows)
    assert model["slots"] == "compute tiles"
    assert {t["kind"] for t in model["tiles"]} == {"shim", "mem", "compute"}
    fpga = dato.compile(make_fpga_systolic(3, 4, int16, int32), target="u280")
    model = tile_array_model(fpga)
    used = fpga.mapping.placement.values()
    drawn = (max(c for c, _ in used) + 1, max(r for _, r in used) + 1)
    assert (model["columns"], model["rows"]) == drawn  # only the part of the grid in use
    assert drawn[0] < fpga.target.columns and drawn[1] < fpga.target.rows
    assert model["slots"] == "PE slots"
    assert {t["kind"] for t in model["tiles"]} == {"compute"}


# -- code generation from the target file -----------------------------------------------------
@dato.region
def three_arrays(A: float32[64], B: float32[64], C: float32[64]):
    pipe: Stream[float32[16], 2]

    @dato.task(args=[A, B])
    def producer(a: float32[64], b: float32[64]):
        for i in range(4):
            pipe.put(a[i * 16 : (i + 1) * 16] + b[i * 16 : (i + 1) * 16])

    @dato.task(args=[C])
    def consumer(c: float32[64]):
        for i in range(4):
            c[i * 16 : (i + 1) * 16] = pipe.get()


def edited_fpga(tmp_path: Path, edits: dict[str, str]) -> Path:
    """A copy of u280.toml named ``my_fpga`` with each ``old`` line replaced by ``new``."""
    text = (TARGET_DIR / "u280.toml").read_text().replace('name = "u280"', 'name = "my_fpga"')
    for old, new in edits.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "my_fpga.toml"
    path.write_text(text)
    return path


def connectivity(prog, directory: Path) -> str:
    return (Path(prog.emit("hls", directory=directory)) / "connectivity.cfg").read_text()


def test_the_shipped_boards_configure_their_own_clock_and_banks(tmp_path):
    u280 = connectivity(dato.compile(three_arrays, target="u280"), tmp_path / "u280")
    assert "kernel_frequency=300\n" in u280
    assert [line for line in u280.splitlines() if line.startswith("sp=")] == [
        "sp=three_arrays_1.A:HBM[0]",
        "sp=three_arrays_1.B:HBM[1]",
        "sp=three_arrays_1.C:HBM[2]",
    ]
    u250 = connectivity(dato.compile(three_arrays, target="u250"), tmp_path / "u250")
    assert "kernel_frequency=300\n" in u250 and "sp=three_arrays_1.C:DDR[2]" in u250


def test_codegen_figures_follow_an_edited_target_file(tmp_path):
    path = edited_fpga(
        tmp_path,
        {
            "clock_hz = 300e6": "clock_hz = 250e6",
            'bank_kind = "HBM"': 'bank_kind = "DDR"',
            "banks = 32": "banks = 2",
        },
    )
    prog = dato.compile(three_arrays, target=dato.load_target(path))
    config = connectivity(prog, tmp_path / "project")
    assert "kernel_frequency=250\n" in config
    assert [line for line in config.splitlines() if line.startswith("sp=")] == [
        "sp=three_arrays_1.A:DDR[0]",
        "sp=three_arrays_1.B:DDR[1]",
        "sp=three_arrays_1.C:DDR[0]",  # two banks: the third argument shares the first
    ]


def test_a_program_for_an_npu_gets_a_c_simulation_project_for_the_default_board(tmp_path):
    for target in ("npu1_4col", None):
        prog = dato.compile(three_arrays, target=target) if target else dato.compile(three_arrays)
        config = connectivity(prog, tmp_path / str(target))
        assert "kernel_frequency=300\n" in config and "sp=three_arrays_1.A:DDR[0]" in config


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            'bank_kind = "HBM"',
            'bank_kind = "SRAM"',
            "memory.bank_kind must be one of 'DDR', 'HBM', 'PLRAM', 'HOST', not 'SRAM'",
        ),
        ("banks = 32", "banks = 0", "memory.banks must be a whole number from 1 to 1024, not 0"),
        (
            "banks = 32",
            "banks = 2.5",
            "memory.banks must be a whole number from 1 to 1024, not 2.5",
        ),
        ('bank_kind = "HBM"', "", "lacks the entry 'bank_kind'"),
    ],
)
def test_a_board_file_with_bad_banks_is_refused(tmp_path, old, new, message):
    path = edited_fpga(tmp_path, {old: new})
    with pytest.raises(TargetError) as info:
        dato.load_target(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_a_target_of_an_unknown_kind_is_refused_when_it_is_mapped():
    gpu = dataclasses.replace(dato.load_target("npu1_4col"), kind="gpu")
    with pytest.raises(TargetError) as info:
        kind_of(gpu)
    assert str(info.value) == ("target 'npu1_4col' has kind 'gpu', which is not one of npu, fpga")
