"""Every public entry point shows only the user's frames and locates its errors at the user's
call: each function of ``datobench.__all__`` and each public method of the API's classes is
wrapped by ``user_facing``, or listed in ``EXEMPT`` with the reason it needs no wrapper. A new
entry point fails here until it is one or the other."""

from __future__ import annotations

import inspect
import os
import traceback

import pytest

import datobench as dato
from datobench.core.errors import is_user_facing
from datobench.programs import pipeline

HERE = os.path.abspath(__file__)

# functions of datobench.__all__ and methods of its classes that are not wrapped, and why
EXEMPT = {
    "targets": "takes no arguments and cannot fail",
    "region": "reads its caller's frame (the constants defined so far), so it checks its "
    "argument itself and raises at the caller's line",
    "task": "inert when Python runs it: the front end reads the decorator from the source and "
    "locates its errors there",
    "symbol": "a record of a name, bound by compile or a call, which check it",
    "Kernel.__call__": "calls the user's own numpy reference: its errors are the user's",
    "DatoError.at": "part of the error API",
    "InternalError.failed": "part of the error API",
    "InternalError.from_exception": "part of the error API",
    "Program.report": "a property that cannot fail",
    "RegionFunction.source": "the compiler's access to the source, not a user's entry point",
    "RegionFunction.param_types": "the compiler's access to the types, not a user's entry point",
    "RegionFunction.infer_sizes": "the compiler's size inference, not a user's entry point",
    "Mapping.to_json": "serialises plain data; cannot fail",
    "Report.rows": "reads plain data; cannot fail",
    "PerfResult.macs_per_cycle": "a property that cannot fail",
    **{
        f"{cls}.summary": "formats plain data; cannot fail"
        for cls in ("CsimResult", "PerfResult", "SimResult", "XrtResult")
    },
}
# the vocabulary of types is used in annotations, which the front end evaluates and locates
VOCABULARY = {"DType", "TensorType", "Symbol", "Target", "S", "Stream", "BackendStatus"}
BUILTINS = set(dato._builtins.FUNCTIONS)  # numpy semantics outside a task; checked inside


def _entry_points():
    for name in dato.__all__:
        obj = getattr(dato, name)
        if name in BUILTINS or isinstance(obj, (dato.DType, dato.TensorType)) or obj is dato.R:
            continue
        if not inspect.isclass(obj):
            yield name, obj
            continue
        if (
            issubclass(obj, BaseException)
            and obj.__module__ == "datobench"
            and name
            not in (
                "DatoError",
                "InternalError",
            )
        ):
            continue
        if name in VOCABULARY:
            continue
        for attr, value in vars(obj).items():
            if attr.startswith("_") and attr != "__call__":
                continue
            if isinstance(value, (classmethod, staticmethod)):
                value = value.__func__
            elif isinstance(value, property):
                value = value.fget
            if callable(value):
                yield f"{name}.{attr}", value


ENTRY_POINTS = dict(_entry_points())


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_each_entry_point_is_wrapped_or_exempt_with_a_reason(name):
    wrapped = is_user_facing(ENTRY_POINTS[name])
    assert wrapped != (name in EXEMPT), (
        f"{name} is wrapped and exempt" if wrapped else f"{name} is neither wrapped nor exempt"
    )


def test_the_walk_sees_the_api():
    assert {
        "compile",
        "load_target",
        "backends",
        "kernel",
        "pid",
        "Program.run",
        "Program.emit",
        "Program.write_hls",
        "Mapping.from_json",
        "Mapping.node_of",
        "RegionFunction.__call__",
    } <= set(ENTRY_POINTS)
    assert set(EXEMPT) <= set(ENTRY_POINTS)  # no stale exemption


def _raised(call) -> tuple[dato.DatoError, list[traceback.FrameSummary]]:
    with pytest.raises(dato.DatoError) as info:
        call()
    return info.value, traceback.extract_tb(info.value.__traceback__)


def _assert_at_this_line(error: dato.DatoError, frames, line: int):
    assert (error.loc.file, error.loc.line) == (HERE, line), str(error)
    inside = [f for f in frames if "datobench" + os.sep in os.path.abspath(f.filename)]
    assert [f.name for f in inside] in ([], ["wrapper"]), inside  # only the wrapper's raise


def _line() -> int:
    return inspect.currentframe().f_back.f_lineno


def test_load_target_errors_are_located_at_the_call():
    error, frames = _raised(lambda: dato.load_target("nope"))
    _assert_at_this_line(error, frames, _line() - 1)
    assert str(error).startswith(f"{HERE}:{_line() - 2}:1: unknown target 'nope'; available: ")
    error, frames = _raised(lambda: dato.load_target("/no/such/target.toml"))
    _assert_at_this_line(error, frames, _line() - 1)
    assert error.message == "no target file at /no/such/target.toml"


def test_kernel_signature_errors_are_located_at_the_kernel():
    def bad(x):
        return x

    error, frames = _raised(lambda: dato.kernel(bad))
    assert error.loc.line == bad.__code__.co_firstlineno and error.loc.file == HERE
    assert [f.name for f in frames if "datobench" + os.sep in f.filename] == ["wrapper"]
    assert "kernel 'bad': parameter 'x' needs a static type such as float32[16]" in str(error)


def test_backends_of_something_that_is_not_a_program():
    error, frames = _raised(lambda: dato.backends(5))
    _assert_at_this_line(error, frames, _line() - 1)
    assert error.message == "dato.backends takes a compiled program (from dato.compile), not int"


def test_pid_outside_a_task():
    error, frames = _raised(lambda: dato.pid())
    _assert_at_this_line(error, frames, _line() - 1)
    assert error.message == "dato.pid() can only be used inside a @dato.task body"


def test_region_of_something_that_is_not_a_function():
    error, _ = _raised(lambda: dato.region(5))
    assert (error.loc.file, error.loc.line) == (HERE, _line() - 1)
    assert error.message == "@dato.region marks a function (def name(...): ...), not int"


def test_mapping_lookups_and_json():
    mapping = dato.compile(pipeline(), target="npu1_4col").mapping
    assert mapping.node_of("producer").instances and mapping.route("pipe").channel == "pipe"
    error, frames = _raised(lambda: mapping.node_of("nobody"))
    _assert_at_this_line(error, frames, _line() - 1)
    assert error.message == "no instance named 'nobody' in this mapping"
    error, frames = _raised(lambda: mapping.route("nowhere"))
    _assert_at_this_line(error, frames, _line() - 1)
    assert error.message == "no channel named 'nowhere' in this mapping"
    error, frames = _raised(lambda: mapping.text(("nodes", "gossip")))
    _assert_at_this_line(error, frames, _line() - 1)
    assert error.message.startswith("unknown mapping text parts ['gossip']; known: nodes, ")
    assert dato.Mapping.from_json(mapping.to_json()) == mapping
    error, frames = _raised(lambda: dato.Mapping.from_json("{"))
    _assert_at_this_line(error, frames, _line() - 1)
    assert error.message.startswith("not the JSON form of a mapping (JSONDecodeError: ")
    error, _ = _raised(lambda: dato.Mapping.from_json('{"target": "npu1"}'))
    assert error.message == "not the JSON form of a mapping (KeyError: 'placement')"
