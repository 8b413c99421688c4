"""Bundles in the MLIR-AIE emitter: a node of several instances of one task (``dato.bundle``,
or automatic merging when there are more instances than compute tiles) runs its instances in
lock-step on one core, sharing one object FIFO per DDR buffer and direction as the mapper's
ledger books it; the designs verify and ``aie-emu`` equals ``sim`` bit for bit. Bundles whose
members could not take a shared FIFO's objects in turn stay CapabilityErrors."""

from __future__ import annotations

import pytest
from helpers import check_error
from test_aie_emit import assert_budgets_are_the_ledger
from test_aie_emu_programs import assert_emu_equals_sim

import datobench as dato
from datobench import R, S, Stream, float32
from datobench.core.codegen.aie import verify
from datobench.programs import vector_add

TARGETS = ["npu1_4col", "npu2"]


def scale(P: int, CH: int = 16):
    """C = 3 * A on P instances, each over two CH-element steps of its shard."""
    N = 2 * P * CH

    @dato.region
    def scale(A: float32[N], C: float32[N]):
        @dato.task(mapping=[P], args=[A, C])
        def sc(a: float32[N] @ [S(0)], c: float32[N] @ [S(0)]):
            for t in range(2):
                c[t * CH : (t + 1) * CH] = a[t * CH : (t + 1) * CH] * 3.0

    return scale


def emitted(prog) -> str:
    text = prog.emit("mlir-aie")
    verify(text)
    assert_emu_equals_sim(prog)
    return text


def bundles(prog) -> list[list[str]]:
    return [n.instances for n in prog.mapping.nodes if "bundle" in n.kind]


@pytest.mark.parametrize("target", TARGETS)
def test_a_requested_bundle_of_a_whole_grid_runs_on_one_core(target):
    prog = dato.compile(vector_add(256, 2, 32), target=target, primitives=[dato.bundle(["add[:]"])])
    assert bundles(prog) == [["add_0", "add_1"]]
    text = emitted(prog)
    assert text.count("aie.core(") == 1
    # one FIFO per buffer and direction into the bundle's core, its members in turn
    for buffer in "ABC":
        assert f"aie.objectfifo @{buffer}_add_0_add_1(" in text


@pytest.mark.parametrize("target", TARGETS)
def test_a_1d_grid_bundled_two_to_one(target):
    prims = [dato.bundle(["add[0]", "add[1]"]), dato.bundle(["add[2]", "add[3]"])]
    prog = dato.compile(vector_add(512, 4, 32), target=target, primitives=prims)
    assert bundles(prog) == [["add_0", "add_1"], ["add_2", "add_3"]]
    assert emitted(prog).count("aie.core(") == 2


def test_a_bundle_next_to_single_instances():
    prog = dato.compile(
        vector_add(1024, 4, 64), target="npu1_4col", primitives=[dato.bundle(["add[0:2]"])]
    )
    assert bundles(prog) == [["add_0", "add_1"]]
    assert emitted(prog).count("aie.core(") == 3


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("both", [True, False], ids=["both-bundled", "consumers-bundled"])
def test_bundles_joined_by_streams(target, both):
    @dato.region
    def pairs(A: float32[128], B: float32[128]):
        s: Stream[float32[16], 2][2]

        @dato.task(mapping=[2], args=[A])
        def prod(a: float32[128] @ [S(0)]):
            i = dato.pid()
            for t in range(4):
                s[i].put(a[t * 16 : (t + 1) * 16])

        @dato.task(mapping=[2], args=[B])
        def cons(b: float32[128] @ [S(0)]):
            i = dato.pid()
            for t in range(4):
                b[t * 16 : (t + 1) * 16] = s[i].get() * 2.0

    prims = [dato.bundle(["cons[:]"])] + ([dato.bundle(["prod[:]"])] if both else [])
    prog = dato.compile(pairs, target=target, primitives=prims)
    assert len(bundles(prog)) == len(prims)
    assert emitted(prog).count("aie.core(") == 4 - len(prims)


def test_automatic_merging_past_npu1_4col_16_tiles_bundles_and_emits():
    prog = dato.compile(scale(17), target="npu1_4col")
    assert len(prog.mapping.nodes) == 16
    assert [m.kind for m in prog.mapping.merges] == ["bundle"]
    assert prog.mapping.merges[0].automatic
    text = emitted(prog)
    assert text.count("aie.core(") == 16
    # the bundle's column moves its windows at twice the rate of the others: a link each
    assert text.count("aie.objectfifo.link") > 8


