"""Errors of the passes after the front end, in full wording no other test quotes: the checks of
stream channels, the mapping primitives and placements. Each points at the user's line."""

from __future__ import annotations

import pytest
from helpers import check_error, compiler_frames
from mapping_programs import make_fan

import datobench as dato
from datobench import Stream, float32


@dato.region
def short_consumer(A: float32[64]):
    s: Stream[float32[16], 2]  # E-counts

    @dato.task(args=[A])
    def prod(a: float32[64]):
        for i in range(4):
            s.put(a[i * 16 : (i + 1) * 16])

    @dato.task(args=[A])
    def cons(a: float32[64]):
        a[0:16] = s.get()


def test_put_and_get_counts_name_the_channel():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(short_consumer)
    check_error(info, "# E-counts", "stream channel 's': 'prod' puts 4 elements but 'cons' gets 1")
    assert compiler_frames(info.value) == []


def test_a_chain_placed_on_two_tiles():
    fan = make_fan()
    chain = dato.chain("src_0", "sink")
    placement = {"src_0": (0, 2), "sink": (1, 2)}
    with pytest.raises(dato.MappingError) as info:
        dato.compile(fan, target="npu1_4col", primitives=[chain], placement=placement)  # E-split
    check_error(
        info,
        "# E-split",
        "'sink' and 'src_0' are chained onto one tile, but are placed on (1, 2) and (0, 2)",
    )
