"""The instance graph's own checks: instance names are unique across tasks (refused at the task
that takes a name already taken), and every declared stream is used (refused at its
declaration, as a stream with one end is). Of a stream array, unused channels are legitimate."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, compiler_frames, line_of

import datobench as dato
from datobench import Stream, float32


@dato.region
def pe_beside_pe_1(A: float32[16]):
    @dato.task(mapping=[2], args=[A])
    def pe(a: float32[16]):
        a[0] = 1.0

    @dato.task(args=[A])
    def pe_1(a: float32[16]):  # E-collision
        a[1] = 1.0


def test_a_task_named_like_another_tasks_instance_is_refused_at_its_line():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(pe_beside_pe_1)
    error = check_error(
        info,
        "# E-collision",
        "'pe_1' names an instance of both task 'pe_1' and task 'pe' (mapping [2]): instances "
        "are named after their task and coordinates (task_i_j), so rename one of the tasks",
    )
    assert error.notes[0].startswith("task 'pe' is defined at ")
    assert compiler_frames(info.value) == []


@dato.region
def grids_that_collide(A: float32[16]):
    @dato.task(mapping=[2], args=[A])
    def a_0(a: float32[16]):
        a[0] = 1.0

    @dato.task(mapping=[2, 2], args=[A])
    def a(x: float32[16]):  # E-gridcollision
        x[1] = 1.0


def test_two_grids_whose_instance_names_meet_are_refused_at_the_second():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(grids_that_collide)
    check_error(
        info,
        "# E-gridcollision",
        "'a_0_0' names an instance of both task 'a' (mapping [2, 2]) and task 'a_0' (mapping [2])",
    )


@dato.region
def declared_and_unused(A: float32[16]):
    spare: Stream[float32, 2]  # E-unused  # noqa: F842

    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = 1.0


@dato.region
def array_unused(A: float32[16]):
    lanes: Stream[float32, 2][4]  # E-arrayunused  # noqa: F842

    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = 1.0


@dato.region
def producer_only(A: float32[16]):
    half: Stream[float32, 2]  # E-halfused

    @dato.task(args=[A])
    def t(a: float32[16]):
        half.put(a[0])


def test_a_stream_no_task_uses_is_refused_at_its_declaration():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(declared_and_unused)
    check_error(
        info,
        "# E-unused",
        "stream 'spare' is declared but no task puts to or gets from it; remove the "
        "declaration, or give it a producer and a consumer",
    )
    assert compiler_frames(info.value) == []


def test_a_stream_array_no_task_uses_is_refused_at_its_declaration():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(array_unused)
    check_error(
        info,
        "# E-arrayunused",
        "stream array 'lanes' is declared but no task puts to or gets from any of its channels",
    )


def test_a_stream_with_only_a_producer_is_refused_at_the_same_place():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(producer_only)
    check_error(info, "# E-halfused", "stream channel 'half' has no consumer; its producer is 't'")
    assert info.value.notes == (f"put at {info.value.loc.file}:{line_of('half.put(')}:9",)


@dato.region
def edge_of_a_grid(A: float32[4], B: float32[4]):
    link: Stream[float32, 2][4]  # channel 3 is never used: the last stage has no successor

    @dato.task(mapping=[4], args=[A, B])
    def stage(a: float32[4], b: float32[4]):
        i = dato.pid()
        if i == 0:
            link[i].put(a[0])
        elif i < 3:
            link[i].put(link[i - 1].get() + 1.0)
        else:
            b[0] = link[i - 1].get() + 1.0


def test_a_stream_array_with_some_unused_channels_is_legitimate():
    prog = dato.compile(edge_of_a_grid)
    assert sorted(c.name for c in prog.graph.channels) == ["link[0]", "link[1]", "link[2]"]
    a, b = np.array([5, 0, 0, 0], np.float32), np.zeros(4, np.float32)
    edge_of_a_grid(a, b)
    assert b[0] == 8.0