def test_npu2_has_the_tiles_for_17_instances_without_merging():
    prog = dato.compile(scale(17), target="npu2")
    assert bundles(prog) == []
    assert emitted(prog).count("aie.core(") == 17


def test_a_bundle_member_taking_a_buffer_twice_per_step_is_refused():
    @dato.region
    def pairs(A: float32[256], C: float32[128]):
        @dato.task(mapping=[2], args=[A, C])
        def add(a: float32[256] @ [S(0)], c: float32[128] @ [S(0)]):
            for t in range(2):
                lo = a[t * 64 : t * 64 + 32]
                hi = a[t * 64 + 32 : t * 64 + 64]  # twice
                c[t * 32 : (t + 1) * 32] = lo + hi

    prog = dato.compile(pairs, target="npu1_4col", primitives=[dato.bundle(["add[:]"])])
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie")
    check_error(
        info,
        "# twice",
        "the bundled instances add_0, add_1 share the object FIFO @A_add_0_add_1 and must take "
        "its objects in turn; 'add_0' takes one out of turn",
        "move each DDR slice once per loop step, outside 'if'",
    )


def test_a_bundle_member_reading_ddr_inside_a_branch_is_refused():
    @dato.region
    def branchy(A: float32[128], C: float32[128]):
        @dato.task(mapping=[2], args=[A, C])
        def sc(a: float32[128] @ [S(0)], c: float32[128] @ [S(0)]):
            for t in range(2):
                if t == 0:
                    c[0:32] = a[0:32] * 2.0  # branch
                else:
                    c[32:64] = a[32:64] * 3.0

    prog = dato.compile(branchy, target="npu1_4col", primitives=[dato.bundle(["sc[:]"])])
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie")
    check_error(info, "# branch", "'sc_0' takes one inside a branch")


@pytest.mark.parametrize("target", TARGETS)
def test_a_window_read_by_a_bundle_and_another_node(target):
    @dato.region
    def shared(A: float32[32], C: float32[96]):
        @dato.task(mapping=[3], args=[A, C])
        def sc(a: float32[32] @ [R], c: float32[96] @ [S(0)]):
            c[0:32] = a[0:32] * 2.0

    prog = dato.compile(shared, target=target, primitives=[dato.bundle(["sc[0:2]"])])
    text = emitted(prog)
    # the bundle takes the window once per member, the other node once: a FIFO each, fed
    # from the shim at their own rates
    assert "aie.objectfifo @A_sc_0_sc_1(%tile_0_1, {%tile_0_2}" in text
    assert "aie.objectfifo @A_0_32(%tile_0_1, {%tile_1_2}" in text


@pytest.mark.parametrize("target", TARGETS)
def test_a_window_read_by_two_bundles_and_two_other_nodes(target):
    @dato.region
    def shared(A: float32[64], C: float32[384]):
        @dato.task(mapping=[6], args=[A, C])
        def sc(a: float32[64] @ [R], c: float32[384] @ [S(0)]):
            for t in range(2):
                c[t * 32 : (t + 1) * 32] = a[t * 32 : (t + 1) * 32] * 2.0

    prims = [dato.bundle(["sc[0:2]"]), dato.bundle(["sc[2:4]"])]
    prog = dato.compile(shared, target=target, primitives=prims)
    assert bundles(prog) == [["sc_0", "sc_1"], ["sc_2", "sc_3"]]
    emitted(prog)


@pytest.mark.parametrize("target", TARGETS)
def test_a_bundle_of_three_keeps_its_windows_in_one_column(target):
    prims = [dato.bundle(["add[0]", "add[1]", "add[2]"])]
    prog = dato.compile(vector_add(384, 6, 32), target=target, primitives=prims)
    text = emitted(prog)
    assert "@A_add_0_add_1_add_2(" in text and "@B_add_0_add_1_add_2(" in text
    ledger = prog.mapping.tiles[",".join(map(str, prog.target.mem_tile(0)))]
    assert any("A[0:64][64:128][128:192]" in who for who in str(ledger).split("'"))


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    "case",
    [
        (vector_add(256, 2, 32), ["add[:]"]),
        (vector_add(384, 6, 32), ["add[0]", "add[1]", "add[2]"]),
        (vector_add(1024, 4, 64), ["add[0:2]"]),
        (scale(17), None),
    ],
    ids=["whole", "three", "two-of-four", "automatic"],
)
def test_the_budgets_of_bundled_designs_are_the_mappers_ledger(target, case):
    region, bundle = case
    prog = dato.compile(region, target=target, primitives=[dato.bundle(bundle)] if bundle else [])
    assert_budgets_are_the_ledger(prog)
