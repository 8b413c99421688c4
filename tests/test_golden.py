"""Golden text tests: the mapper's decisions as text, compared exactly with tests/golden/*.txt.

Each case compiles a program from tests/mapping_programs.py or examples/ and compares either
what ``dato.compile(..., show=...)`` prints after some steps (virtual merging, placement) or
the whole ``str(prog.mapping)`` (nodes, merges, placement, routes, off-chip streams and the
per-tile ledger) with its golden file.

After an intended change to the mapper or to the text form, rewrite the files with

    DATO_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

and review the diff of tests/golden/ before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import region_of
from mapping_programs import (
    make_fan,
    make_gemm,
    make_replicated,
    make_two_stage_4x8,
)

import datobench as dato
from datobench.programs import pipeline as make_pipeline

GOLDEN = Path(__file__).resolve().parent / "golden"
SYSTOLIC_CHAINS = (dato.chain("load_a", "pe[:, 0]"), dato.chain("load_b", "pe[0, :]"))

# name -> (program, target, compile options, steps shown; None: the whole mapping text)
CASES = {
    # more instances (24) than compute tiles (16): data movers chained into their PEs
    "virtual_systolic_npu1_4col": ("04_systolic_gemm", "npu1_4col", {}, ["virtual"]),
    # 64 instances for 32 tiles: each scale_i_j chained with its shift_i_j
    "virtual_two_stage_npu2": (make_two_stage_4x8, "npu2", {}, ["virtual"]),
    # the first mapping breaks a DMA limit, the retry merges one node more
    "virtual_systolic_npu2_retry": ("04_systolic_gemm", "npu2", {}, ["virtual", "place"]),
    "virtual_chain_requested_npu1_4col": (
        "04_systolic_gemm",
        "npu1_4col",
        {"primitives": SYSTOLIC_CHAINS},
        ["virtual"],
    ),
    "virtual_bundle_requested_npu1_4col": (
        make_replicated,
        "npu1_4col",
        {"primitives": [dato.bundle(["scale[0:2]"])]},
        ["virtual", "place"],
    ),
    "place_gemm_npu1_4col": (make_gemm, "npu1_4col", {}, ["place"]),
    "place_pinned_systolic_npu1_4col": (
        "04_systolic_gemm",
        "npu1_4col",
        {"placement": {"pe_0_0": (1, 2)}, "primitives": SYSTOLIC_CHAINS},
        ["place"],
    ),
    "place_systolic_u280": ("04_systolic_gemm", "u280", {}, ["place"]),
    "route_fan_npu1_4col": (make_fan, "npu1_4col", {}, ["route"]),
    "mapping_pipeline_npu1_4col": (make_pipeline, "npu1_4col", {}, None),
    "mapping_gemm_npu2": (make_gemm, "npu2", {}, None),
    "mapping_flash_attention_npu2": ("06_flash_attention", "npu2", {}, None),
    "mapping_systolic_u280": ("04_systolic_gemm", "u280", {}, None),
    "mapping_vector_add_u280": ("02_vector_add", "u280", {}, None),
}


def _text(case: str, capsys) -> str:
    program, target, options, show = CASES[case]
    region = region_of(program) if isinstance(program, str) else program()
    capsys.readouterr()
    prog = dato.compile(region, target=target, show=show or (), **options)
    return capsys.readouterr().out if show else str(prog.mapping)


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_text(case, capsys):
    text = _text(case, capsys)
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("DATO_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"{path} is missing: run with DATO_UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text()


def test_the_text_is_the_same_after_a_json_round_trip():
    mapping = dato.compile(region_of("04_systolic_gemm"), target="npu1_4col").mapping
    again = type(mapping).from_json(mapping.to_json())
    assert again.text() == mapping.text() == str(mapping)
