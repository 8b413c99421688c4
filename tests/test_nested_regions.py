"""Nested regions: a region with size parameters, instantiated in another region's body and
flattened into one graph whose names say where each task came from. The flattened program is
ordinary IR, so the mapper, its primitives, sim, perf, csim and the NPU emulator run it."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_error

import datobench as dato
from datobench import S, Stream, int32
from datobench.programs import mesh_pipeline
from datobench.programs.nested import mesh

P0, P1, N = dato.symbol("P0"), dato.symbol("P1"), dato.symbol("N")


TOP = mesh_pipeline(2, 3, 2)


def run_top(prog, backend="sim"):
    A = np.arange(32, dtype=np.int32).reshape(2, 16)
    B = np.zeros_like(A)
    prog.run(A, B, backend=backend)
    np.testing.assert_array_equal(B, A + 5)


def test_two_instances_flatten_into_one_graph_named_after_them():
    prog = dato.compile(TOP)
    names = [i.name for i in prog.graph.instances]
    assert names == [
        "load_0",
        "load_1",
        *(f"mesh0.pe_{i}_{j}" for i in range(2) for j in range(3)),
        *(f"mesh1.pe_{i}_{j}" for i in range(2) for j in range(2)),
        "store_0",
        "store_1",
    ]
    assert [t.name for t in prog.region.tasks] == ["load", "mesh0.pe", "mesh1.pe", "store"]
    streams = [s.name for s in prog.region.streams]
    assert streams == ["fin", "fmid", "fout", "mesh0.link", "mesh1.link"]
    channels = {c.name: (c.producer, c.consumer) for c in prog.graph.channels}
    assert channels["fin[1]"] == ("load_1", "mesh0.pe_1_0")
    assert channels["fmid[1]"] == ("mesh0.pe_1_2", "mesh1.pe_1_0")
    assert channels["mesh0.link[0, 1]"] == ("mesh0.pe_0_1", "mesh0.pe_0_2")
    assert "task mesh1.pe mapping=[2, 2]" in prog.emit("ir")
    run_top(prog)


def test_the_flattened_graph_runs_on_perf_csim_and_the_npu_emulator():
    for target in ("npu1_4col", "u280"):
        prog = dato.compile(TOP, target=target)
        run_top(prog, "perf")
    run_top(dato.compile(TOP), "csim")
    prog = dato.compile(TOP, target="npu1_4col")
    run_top(prog, "aie-emu")
    design = prog.emit("mlir-aie")
    assert "@mesh0_link_0_1" in design  # symbols stay identifiers
    assert "static void mesh1_pe_1_1(" in dato.compile(TOP, target="u280").emit("hls")


def test_mapping_primitives_and_placement_name_nested_instances():
    prog = dato.compile(
        TOP,
        target="npu1_4col",
        placement={"mesh0.pe_1_2": (3, 2)},
        primitives=[
            dato.chain("mesh0.pe[0, 0]", "mesh0.pe[0, 1]"),
            dato.bundle(["mesh1.pe[:, 1]"]),
        ],
    )
    placement = prog.mapping.placement
    assert placement["mesh0.pe_1_2"] == (3, 2)
    assert placement["mesh0.pe_0_0"] == placement["mesh0.pe_0_1"]
    assert placement["mesh1.pe_0_1"] == placement["mesh1.pe_1_1"]
    run_top(prog, "perf")
    with pytest.raises(dato.MappingError, match="no instance or task named 'mesh2.pe"):
        dato.compile(TOP, target="npu1_4col", primitives=[dato.bundle(["mesh2.pe[0, :]"])])


@dato.region(params=(N,))
def scale(a: int32[N, 4], b: int32[N, 4]):
    @dato.task(mapping=[N], args=[a, b])
    def row(x: int32[N, 4] @ [S(0), dato.R], y: int32[N, 4] @ [S(0), dato.R]):
        y[0, :] = x[0, :] * 2


@dato.region(params=("P0",))
def twice(a: int32[P0, 4], b: int32[P0, 4], c: int32[P0, 4]):
    mid: Stream[int32[4], 1]

    @dato.task(args=[a])
    def send(x: int32[P0, 4]):
        for r in range(P0):
            mid.put(x[r, :])

    @dato.task(args=[b])
    def back(y: int32[P0, 4]):
        for r in range(P0):
            y[r, :] = mid.get()

    scale[P0](a, c)  # a nested region inside a nested region


def test_regions_nest_two_deep_with_sizes_from_the_caller():
    @dato.region
    def top(A: int32[N, 4], B: int32[N, 4], C: int32[N, 4]):
        twice[N](A, B, C)

    prog = dato.compile(top, sizes={"N": 3})
    assert [t.name for t in prog.region.tasks] == [
        "twice0.send",
        "twice0.back",
        "twice0.scale0.row",
    ]
    assert [s.name for s in prog.region.streams] == ["twice0.mid"]
    A = np.arange(12, dtype=np.int32).reshape(3, 4)
    B, C = np.zeros_like(A), np.zeros_like(A)
    top(A, B, C)  # N inferred from the arrays, as for any region
    np.testing.assert_array_equal(B, A)
    np.testing.assert_array_equal(C, A * 2)


def test_a_region_with_sizes_runs_alone_bound_by_its_arrays_or_by_brackets():
    A = np.arange(8, dtype=np.int32).reshape(2, 4)
    B = np.zeros_like(A)
    scale(A, B)
    np.testing.assert_array_equal(B, A * 2)
    prog = dato.compile(scale[2])
    assert [i.name for i in prog.graph.instances] == ["row_0", "row_1"]
    assert dato.compile(scale, sizes={"N": 2}).emit("ir") == prog.emit("ir")


# -- errors, each at the user's line ---------------------------------------------------------


def test_wrong_arguments_are_located_at_the_call():
    @dato.region
    def few(A: int32[2, 4], B: int32[2, 4]):
        scale[2](A)  # E-few

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(few)
    check_error(info, "# E-few", "region 'scale' takes 2 arguments (a, b), got 1")

    @dato.region
    def shaped(A: int32[2, 4], B: int32[3, 4]):
        scale[2](A, B)  # E-shape

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(shaped)
    check_error(
        info,
        "# E-shape",
        "parameter 'b' is declared int32[2, 4] but receives `B` of type int32[3, 4]",
    )

    @dato.region
    def streamed(A: int32[2, 16], B: int32[2, 16]):
        fin: Stream[int32[8], 2][2]
        fout: Stream[int32[4], 2][2]
        mesh[2, 3](fin, fout)  # E-stream

        @dato.task(mapping=[2])
        def t():
            pass

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(streamed)
    check_error(
        info,
        "# E-stream",
        "parameter 'inp' is declared Stream[int32[4], 2][2] but receives stream `fin` of "
        "int32[8] array [2]",
    )

    @dato.region
    def tensor_for_stream(A: int32[2, 4], B: int32[2, 4]):
        s: Stream[int32[4], 2]
        scale[2](s, B)  # E-kind

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(tensor_for_stream)
    check_error(info, "# E-kind", "parameter 'a' is declared int32[2, 4] but receives stream `s`")

    @dato.region
    def expression(A: int32[2, 4], B: int32[2, 4]):
        scale[2](A + 1, B)  # E-expr

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(expression)
    check_error(
        info,
        "# E-expr",
        "`A + 1` is not a tensor or stream of this region; region 'scale' takes the caller's "
        "parameters and streams by name",
    )

    @dato.region
    def keywords(A: int32[2, 4], B: int32[2, 4]):
        scale[2](A, b=B)  # E-keyword

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(keywords)
    check_error(info, "# E-keyword", "region 'scale' takes its tensors and streams positionally")


def test_sizes_unbound_miscounted_or_not_numbers_are_located():
    @dato.region
    def unbound(A: int32[2, 4], B: int32[2, 4]):
        scale(A, B)  # E-unbound

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(unbound)
    check_error(
        info, "# E-unbound", "region 'scale' takes sizes N: instantiate it as scale[N](...)"
    )

    @dato.region
    def miscounted(A: int32[2, 4], B: int32[2, 4]):
        scale[2, 3](A, B)  # E-count

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(miscounted)
    check_error(info, "# E-count", "region 'scale' takes 1 size (N), got 2")

    @dato.region
    def fractional(A: int32[2, 4], B: int32[2, 4]):
        scale[2.5](A, B)  # E-float

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(fractional)
    check_error(info, "# E-float", "size N of region 'scale' must be a whole number, not 2.5")

    @dato.region
    def free(A: int32[2, 4], B: int32[2, 4]):
        scale[P1](A, B)  # E-free

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(free)
    check_error(info, "# E-free", "size P1 is not bound")

    with pytest.raises(dato.DatoTypeError, match="region 'top_level' takes no sizes") as info:
        top_level[2]  # E-nosizes
    check_error(info, "# E-nosizes")


@dato.region
def top_level(A: int32[4]):
    @dato.task(args=[A])
    def t(a: int32[4]):
        a[0] = 1


@dato.region
def selfish(A: int32[4]):
    selfish(A)  # E-recursive


def test_recursion_is_a_located_error():
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(selfish)
    check_error(
        info,
        "# E-recursive",
        "region 'selfish' instantiates itself (selfish -> selfish): regions cannot be recursive",
    )


def test_an_instance_name_taken_by_a_task_is_a_located_error():
    @dato.region
    def clash(A: int32[2, 4], B: int32[2, 4]):
        scale[2](A, B)  # E-clash

        @dato.task(args=[A])
        def scale0(a: int32[2, 4]):
            a[0, 0] = 1

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(clash)
    check_error(
        info,
        "# E-clash",
        "the instance of region 'scale' is named 'scale0', as is a task or stream of this region",
    )


def test_other_calls_in_a_region_body_and_bad_size_parameters_are_refused():
    @dato.region
    def printing(A: int32[4]):
        print(A)  # E-print

    with pytest.raises(dato.DatoSyntaxError) as info:
        dato.compile(printing)
    check_error(info, "# E-print", "instances of other regions (`inner[4](A, s)`)")

    with pytest.raises(dato.DatoTypeError, match="a size parameter is a symbol such as") as info:

        @dato.region(params=(P0 + 1,))  # E-param
        def bad(A: int32[4]):
            pass

    check_error(info, "# E-param")
    with pytest.raises(dato.DatoTypeError, match="names a size parameter twice: P0, P0"):

        @dato.region(params=(P0, "P0"))
        def twice_named(A: int32[4]):
            pass


def test_an_error_inside_the_callee_is_at_the_callees_line():
    @dato.region(params=(P0,))
    def broken(a: int32[P0]):
        @dato.task(args=[a])
        def t(x: int32[P0]):
            x[0] = undefined_name  # E-inner  # noqa: F821

    @dato.region
    def caller(A: int32[4]):
        broken[4](A)

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(caller)
    check_error(info, "# E-inner", "name 'undefined_name' is not defined")


def test_a_region_instantiated_in_a_task_body_is_a_located_error():
    @dato.region
    def inside(A: int32[2, 4], B: int32[2, 4]):
        @dato.task(args=[A, B])
        def t(a: int32[2, 4], b: int32[2, 4]):
            scale[2](a, b)  # E-in-task

    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(inside)
    check_error(
        info,
        "# E-in-task",
        "region 'scale' is instantiated in a task body; instantiate it in the region body, "
        "beside the tasks",
    )


def test_sizes_given_at_the_top_level_are_checked_and_bound():
    with pytest.raises(dato.DatoTypeError) as info:
        mesh[2]  # E-top-count
    check_error(info, "# E-top-count", "region 'mesh' takes 2 sizes (P0, P1), got 1")
    with pytest.raises(dato.DatoTypeError) as info:
        dato.compile(scale[P1])  # E-top-unbound
    check_error(info, "# E-top-unbound", "size P1 is not bound: compile with sizes={'P1': ...}")
    assert [i.name for i in dato.compile(scale[P1], sizes={"P1": 3}).graph.instances] == [
        "row_0",
        "row_1",
        "row_2",
    ]


def test_a_region_taking_streams_is_not_compiled_alone():
    with pytest.raises(
        dato.DatoTypeError, match="region 'mesh' takes stream 'inp', so it is a part"
    ):
        dato.compile(mesh[2, 2])
