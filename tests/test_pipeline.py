"""The compiler's steps and pipeline: named steps over one state, ``show=`` after any step,
and the retry that merges one node more when a mapping breaks a limit."""

from __future__ import annotations

import dataclasses
import re

import pytest
from helpers import check_error, region_of
from mapping_programs import make_gemm

import datobench as dato
from datobench import float32
from datobench.core.passes.mapper import map_program
from datobench.core.passes.pipeline import STEP_NAMES, Pipeline
from datobench.core.passes.steps import (
    ChannelsStep,
    ExpandStep,
    FrontEndStep,
    ProfileStep,
    State,
    VirtualStep,
)
from datobench.core.targets import load_target
from datobench.programs import pipeline as make_pipeline

HEADER = re.compile(r"^// ----- after (\w+): .* ----- //$", re.M)


def headers(text: str) -> list[str]:
    return HEADER.findall(text)


def test_the_steps_in_order():
    assert STEP_NAMES == (
        "frontend",
        "expand",
        "channels",
        "profile",
        "virtual",
        "place",
        "route",
    )


def test_a_step_is_a_frozen_dataclass_whose_fields_are_its_options():
    step = VirtualStep(capacity=4, why="a test")
    assert step.name == "virtual"
    assert [f.name for f in dataclasses.fields(step)] == ["capacity", "why", "refused"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.capacity = 5


def test_each_step_returns_a_new_state_and_leaves_the_old_one_alone():
    region = make_pipeline()
    start = State(source=region.source)
    parsed = FrontEndStep().apply(start)
    assert start.region is None and parsed.region.name == "pipeline"
    expanded = ExpandStep().apply(parsed)
    assert [i.name for i in expanded.instances] == ["producer", "consumer"]
    wired = ChannelsStep().apply(expanded)
    assert [c.name for c in wired.graph.channels] == ["pipe"]
    profiled = ProfileStep().apply(wired)
    assert profiled.profiles["consumer"].elementwise == 64
    assert wired.profiles is None


def test_show_prints_the_named_steps_in_pipeline_order(capsys):
    prog = dato.compile(make_gemm(), target="npu1_4col", show=["place", "virtual"])
    out = capsys.readouterr().out
    assert headers(out) == ["virtual", "place"]
    assert "// ----- after virtual: nodes and merges ----- //" in out
    assert "placement (16 tiles):" in out
    assert f"  {prog.mapping.placement['block_0_0']}  block_0_0" in out


def test_show_all_prints_every_step(capsys):
    dato.compile(make_pipeline(), target="npu2", show="all")
    assert headers(capsys.readouterr().out) == list(STEP_NAMES)


def test_show_all_without_a_target_prints_the_front_end(capsys):
    dato.compile(make_pipeline(), show="all")
    assert headers(capsys.readouterr().out) == ["frontend", "expand", "channels"]


def test_one_step_by_name_and_its_text_is_the_programs(capsys):
    prog = dato.compile(make_pipeline(), show="channels")
    out = capsys.readouterr().out
    assert out == "// ----- after channels: the instance graph ----- //\n" + prog.emit("graph")
    dato.compile(make_pipeline(), show="frontend")
    assert capsys.readouterr().out.endswith(prog.emit("ir"))


def test_the_route_step_shows_routes_and_the_ledger(capsys):
    prog = dato.compile(make_pipeline(), target="npu1_4col", show=["route"])
    out = capsys.readouterr().out
    text = out.split("\n", 1)[1]
    assert text == prog.mapping.text(("routes", "offchip", "tiles"))
    assert "routes (1):" in text and "tiles (6):" in text


def test_showing_steps_changes_nothing_in_the_mapping(capsys):
    quiet = dato.compile(region_of("04_systolic_gemm"), target="npu2")
    shown = dato.compile(region_of("04_systolic_gemm"), target="npu2", show="all")
    assert shown.mapping.to_json() == quiet.mapping.to_json()
    assert str(shown.report) == str(quiet.report)


def test_nothing_is_printed_without_show(capsys):
    dato.compile(make_gemm(), target="npu1_4col")
    assert capsys.readouterr().out == ""


def test_a_retried_mapping_shows_the_retried_steps_again(capsys):
    # on npu2 the first systolic mapping breaks a DMA limit; one more merge makes it fit
    prog = dato.compile(region_of("04_systolic_gemm"), target="npu2", show="virtual")
    out = capsys.readouterr().out
    assert headers(out) == ["virtual", "virtual"]
    first, second = out.split("// ----- after virtual")[1:]
    assert "capacity: 32 nodes\n" in first
    assert "capacity: 23 nodes (the mapping with one node more broke a limit: tile (" in second
    assert len(prog.mapping.nodes) == 23


def test_an_unknown_step_is_a_located_error_listing_the_steps():
    gemm = make_gemm()
    with pytest.raises(dato.DatoError) as info:
        dato.compile(gemm, target="npu1_4col", show=["virtual", "placement"])  # E-show-name
    check_error(
        info,
        "# E-show-name",
        "show=['virtual', 'placement']: no step named 'placement'; the steps are "
        "frontend, expand, channels, profile, virtual, place, route",
    )


def test_a_mapping_step_without_a_target_is_a_located_error():
    gemm = make_gemm()
    with pytest.raises(dato.DatoError) as info:
        dato.compile(gemm, show=["expand", "route"])  # E-show-target
    check_error(
        info,
        "# E-show-target",
        "'route' is a mapping step, which runs only with a target",
    )


def test_show_of_the_wrong_kind_is_a_located_error():
    gemm = make_gemm()
    with pytest.raises(dato.DatoError) as info:
        dato.compile(gemm, target="npu1_4col", show=3)  # E-show-kind
    check_error(info, "# E-show-kind", "show takes a step name, a list of step names or 'all'")


def test_map_program_gives_the_mapping_that_compile_gives():
    gemm = make_gemm()
    prog = dato.compile(gemm, target="npu2")
    mapping = map_program(prog.graph, load_target("npu2"))
    assert mapping.to_json() == prog.mapping.to_json()


def test_the_pipeline_maps_a_state_through_its_steps(capsys):
    prog = dato.compile(make_gemm(), target="npu1_4col")
    state = State.of_graph(prog.graph, load_target("npu1_4col"), None, ())
    done = Pipeline(frozenset({"profile"})).map(state)
    assert headers(capsys.readouterr().out) == ["profile"]
    assert done.mapping.to_json() == prog.mapping.to_json()
    assert set(done.tiles.values()) == {n.tile for n in done.mapping.nodes}


def test_merging_that_cannot_go_below_the_nodes_left_says_so():
    # 'big' breaks the data memory on any tile; its node cannot merge with 'small' (other body,
    # no channel), so the retry stops at 2 nodes
    @dato.region
    def two(A: float32[4], B: float32[4]):
        @dato.task(args=[A])
        def big(a: float32[4]):
            t = dato.zeros((128, 128), float32)
            a[:] = a[:] + t[0, 0:4]

        @dato.task(args=[B])
        def small(b: float32[4]):
            b[:] = b[:] * 2.0

    with pytest.raises(dato.MappingError) as info:
        dato.compile(two, target="npu1_4col")  # E-unmerged
    check_error(
        info,
        "# E-unmerged",
        "(compute): data memory: 64.1 KiB used of 63.0 KiB",
        "merging nodes, down to 2, did not make it fit either",
    )
