"""``dato.stage``: the staging annotation of a layout type, as the front end reads it."""

from __future__ import annotations

import pytest

import datobench as dato
from datobench import R, S, int8, int32


def staged_gemm(stage, M=64, K=64, N=64):
    @dato.region
    def g(A: int8[M, K], B: int8[K, N], C: int32[M, N]):
        @dato.task(mapping=[2, 2], args=[A, B, C])
        def core(
            a: int8[M, K] @ [S(0), R],
            b: int8[K, N] @ [R, S(1)] @ stage,
            c: int32[M, N] @ [S(0), S(1)],
        ):
            c[:, :] = dato.matmul(a[:, :], b[:, :], acc=int32)

    return g


def test_the_stage_reaches_the_task_parameter_with_its_sizes_bound():
    n = dato.symbol("n")
    prog = dato.compile(staged_gemm(dato.stage("mem", panel=(64, n), depth=2)), sizes={"n": 32})
    b = prog.region.tasks[0].params[1]
    assert b.stage == dato.Stage("mem", (64, 32), 2)
    assert '@ stage("mem", panel=(64, 32), depth=2)' in prog.emit("ir")


def test_a_tensor_type_staged_without_a_layout_is_replicated():
    t = int8[64, 32] @ dato.stage(panel=(64, 16))
    assert t.layout == (R, R) and t.stage.panel == (64, 16) and t.stage.depth == 1
    assert str(t) == 'int8[64, 32] @ [R, R] @ stage("mem", panel=(64, 16))'


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: dato.stage("l3", panel=(8,)), "dato.stage level 'l3' is not one of 'mem'"),
        (lambda: dato.stage(panel=(0, 8)), "positive ints or dato.symbol sizes, not 0"),
        (
            lambda: dato.stage(panel=(8,), depth=3),
            r"a staged panel has depth 1 or 2 \(double-buffered\), not 3",
        ),
        (lambda: int8[8, 8] @ [R, R] @ 3, r"after a layout, `@` takes dato.stage\(...\)"),
        (
            lambda: int8[8, 8] @ [R, R] @ dato.stage(panel=(8,)),
            r"the panel \(8,\) has 1 dimensions but int8\[8, 8\] has 2",
        ),
        (
            lambda: int8[8, 8] @ dato.stage(panel=(8, 8)) @ dato.stage(panel=(8, 8)),
            "is already staged: stage it once",
        ),
    ],
)
def test_a_malformed_stage_is_refused_at_the_users_line(call, message):
    with pytest.raises(dato.DatoTypeError, match=message) as info:
        call()
    assert info.value.loc is not None and info.value.loc.file == __file__


def test_a_panel_that_does_not_tile_the_shard_is_refused_at_the_annotation():
    with pytest.raises(dato.DatoTypeError, match=r"does not tile its shard \[64, 32\]") as info:
        dato.compile(staged_gemm(dato.stage(panel=(64, 24))))
    assert "dimension 1 (32) is not a multiple of 24" in str(info.value)
    assert info.value.loc.file == __file__
