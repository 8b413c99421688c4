"""Mapping primitives beyond the basic pairs: a producer chained onto a bundle of its
consumers, chains and bundles of instances that no stream joins (one after the other on the
tile), bundles of different tasks, and automatic merging that tries other merges when one
breaks a tile's limit. Each through sim (values unchanged), perf (the shared tile's time) and
the NPU emitter (verified MLIR-AIE, ``aie-emu`` equal to sim, or a located CapabilityError)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from helpers import check_error, random_arrays
from mapping_programs import make_replicated

import datobench as dato
from datobench import S, Stream, float32
from datobench.core.codegen.aie import verify
from datobench.core.passes.analysis import profiles
from datobench.core.passes.virtual import virtual_graph

# -- programs -------------------------------------------------------------------------------


def make_fanout():
    """One producer feeds four workers, one stream each: C = 2 A + 1."""

    @dato.region
    def fanout(A: float32[64], C: float32[64]):
        s: Stream[float32[16], 2][4]

        @dato.task(args=[A])
        def prod(a: float32[64]):
            for i in range(4):
                s[i].put(a[i * 16 : (i + 1) * 16] * 2.0)

        @dato.task(mapping=[4], args=[C])
        def work(c: float32[64] @ [S(0)]):
            i = dato.pid()
            c[:] = s[i].get() + 1.0

    return fanout


def make_apart(loops: tuple[int, int] = (1, 1)):
    """Two tasks that share no stream; ``loops``: how many slices each moves, one per step."""
    n1, n2 = loops

    @dato.region
    def apart(A: float32[16], B: float32[16], C: float32[16], D: float32[16]):
        @dato.task(args=[A, B])
        def t1(a: float32[16], b: float32[16]):
            for i in range(n1):
                b[i * (16 // n1) : (i + 1) * (16 // n1)] = (
                    a[i * (16 // n1) : (i + 1) * (16 // n1)] + 1.0
                )

        @dato.task(args=[C, D])
        def t2(c: float32[16], d: float32[16]):
            for i in range(n2):
                d[i * (16 // n2) : (i + 1) * (16 // n2)] = (
                    c[i * (16 // n2) : (i + 1) * (16 // n2)] * 3.0
                )

    return apart


def make_two_pipes():
    """p1 -> q1 with 6 KiB tiles, p2 -> q2 with small ones: chaining p1 with q1 overflows a
    32 KiB data memory, chaining p2 with q2 does not."""

    @dato.region
    def two_pipes(A: float32[1536], B: float32[1536], C: float32[16], D: float32[16]):
        s1: Stream[float32[1536], 2]
        s2: Stream[float32[16], 2]

        @dato.task(args=[A])
        def p1(a: float32[1536]):
            s1.put(a[:] * 2.0)

        @dato.task(args=[B])
        def q1(b: float32[1536]):
            b[:] = s1.get() + 1.0

        @dato.task(args=[C])
        def p2(c: float32[16]):
            s2.put(c[:] * 3.0)

        @dato.task(args=[D])
        def q2(d: float32[16]):
            d[:] = s2.get() - 1.0

    return two_pipes


def tiny_target(columns: int) -> str:
    """The generic target cut to one row of ``columns`` compute tiles (32 KiB each)."""
    text = (Path(dato.core.targets.__file__).parent / "generic.toml").read_text()
    text = text.replace(
        'row_kinds = ["shim", "mem", "compute", "compute", "compute"]',
        'row_kinds = ["shim", "mem", "compute"]',
    )
    text = text.replace("columns = 4", f"columns = {columns}")
    text = text.replace(
        "shim_dma_columns = [0, 1, 2, 3]", f"shim_dma_columns = {list(range(columns))}"
    )
    path = Path(tempfile.mkdtemp()) / f"tiny{columns}.toml"
    path.write_text(text)
    return str(path)


# -- checks ---------------------------------------------------------------------------------


def sim_values(prog, seed=0):
    arrays = random_arrays(prog, seed)
    prog.run(*arrays, backend="sim")
    return arrays


def assert_same_values(prog, plain, seed=0):
    """The merged program computes what the unmerged one does."""
    for got, ref in zip(sim_values(prog, seed), sim_values(plain, seed)):
        np.testing.assert_array_equal(got, ref)


def assert_emu_equals_sim(prog, seed=0):
    verify(prog.emit("mlir-aie"))
    got = random_arrays(prog, seed)
    prog.run(*got, backend="aie-emu")
    for g, r in zip(got, sim_values(prog, seed)):
        np.testing.assert_array_equal(g, r)


def busy_of_tile(prog, instance: str) -> int:
    tile = prog.mapping.placement[instance]
    return prog.run(*random_arrays(prog), backend="perf").tiles[f"{tile[0]},{tile[1]}"].busy


def busy_sum(plain, instances) -> int:
    result = plain.run(*random_arrays(plain), backend="perf")
    tiles = {plain.mapping.placement[i] for i in instances}
    return sum(result.tiles[f"{c},{r}"].busy for c, r in tiles)


# -- a producer chained onto a bundle -------------------------------------------------------


def chained_fanout():
    return dato.compile(
        make_fanout(),
        target="npu1_4col",
        primitives=[dato.bundle(["work"]), dato.chain("prod", "work")],
    )


def test_a_producer_chains_onto_a_bundle_of_its_consumers():
    m = chained_fanout().mapping
    assert [(n.kind, n.instances) for n in m.nodes] == [
        ("chain+bundle", ["prod", "work_0", "work_1", "work_2", "work_3"])
    ]
    assert [(mg.kind, mg.instances, mg.reason) for mg in m.merges] == [
        ("bundle", ["work_0", "work_1", "work_2", "work_3"], "requested"),
        ("chain", ["prod", "work_0", "work_1", "work_2", "work_3"], "requested"),
    ]
    assert {r.kind for r in m.routes} == {"local"}
    text = m.text(("nodes", "merges"))
    assert "prod+work_0+work_1+work_2+work_3  chain+bundle" in text
    assert "chain prod + work_0 + work_1 + work_2 + work_3 (requested)" in text


def test_a_producer_chained_onto_a_bundle_keeps_the_values():
    prog = chained_fanout()
    assert_same_values(prog, dato.compile(make_fanout(), target="npu1_4col"))
    A = np.arange(64, dtype=np.float32)
    C = np.zeros(64, np.float32)
    prog.run(A, C, backend="sim")
    np.testing.assert_array_equal(C, A * 2 + 1)


def test_a_producer_chained_onto_a_bundle_adds_up_on_its_tile():
    plain = dato.compile(make_fanout(), target="npu1_4col")
    names = ["prod", "work_0", "work_1", "work_2", "work_3"]
    assert busy_of_tile(chained_fanout(), "prod") == busy_sum(plain, names)


def test_a_producer_chained_onto_a_bundle_on_the_npu():
    assert_emu_equals_sim(chained_fanout())


def test_a_chain_whose_sides_select_different_numbers_of_nodes():
    chain = dato.chain("prod", "work")
    with pytest.raises(dato.MappingError) as info:
        dato.compile(make_fanout(), target="npu1_4col", primitives=[chain])  # E-nodes
    check_error(
        info,
        "# E-nodes",
        "chain('prod', 'work') pairs 1 instances with 4",
        "or bundle one side first so that both select as many nodes",
    )


# -- instances that share no stream ---------------------------------------------------------


@pytest.mark.parametrize("primitive", [dato.chain("t1", "t2"), dato.bundle(["t1", "t2"])])
def test_instances_no_stream_joins_share_a_tile(primitive):
    prog = dato.compile(make_apart(), target="npu1_4col", primitives=[primitive])
    m = prog.mapping
    assert m.placement["t1"] == m.placement["t2"]
    assert [n.instances for n in m.nodes] == [["t1", "t2"]]
    (merge,) = m.merges
    if merge.kind == "chain":
        assert merge.reason == "no stream joins them, so they run one after the other on the tile"
    else:
        assert merge.reason == "requested; tasks 't1', 't2' take turns on the tile"
    assert merge.reason in m.text(("merges",))
    plain = dato.compile(make_apart(), target="npu1_4col")
    assert_same_values(prog, plain)
    assert busy_of_tile(prog, "t1") == busy_sum(plain, ["t1", "t2"])
    assert_emu_equals_sim(prog)


def test_chained_instances_that_loop_differently_run_one_after_the_other_on_the_npu():
    prog = dato.compile(make_apart((4, 2)), target="npu1_4col", primitives=[dato.chain("t1", "t2")])
    assert_same_values(prog, dato.compile(make_apart((4, 2)), target="npu1_4col"))
    assert_emu_equals_sim(prog)


def test_a_bundle_of_different_tasks_that_loop_differently_is_not_emitted():
    prog = dato.compile(
        make_apart((4, 2)), target="npu1_4col", primitives=[dato.bundle(["t1", "t2"])]
    )
    assert_same_values(prog, dato.compile(make_apart((4, 2)), target="npu1_4col"))
    with pytest.raises(dato.CapabilityError) as info:
        prog.emit("mlir-aie")
    assert "the instances t1, t2 share a core but loop differently" in str(info.value)
    assert info.value.loc is not None and info.value.loc.file == __file__


def test_a_bundle_of_a_producer_and_its_consumer_runs_on_one_tile():
    @dato.region
    def pair(A: float32[16], B: float32[16]):
        s: Stream[float32[16], 2]

        @dato.task(args=[A])
        def src(a: float32[16]):
            s.put(a[:] + 1.0)

        @dato.task(args=[B])
        def dst(b: float32[16]):
            b[:] = s.get() * 2.0

    prog = dato.compile(pair, target="npu1_4col", primitives=[dato.bundle(["src", "dst"])])
    assert [n.kind for n in prog.mapping.nodes] == ["bundle"]
    assert prog.mapping.route("s").kind == "local"
    assert_same_values(prog, dato.compile(pair, target="npu1_4col"))
    assert_emu_equals_sim(prog)


def make_line():
    """a -> x -> b: a and b are joined only through x."""

    @dato.region
    def line(A: float32[16], B: float32[16]):
        ax: Stream[float32[16], 2]
        xb: Stream[float32[16], 2]

        @dato.task(args=[A])
        def a(v: float32[16]):
            ax.put(v[:] * 2.0)

        @dato.task()
        def x():
            xb.put(ax.get() + 1.0)

        @dato.task(args=[B])
        def b(w: float32[16]):
            w[:] = xb.get()

    return line


def test_a_bundle_that_would_make_a_core_wait_on_itself():
    bundle = dato.bundle(["a", "b"])
    with pytest.raises(dato.MappingError) as info:
        dato.compile(make_line(), target="npu1_4col", primitives=[bundle])  # E-wait
    check_error(
        info,
        "# E-wait",
        "cannot bundle 'a' and 'b': data flows between them through other tiles (a -> x -> b)",
        "so one core would wait on itself",
    )


def test_a_chain_of_instances_joined_only_through_another_tile():
    chain = dato.chain("a", "b")
    with pytest.raises(dato.MappingError) as info:
        dato.compile(make_line(), target="npu1_4col", primitives=[chain])  # E-through
    check_error(
        info,
        "# E-through",
        "cannot chain 'a' and 'b': data also flows between them through other tiles (a -> x",
    )


# -- automatic merging tries other merges ---------------------------------------------------


def test_automatic_merging_tries_another_merge_when_one_breaks_a_limit():
    prog = dato.compile(make_two_pipes(), target=tiny_target(3))
    m = prog.mapping
    assert sorted((n.kind, tuple(n.instances)) for n in m.nodes) == [
        ("chain", ("p2", "q2")),
        ("task", ("p1",)),
        ("task", ("q1",)),
    ]
    (merge,) = m.merges
    assert merge.automatic
    assert "merging p1+q1 broke a limit: tile (0, 2) (compute): data memory" in merge.reason
    assert "merging p1+q1 broke a limit" in m.text(("merges",))
    plain = dato.compile(make_two_pipes(), target="npu1_4col")
    assert_same_values(prog, plain)
    assert prog.run(*random_arrays(prog), backend="perf").cycles > 0


def test_when_no_merge_fits_the_error_suggests_the_primitives():
    target = tiny_target(2)
    with pytest.raises(dato.MappingError) as info:
        dato.compile(make_two_pipes(), target=target)  # E-suggest
    check_error(
        info,
        "# E-suggest",
        "data memory: 36.0 KiB used of 32.0 KiB",
        "did not make it fit either (nor did other merges)",
        "hint: choose which instances share a tile yourself: dato.bundle(['t_0', 't_1'])",
        "dato.chain('producer', 'consumer') fuses a pipeline stage",
    )


def test_the_suggested_primitive_makes_it_fit():
    # the error's advice taken: q1 and the small pipeline take turns on one tile
    prog = dato.compile(
        make_two_pipes(), target=tiny_target(2), primitives=[dato.bundle(["q1", "p2", "q2"])]
    )
    assert len(prog.mapping.nodes) == 2
    assert_same_values(prog, dato.compile(make_two_pipes(), target="npu1_4col"))


def test_no_legal_merge_left_suggests_the_primitives():
    @dato.region
    def three(A: float32[4], B: float32[4], C: float32[4]):
        @dato.task(args=[A])
        def t1(a: float32[4]):
            a[:] = a[:] + 1.0

        @dato.task(args=[B])
        def t2(b: float32[4]):
            b[:] = b[:] * 2.0

        @dato.task(args=[C])
        def t3(c: float32[4]):
            c[:] = c[:] - 3.0

    with pytest.raises(dato.MappingError) as info:
        dato.compile(three, target=tiny_target(2))  # E-none
    check_error(
        info, "# E-none", "no more chains or bundles are legal", "hint: choose which instances"
    )


def test_a_refused_bundle_gives_way_to_the_next_lightest_pair():
    graph = dato.compile(make_replicated(), target="npu1_4col").graph
    vg = virtual_graph(graph, profiles(graph), ())
    vg.fit(3, "npu1_4col", refused=frozenset({frozenset({"scale_0", "scale_1"})}))
    (merge,) = vg.merges
    assert merge.kind == "bundle" and merge.instances == ["scale_0", "scale_2"]
    assert merge.reason.startswith("the two lightest fitting 'scale' nodes share one core")
