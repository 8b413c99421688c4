"""The workbench from Python: the %%dato magic through IPython's own shell, the placement
editor driven by the same messages its front end sends, and every view for every example."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import region_of
from IPython.testing import globalipapp

import datobench as dato
from datobench import visual
from datobench.programs import systolic_gemm
from datobench.widgets import PlacementEditor, Workbench, placement_code
from datobench.widgets.panel import CODE

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("0*.py"))
PIPELINE_CELL = """%%dato --target npu1_4col
import datobench as dato
from datobench import Stream, float32

@dato.region
def pipeline(A: float32[64], B: float32[64]):
    pipe: Stream[float32[16], 2]

    @dato.task(args=[A])
    def producer(a: float32[64]):
        for i in range(4):
            pipe.put(a[i * 16:(i + 1) * 16])

    @dato.task(args=[B])
    def consumer(b: float32[64]):
        for i in range(4):
            b[i * 16:(i + 1) * 16] = pipe.get() + 1.0
"""


@pytest.fixture(scope="module")
def shell():
    globalipapp.start_ipython()  # the one test shell, shared with the other test modules
    ip = globalipapp.get_ipython()
    ip.run_cell("%load_ext datobench")
    return ip


# -- the magic ------------------------------------------------------------------------------


def test_dato_cell_compiles_maps_times_and_shows_the_panel(shell, capsys):
    result = shell.run_cell(PIPELINE_CELL)
    assert result.success
    workbench = shell.user_ns["_dato"]["pipeline"]
    assert isinstance(workbench, Workbench)
    assert workbench.program.target.name == "npu1_4col"
    assert set(workbench.editor.placement) == {"producer", "consumer"}
    assert workbench.perf.cycles > 0
    assert "pipeline" in workbench.head.value and "cycles" in workbench.head.value
    assert callable(shell.user_ns["pipeline"])  # the region is in the user's namespace


def test_dato_cell_error_shows_the_cell_line_without_a_traceback(shell, capsys):
    cell = PIPELINE_CELL.replace("pipe.put(a[i * 16:(i + 1) * 16])", "pipe.put(a[0:8])")
    cell = cell.replace("def pipeline", "def broken")
    result = shell.run_cell(cell)
    out = capsys.readouterr()
    err = out.out + out.err
    assert not result.success  # the cell fails, so that Run All stops; the kernel carries on
    lines = err.strip().splitlines()
    assert lines[0] == (  # line 12 as the notebook numbers it, the %%dato line being line 1
        "DatoTypeError: cell line 12, column 13: cannot put float32[8] on "
        "stream 'pipe', which carries float32[16] tiles"
    )
    assert lines[1].strip() == "pipe.put(a[0:8])"
    assert "Traceback" not in err and "datobench/core" not in err
    assert shell.run_cell("x = 1 + 1").success and shell.user_ns["x"] == 2


def test_dato_cell_with_bad_options_says_how_to_use_it(shell, capsys):
    shell.run_cell("%%dato --target\nx = 3")
    err = capsys.readouterr().out
    assert "%%dato: argument --target: expected one argument" in err and "usage:" in err


def test_dato_cell_without_a_region_says_so(shell, capsys):
    shell.run_cell("%%dato\ny = 5")
    assert "the cell must define exactly one @dato.region (it defines 0)" in capsys.readouterr().out


def test_dato_cell_with_placement_and_another_target(shell):
    shell.run_cell("pins = {'producer': (2, 3), 'consumer': (2, 4)}")
    cell = PIPELINE_CELL.replace(
        "%%dato --target npu1_4col", "%%dato --target npu2 --placement pins"
    )
    assert shell.run_cell(cell).success
    workbench = shell.user_ns["_dato"]["pipeline"]
    assert workbench.program.target.name == "npu2"
    assert workbench.editor.placement == {"producer": [2, 3], "consumer": [2, 4]}


def test_dato_targets_and_show(shell):
    result = shell.run_cell("%dato targets")
    assert result.success
    assert shell.run_cell(PIPELINE_CELL).success
    assert shell.run_cell("%dato show pipeline --target generic").success
    assert shell.user_ns["_dato"]["pipeline"].program.target.name == "generic"


# -- the editor, through the front end's messages -------------------------------------------


@pytest.fixture()
def pipeline_workbench(shell):
    shell.run_cell(PIPELINE_CELL)
    return shell.user_ns["_dato"]["pipeline"]


def send(editor: PlacementEditor, message: dict):
    """Deliver a message exactly as a comm message from the front end arrives."""
    editor._handle_custom_msg(message, [])


def test_a_legal_drop_updates_placement_cycles_and_views(pipeline_workbench):
    wb = pipeline_workbench
    before_cycles, before_graph = wb.perf.cycles, wb.graph.value
    send(wb.editor, {"kind": "move", "task": "consumer", "tile": [3, 5]})
    assert wb.editor.error == ""
    assert wb.editor.placement["consumer"] == [3, 5]
    assert wb.program.mapping.placement["consumer"] == (3, 5)
    assert wb.perf.cycles > before_cycles  # far apart: a stream-switch route, not shared memory
    assert "(was" in wb.head.value
    assert wb.editor.code == placement_code(wb.editor.placement)
    assert any(
        c["name"] == "consumer" and (c["col"], c["row"]) == (3, 5) for c in wb.editor.model["chips"]
    )
    assert wb.graph.value != before_graph  # utilisation colours changed
    assert wb.editor.can_undo and not wb.editor.can_redo


def test_an_illegal_drop_is_refused_and_the_last_good_state_kept(pipeline_workbench):
    wb = pipeline_workbench
    placement, cycles, revision = dict(wb.editor.placement), wb.perf.cycles, wb.editor.revision
    send(wb.editor, {"kind": "move", "task": "consumer", "tile": [1, 0]})
    assert wb.editor.error.startswith(
        "tile (1, 0) is a shim tile: 'consumer' can only run on a compute tile"
    )
    assert wb.editor.placement == placement
    assert wb.perf.cycles == cycles and wb.program.mapping.placement["consumer"] == tuple(
        placement["consumer"]
    )
    assert wb.editor.revision == revision + 1  # the front end redraws: the chip snaps back


def test_dropping_on_an_occupied_tile_swaps(pipeline_workbench):
    wb = pipeline_workbench
    p, c = wb.editor.placement["producer"], wb.editor.placement["consumer"]
    send(wb.editor, {"kind": "move", "task": "producer", "tile": c})
    assert wb.editor.placement == {"producer": c, "consumer": p}


def test_undo_and_redo_messages(pipeline_workbench):
    wb = pipeline_workbench
    start = dict(wb.editor.placement)
    send(wb.editor, {"kind": "move", "task": "consumer", "tile": [3, 5]})
    moved = dict(wb.editor.placement)
    send(wb.editor, {"kind": "undo"})
    assert wb.editor.placement == start and wb.editor.can_redo
    send(wb.editor, {"kind": "redo"})
    assert wb.editor.placement == moved and not wb.editor.can_redo


def test_placement_set_from_code_is_validated(pipeline_workbench):
    wb = pipeline_workbench
    good = {"producer": [0, 3], "consumer": [0, 4]}
    wb.editor.placement = good
    assert wb.editor.placement == good and wb.program.mapping.placement["consumer"] == (0, 4)
    wb.editor.placement = {"producer": [0, 3], "consumer": [0, 3]}
    assert wb.editor.placement == good
    assert "2 unbundled instances" in wb.editor.error


def test_the_copied_code_reproduces_the_placement(pipeline_workbench, shell):
    wb = pipeline_workbench
    wb.editor.move("consumer", (2, 2))
    namespace = {}
    exec(wb.editor.code, namespace)  # "placement={...}"
    prog = dato.compile(
        shell.user_ns["pipeline"], target="npu1_4col", placement=namespace["placement"]
    )
    assert {k: list(v) for k, v in prog.mapping.placement.items()} == wb.editor.placement


def test_the_scrubber_recolours_routes_and_streams(pipeline_workbench):
    wb = pipeline_workbench
    wb.editor.move("consumer", (3, 5))
    fills = []
    for cycle in range(0, wb.perf.cycles + 1, max(wb.perf.cycles // 20, 1)):
        wb.scrubber.value = cycle
        fills.append(tuple(r["fill"] for r in wb.editor.model["routes"]))
        assert wb.editor.model["cycle"] == cycle
    assert len(set(fills)) > 1  # the pipe fills and drains over time
    assert set(wb.scrubber.fills.values()) <= {"0/2", "1/2", "2/2"}  # for the chart's labels


# -- every view for every example and target ------------------------------------------------


# 24 instances whose DDR streams need more DMA channels than the 12-tile teaching mesh has
TOO_BIG = {("04_systolic_gemm", "generic")}


@pytest.mark.parametrize("target", ["npu1_4col", "npu2", "generic", "u280"])
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_view_renders(path, target):
    region = region_of(path)
    if path.stem == "05_deadlock":
        with pytest.raises(dato.DeadlockError):  # the panel reports it like the simulator
            Workbench(region, target=target)
        return
    if (path.stem, target) in TOO_BIG:
        with pytest.raises(dato.MappingError, match="did not make it fit either"):
            Workbench(region, target=target)
        return
    wb = Workbench(region, target=target, progress=False)
    assert wb.graph.value.startswith("<svg")
    assert all(i.name in wb.graph.value for i in wb.program.graph.instances)
    model = wb.editor.model
    assert {c["name"] for c in model["chips"]} == {i.name for i in wb.program.graph.instances}
    assert len(model["tiles"]) == model["columns"] * model["rows"]
    assert wb.streams.value.startswith("<svg") and wb.timeline.value.startswith("<svg")
    wb.sections.selected_index = CODE  # the code is generated when its section is opened
    assert "<table" in wb.report.value and "region " in wb.code.value
    svg = visual.render_svg(visual.task_graph_dot(wb.program))  # without timing too
    assert svg.startswith("<svg")


def test_large_graphs_are_drawn_per_task():
    prog = dato.compile(systolic_gemm(16, 16, 2, 2, 2, 32, dato.int16, dato.int32), target="u280")
    dot = visual.task_graph_dot(prog)
    assert '"pe" [label="pe [16 x 16]\\n256 instances"' in dot
    assert '"pe" -> "pe" [label="fa: int16[2, 2] x2\\n240 channels"]' in dot
    assert "pe_3_4" not in dot  # no per-instance nodes past the limit
    assert visual.render_svg(dot).startswith("<svg")


def test_errors_about_the_magics_options_carry_no_foreign_location(shell, capsys):
    shell.run_cell("bad = {'producer': (1, 0)}")
    shell.run_cell(
        PIPELINE_CELL.replace(
            "%%dato --target npu1_4col", "%%dato --target npu1_4col --placement bad"
        )
    )
    err = capsys.readouterr().out.strip()
    assert err.startswith(  # at the magic's line, where the placement was given
        "MappingError: cell line 1, column 1: tile (1, 0) is a shim tile: 'producer' can only "
        "run on a compute tile"
    )
    assert "IPython" not in err and "interactiveshell" not in err and "datobench" not in err
    shell.run_cell("%%dato --frobnicate\nx = 1")
    err = capsys.readouterr().out
    assert "usage: %%dato" in err and "usage: usage" not in err
    shell.run_cell("%dato show nothere")
    assert "%dato show nothere: there is no region named 'nothere'" in capsys.readouterr().out


def test_an_uncaught_dato_error_in_a_cell_shows_only_the_users_frames(shell, capsys):
    shell.run_cell(PIPELINE_CELL)
    shell.run_cell(
        "import numpy as np\npipeline(np.zeros(64, np.float64), np.zeros(64, np.float32))"
    )
    out = capsys.readouterr()
    text = out.out + out.err
    assert "DatoTypeError" in text and "expected float32[64], got an array of float64[64]" in text
    assert "datobench/core" not in text and "errors.py" not in text


def test_the_panel_has_a_picture_for_saved_notebooks(pipeline_workbench):
    bundle = pipeline_workbench._repr_mimebundle_()
    assert bundle["text/plain"].startswith("pipeline on npu1_4col: 2 instances, 1 channels, ")
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "text/html" not in bundle  # a sanitiser would strip its SVG: the picture is below


def test_timing_progress_reaches_the_bar_the_magic_shows():
    import ipywidgets

    bar = ipywidgets.FloatProgress(value=0, min=0, max=1)
    seen = []
    bar.observe(lambda change: seen.append(change["new"]), "value")
    Workbench(region_of(EXAMPLES[3]), target="npu1_4col", progress=bar)  # the systolic GEMM
    assert seen and seen[-1] == 1.0  # the run completed on the caller's bar
    assert seen == sorted(seen) and all(0 <= v <= 1 for v in seen)


def test_the_panel_takes_the_place_of_the_magics_progress_bar(shell, monkeypatch):
    sent = []  # what the shell publishes to the notebook: (data, transient, update)

    def publish(data, metadata=None, *args, transient=None, update=False, **kwargs):
        sent.append((data, transient or {}, update))

    monkeypatch.setattr(shell.display_pub, "publish", publish)
    assert shell.run_cell(PIPELINE_CELL.replace("def pipeline", "def shown_once")).success
    workbench = shell.user_ns["_dato"]["shown_once"]
    view = "application/vnd.jupyter.widget-view+json"
    (bar, bar_place, _), (panel, panel_place, update), (picture, _, new) = sent  # nothing else
    assert bar[view]["model_id"] != workbench.widget.model_id  # the bar while timing ran
    assert update and panel_place == bar_place and "display_id" in bar_place  # then the panel
    assert panel[view]["model_id"] == workbench.widget.model_id
    assert panel["text/plain"] == workbench.summary()
    assert not new and "image/png" in picture  # and below it, its picture


def test_the_panels_own_bar_shows_only_while_a_new_placement_is_timed(pipeline_workbench):
    wb = pipeline_workbench
    bar = wb._own_progress
    assert bar.layout.visibility == "hidden"  # no empty bar in a new panel
    assert bar in wb.widget.children and "dato-progress" in bar._dom_classes  # over a corner
    seen = []
    bar.layout.observe(lambda change: seen.append(change["new"]), "visibility")
    home = dict(wb.editor.placement)
    column, row = home["consumer"]
    assert wb._apply({**home, "consumer": (column + 1, row)}) is None
    assert seen == ["visible", "hidden"] and bar.value == 1.0
    assert wb._apply(home) is None
