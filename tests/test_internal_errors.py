"""Failures of datobench itself: an ``InternalError`` at the user's line that says it is
datobench's fault, which compiler function failed and with what, and never a bare traceback.

The failures are real: a table or a class inside the compiler is broken for the duration of
one test (monkeypatch), or the user's namespace holds an object the visitor does not expect.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error, compiler_frames

import datobench as dato
from datobench import Stream, float32, visual
from datobench.core.codegen.hls import types as hls_types
from datobench.core.frontend import region as region_builder
from datobench.core.frontend import semantics

REPORT = "this is a bug in datobench, not in your program: please report it"
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")


def check_internal(info, marker: str, what: str, function: str):
    """An internal error at the marked line, naming what failed and in which function."""
    error = check_error(info, marker, f"internal failure of datobench: {what}", REPORT)
    text = str(error)
    assert f"raised in {function}, line " in text, text
    assert "Traceback" not in text and "/datobench/" not in text
    assert compiler_frames(error) == []
    assert error.__cause__ is None and error.__suppress_context__  # the original is not shown
    return error


def _without_plus() -> dict:
    """The front end's operator table with binary `+` missing."""
    return {key: op for key, op in semantics.OPERATORS.items() if key != (2, "+")}


def test_a_failure_inside_the_type_rules_is_an_internal_error_at_the_users_line(monkeypatch):
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[0] = 1.0 + 2.0  # I-fold

    monkeypatch.setattr(semantics, "OPERATORS", _without_plus())  # the type rules lost `+`
    with pytest.raises(dato.InternalError) as info:
        dato.compile(top)
    error = check_internal(
        info, "# I-fold", "KeyError: (2, '+')", "datobench.core.frontend.semantics.binary"
    )
    assert isinstance(error.__context__, KeyError)  # kept for whoever debugs datobench


class Settings:
    """A configuration object whose attributes come from a dict (a KeyError when missing)."""

    def __init__(self, **values):
        self._values = values

    def __getattr__(self, name):
        return self.__dict__["_values"][name]


settings = Settings(scale=2)


def test_an_object_the_visitor_does_not_expect_is_an_internal_error_at_its_use():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[0] = a[0] * settings.gain  # I-object

    with pytest.raises(dato.InternalError) as info:
        dato.compile(top)
    check_internal(
        info,
        "# I-object",
        "KeyError: 'gain'",
        "datobench.core.frontend.task.TaskBuilder.visit_Attribute",
    )


def test_the_innermost_failing_node_is_the_one_reported(monkeypatch):
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            for i in range(4):
                if i > 1:
                    a[i] = a[i] - (3.0 + 4.0)  # I-nested

    monkeypatch.setattr(semantics, "OPERATORS", _without_plus())
    with pytest.raises(dato.InternalError) as info:
        dato.compile(top)
    error = check_internal(
        info, "# I-nested", "KeyError: (2, '+')", "datobench.core.frontend.semantics.binary"
    )
    assert error.loc.col == info.value.loc.source_line().index("3.0")  # the `3.0 + 4.0`


def test_a_failure_while_reading_a_stream_declaration_is_located_there(monkeypatch):
    @dato.region
    def top(A: float32[4], B: float32[4]):
        s: Stream[float32[4], 2]  # I-stream

        @dato.task(args=[A])
        def t(a: float32[4]):
            s.put(a[:])

        @dato.task(args=[B])
        def u(b: float32[4]):
            b[:] = s.get()

    monkeypatch.setattr(region_builder, "StreamDecl", None)  # a constructor gone missing
    with pytest.raises(dato.InternalError) as info:
        dato.compile(top)
    check_internal(
        info,
        "# I-stream",
        "TypeError: 'NoneType' object is not callable",
        "datobench.core.frontend.region.RegionBuilder._stream_decl",
    )


def test_a_failure_while_reading_a_task_is_located_at_its_def(monkeypatch):
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):  # I-task
            a[0] = 1.0

    monkeypatch.setattr(region_builder, "TaskContext", None)
    with pytest.raises(dato.InternalError) as info:
        dato.compile(top)
    check_internal(
        info,
        "# I-task",
        "TypeError: 'NoneType' object is not callable",
        "datobench.core.frontend.region.RegionBuilder._task",
    )


def test_the_same_object_is_read_as_a_constant_where_its_attribute_exists():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[0] = a[0] * settings.scale

    A = np.ones(4, np.float32)
    top(A)
    assert A.tolist() == [2.0, 1.0, 1.0, 1.0]


def test_the_new_classes_are_part_of_the_hierarchy():
    for cls in (dato.InternalError, dato.CapabilityError):
        assert issubclass(cls, dato.DatoError)
        assert cls.__module__ == "datobench"
    assert not issubclass(dato.CapabilityError, dato.BackendUnavailable)


# -- code that datobench generates and a tool rejects ------------------------------------------


@dato.kernel(source={"hls": "float twice(float x) {\n  return 2 * x;\n}"})
def twice(x: float32) -> float32:
    return 2 * x


@dato.kernel(  # I-kernel
    source={"hls": "float half(float x) {\n  return x / two;\n}"}
)
def half(x: float32) -> float32:
    return x / 2


@needs_gxx
def test_generated_cpp_that_gxx_rejects_is_an_internal_error(monkeypatch):
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[0] = twice(a[1])

    monkeypatch.setitem(hls_types.SCALAR, "float32", "flaot")  # a misspelt C++ type
    with pytest.raises(dato.InternalError) as info:
        dato.compile(top).run(np.zeros(4, np.float32), backend="csim")  # I-gxx
    error = check_error(
        info, "# I-gxx", "internal failure of datobench: g++ could not compile the generated "
    )
    text = str(error)
    generated, line = re.search(r"the generated (\S+) \(line (\d+)\)", text).groups()
    directory = Path(re.search(r"project kept in (\S+)", text).group(1))
    generated_line = (directory / generated).read_text().splitlines()[int(line) - 1]
    assert "flaot" in generated_line  # the line named is the one g++ rejected...
    assert f"note: line {line} of {generated}: {generated_line.strip()}" in text  # ...shown
    assert "Traceback" not in text


@needs_gxx
def test_a_users_hls_source_that_gxx_rejects_is_their_error_at_the_kernel():
    @dato.region
    def top(A: float32[4]):
        @dato.task(args=[A])
        def t(a: float32[4]):
            a[0] = half(a[1])

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(top).run(np.zeros(4, np.float32), backend="csim")
    error = check_error(
        info, "# I-kernel", "g++ could not compile the generated kernel.cpp (line", "not declared"
    )
    assert "the line is in the HLS source of @dato.kernel 'half'" in str(error)
    assert "return x / two;" in str(error) and REPORT not in str(error)


def test_dot_that_graphviz_rejects_is_an_internal_error():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    with pytest.raises(dato.InternalError) as info:
        visual.render_svg("digraph { a -> }")
    assert str(info.value).startswith("internal failure of datobench: dot failed: ")
    assert "syntax error" in str(info.value)
