"""Errors in a region's structure: its parameters, stream declarations, task decorators and
task signatures. Each case is a program below whose marked line the error must point at."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error, compiler_frames

import datobench as dato
from datobench import S, Stream, float32

M = dato.symbol("M")


@dato.region
def varargs_region(*arrays):  # E-varargs
    @dato.task()
    def t():
        pass


@dato.region
def int_param(A: int):  # E-intparam
    @dato.task()
    def t():
        pass


@dato.region
def untyped_param(A):  # E-bareparam
    @dato.task()
    def t():
        pass


@dato.region
def shard_beyond_mapping(A: float32[16, 16]):
    @dato.task(mapping=[4], args=[A])
    def t(a: float32[16, 16] @ [S(0), S(1)]):  # E-shardaxis
        a[0, 0] = 1.0


@dato.region
def no_task(A: float32[16]):  # E-notask
    pass


@dato.region
def stream_assigned(A: float32[16]):
    s: Stream[float32[16], 2] = 3  # E-streamassign  # noqa: F841

    @dato.task()
    def t():
        pass


@dato.region
def not_a_stream(A: float32[16]):
    s: float32[16]  # E-notstream  # noqa: F842

    @dato.task()
    def t():
        pass


@dato.region
def stream_named_like_param(A: float32[16]):
    A: Stream[float32[16], 2]  # E-twice

    @dato.task()
    def t():
        pass


@dato.region
def task_twice(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16]):
        a[0] = 1.0

    @dato.task(args=[A])
    def t(a: float32[16]):  # E-tasktwice  # noqa: F811
        a[1] = 1.0


@dato.region
def undecorated(A: float32[16]):
    def helper(a: float32[16]):  # E-undecorated
        a[0] = 1.0


@dato.region
def positional_decorator(A: float32[16]):
    @dato.task([1])  # E-positional
    def t():
        pass


@dato.region
def mapping_of_names(A: float32[16]):
    @dato.task(mapping=["x"])  # E-mapname
    def t():
        pass


@dato.region
def mapping_of_zero(A: float32[16]):
    @dato.task(mapping=[0])  # E-mapzero
    def t():
        pass


@dato.region
def args_not_a_list(A: float32[16]):
    @dato.task(args=A)  # E-argsnotlist
    def t(a: float32[16]):
        a[0] = 1.0


@dato.region
def args_not_a_param(A: float32[16]):
    @dato.task(args=[M])  # E-argsnotparam
    def t(a: float32[16]):
        a[0] = 1.0


@dato.region
def unknown_option(A: float32[16]):
    @dato.task(args=[A], depth=2)  # E-option
    def t(a: float32[16]):
        a[0] = 1.0


@dato.region
def task_varargs(A: float32[16]):
    @dato.task(args=[A])
    def t(*a):  # E-taskvarargs
        pass


@dato.region
def task_param_count(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[16], b: float32[16]):  # E-taskparams
        a[0] = 1.0


@dato.region
def task_param_untyped(A: float32[16]):
    @dato.task(args=[A])
    def t(a):  # E-untyped
        a[0] = 1.0


@dato.region
def task_param_not_tensor(A: float32[16]):
    @dato.task(args=[A])
    def t(a: int):  # E-tasknottensor
        a[0] = 1.0


@dato.region
def misspelt_type(A: floot32[16]):  # E-misspelt
    @dato.task()
    def t():
        pass


@dato.region
def param_of_another_shape(A: float32[16]):
    @dato.task(args=[A])
    def t(a: float32[32]):  # E-paramshape
        a[0] = 1.0


@dato.region
def type_that_fails(A: float32[1 // 0]):  # E-evaluate
    @dato.task()
    def t():
        pass


@dato.region
def unbound_at_call(A: float32[M]):  # E-unboundcall
    @dato.task(args=[A])
    def t(a: float32[M]):
        a[0] = 1.0


CASES = [
    (
        varargs_region,
        dato.DatoSyntaxError,
        "# E-varargs",
        "region parameters are plain annotated names, one per global tensor",
    ),
    (
        int_param,
        dato.DatoTypeError,
        "# E-intparam",
        "region parameter 'A' must be a tensor type such as float32[64] or a scalar type with "
        "its width: `A: int32`, not int",
    ),
    (
        untyped_param,
        dato.DatoTypeError,
        "# E-bareparam",
        "region parameter 'A' needs a tensor type, e.g. `A: float32[64]`",
    ),
    (
        shard_beyond_mapping,
        dato.DatoTypeError,
        "# E-shardaxis",
        "S(1) names mapping axis 1, but the task's mapping [4] has 1 axis",
    ),
    (no_task, dato.DatoTypeError, "# E-notask", "the region defines no @dato.task"),
    (
        stream_assigned,
        dato.DatoSyntaxError,
        "# E-streamassign",
        "a stream is declared, not assigned: `s: Stream[T, depth]`",
    ),
    (
        not_a_stream,
        dato.DatoTypeError,
        "# E-notstream",
        "'s' must be declared as a Stream[T, depth], not float32[16]",
    ),
    (stream_named_like_param, dato.DatoTypeError, "# E-twice", "'A' is declared twice"),
    (task_twice, dato.DatoTypeError, "# E-tasktwice", "task 't' is defined twice"),
    (
        undecorated,
        dato.DatoSyntaxError,
        "# E-undecorated",
        "'helper' must be decorated with @dato.task(...) (and nothing else)",
    ),
    (
        positional_decorator,
        dato.DatoSyntaxError,
        "# E-positional",
        "@dato.task takes keywords: mapping=[...], args=[...]",
    ),
    (
        mapping_of_names,
        dato.DatoTypeError,
        "# E-mapname",
        "axis 0 of the mapping ['x'] must be a whole number from 1 to 4096, not 'x'",
    ),
    (
        mapping_of_zero,
        dato.DatoTypeError,
        "# E-mapzero",
        "axis 0 of the mapping [0] must be a whole number from 1 to 4096, not 0",
    ),
    (
        args_not_a_list,
        dato.DatoSyntaxError,
        "# E-argsnotlist",
        "args= takes a list of region parameters",
    ),
    (
        args_not_a_param,
        dato.DatoTypeError,
        "# E-argsnotparam",
        "`M` is not a parameter of the region",
    ),
    (unknown_option, dato.DatoSyntaxError, "# E-option", "@dato.task has no option 'depth'"),
    (
        task_varargs,
        dato.DatoSyntaxError,
        "# E-taskvarargs",
        "task parameters are plain annotated names",
    ),
    (
        task_param_count,
        dato.DatoTypeError,
        "# E-taskparams",
        "task 't' has 2 parameters but args= lists 1 tensors",
    ),
    (
        task_param_untyped,
        dato.DatoTypeError,
        "# E-untyped",
        "task parameter 'a' needs a type, e.g. `a: float32[16]`",
    ),
    (
        task_param_not_tensor,
        dato.DatoTypeError,
        "# E-tasknottensor",
        "'a' must be a tensor type, not <class 'int'>",
    ),
    (
        misspelt_type,
        dato.DatoTypeError,
        "# E-misspelt",
        "name 'floot32' is not defined (in the type of 'A')",
    ),
    (
        param_of_another_shape,
        dato.DatoTypeError,
        "# E-paramshape",
        "parameter 'a' is declared float32[32] but receives 'A' of type float32[16]",
    ),
    (
        type_that_fails,
        dato.DatoTypeError,
        "# E-evaluate",
        "cannot evaluate the type of 'A': integer division or modulo by zero",
    ),
    (
        unbound_at_call,
        dato.DatoTypeError,
        "# E-unboundcall",
        "size M is not bound: call the region with arrays, or compile with sizes={'M': ...}",
    ),
]


@pytest.mark.parametrize(
    ("region", "error", "marker", "fragment"), CASES, ids=[c[2][4:] for c in CASES]
)
def test_region_structure_error(region, error, marker, fragment):
    with pytest.raises(error) as info:
        dato.compile(region)
    check_error(info, marker, fragment)
    assert compiler_frames(info.value) == []


def test_sizes_that_disagree_between_arguments_are_reported_at_the_call():
    @dato.region
    def top(A: float32[M], B: float32[M]):
        @dato.task(args=[A, B])
        def t(a: float32[M], b: float32[M]):
            b[0] = a[0]

    with pytest.raises(dato.DatoTypeError) as info:
        top(np.zeros(16, np.float32), np.zeros(32, np.float32))  # E-sizes
    check_error(info, "# E-sizes", "size M is 16 from an earlier argument but 32 from 'B'")
    assert compiler_frames(info.value) == []


def test_a_lambda_is_not_a_region():
    top = dato.region(lambda A: None)  # E-lambdaregion

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(top)
    check_error(info, "# E-lambdaregion", "a region must be a plain `def` function")


def test_a_region_without_source_says_where_it_was_defined():
    namespace = {"dato": dato, "float32": float32}
    code = (
        "@dato.region\n"
        "def top(A: float32[16]):\n"
        "    @dato.task(args=[A])\n"
        "    def t(a: float32[16]):\n"
        "        a[0] = 1.0\n"
    )
    exec(compile(code, "<generated>", "exec"), namespace)

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(namespace["top"])
    error = info.value
    assert "cannot read the source of 'top' (defined in <generated>)" in str(error)
    assert "not from exec'd strings" in str(error)
    assert (error.loc.file, error.loc.line) == ("<generated>", 1)


def test_kernels_need_static_types():
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.kernel  # E-kernelsig
        def scale(x: float32[M]) -> float32[M]:
            return x

    check_error(
        info,
        "# E-kernelsig",
        "kernel 'scale': parameter 'x' needs a static type such as float32[16]",
    )


def test_kernel_signature_errors_hide_compiler_frames():
    with pytest.raises(dato.DatoTypeError) as info:

        @dato.kernel(source={"hls": ""})
        def scale(x) -> float32[16]:
            return x

    assert compiler_frames(info.value) == []
