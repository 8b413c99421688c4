"""Mapping errors whose full wording no other test quotes: each points at the user's
``dato.compile`` call and says which primitive or limit is broken."""

from __future__ import annotations

import pytest
from helpers import check_error, compiler_frames
from mapping_programs import make_fan

import datobench as dato


def test_a_bundle_of_different_bodies_says_what_a_bundle_is():
    fan = make_fan()
    bundle = dato.bundle(["src_1", "sink"])
    with pytest.raises(dato.MappingError) as info:
        dato.compile(fan, target="npu1_4col", primitives=[bundle])  # E-bundle
    check_error(info, "# E-bundle",
                "cannot bundle 'src_1' and 'sink': their bodies differ (tasks 'src' and 'sink'); "
                "a bundle time-multiplexes one body over several instances")
    assert compiler_frames(info.value) == []
