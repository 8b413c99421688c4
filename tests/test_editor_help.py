"""The placement help while a chip is held, keyboard moves, the history of placements tried
and their comparison, and the lazy Code view: driven from Python by the messages the front
ends send. What the editor sends back is recorded by a stand-in for the widget's comm
(``Recorder``, in place of ``editor.send``)."""

from __future__ import annotations

import threading
import time

import pytest

import datobench as dato
from datobench import int16, int32
from datobench.programs import pipeline, whole_array_gemm
from datobench.widgets import Workbench
from datobench.widgets.panel import CODE
from datobench.widgets.placement_help import Cancelled, stopper

GEMM = (128, 128, 128, 32, 32, 32, int16, int32)  # 16 cores; a timing takes a fraction of a s


class Recorder:
    """Stands in for the widget's comm: keeps what the editor sends, in order, thread-safe."""

    def __init__(self, editor):
        self.sent: list[dict] = []
        self.lock = threading.Lock()
        editor.send = self

    def __call__(self, content, buffers=None):
        with self.lock:
            self.sent.append(content)

    def of(self, kind: str, pickup: int | None = None) -> list[dict]:
        with self.lock:
            return [m for m in self.sent if m["kind"] == kind and pickup in (None, m.get("pickup"))]


@pytest.fixture()
def bench():
    return Workbench(pipeline(), target="npu1_4col", progress=False)


def held_help(wb: Workbench, task: str) -> dict:
    """Pick ``task`` up and wait for the whole help."""
    wb.editor.pick_up(task)
    assert wb.editor._lookahead.join(30)
    assert wb.editor.held["done"]
    return wb.editor.held


def compile_problem(wb: Workbench, placement: dict) -> str:
    """What ``dato.compile`` says of a placement ("" when it maps)."""
    try:
        dato.compile(wb.region, target=wb.target, placement=placement)
    except dato.DatoError as error:
        return error.message
    return ""


# -- legal and illegal tiles -----------------------------------------------------------------


def test_the_tiles_marked_legal_are_those_a_drop_accepts_with_the_same_reasons(bench):
    editor = bench.editor
    sent = Recorder(editor)
    reasons = dict(held_help(bench, "consumer")["tiles"])
    (legal,) = sent.of("legal")
    assert legal["tiles"] == reasons and legal["home"] == editor.placement["consumer"]
    model = editor.model
    assert len(reasons) == model["columns"] * model["rows"]  # every tile, in one message
    assert "" in reasons.values() and any(reasons.values())
    for key, reason in reasons.items():
        tile = [int(x) for x in key.split(",")]
        candidate = editor._moved(editor.placement, "consumer", tile)
        assert compile_problem(bench, candidate) == reason, key
        accepted = editor.move("consumer", tile)
        assert accepted == (reason == "") and editor.error == reason, key
        if accepted and tile != legal["home"]:
            editor.undo()
    assert "(1, 0) is a shim tile: 'consumer' can only run on a compute tile" in reasons["1,0"]
    assert "(2, 1) is a memory tile" in reasons["2,1"]


def test_the_home_tile_and_a_swap_with_the_other_task_are_legal(bench):
    tiles = held_help(bench, "consumer")["tiles"]
    home, other = bench.editor.placement["consumer"], bench.editor.placement["producer"]
    assert tiles[f"{home[0]},{home[1]}"] == "" and tiles[f"{other[0]},{other[1]}"] == ""


# -- predictions in the background -------------------------------------------------------------


def test_every_legal_tile_gets_its_predicted_cycles_and_the_fastest_is_best(bench):
    sent = Recorder(bench.editor)
    held = held_help(bench, "consumer")
    legal = {k for k, r in held["tiles"].items() if not r}
    assert set(held["cycles"]) == legal
    predictions = sent.of("prediction", held["pickup"])
    assert [f"{m['tile'][0]},{m['tile'][1]}" for m in predictions][0] == "{},{}".format(
        *held["home"]
    )  # nearest first: where it is, at the current cycles
    assert predictions[0]["cycles"] == bench.perf.cycles
    fastest_so_far = []
    for m in predictions:
        key = f"{m['tile'][0]},{m['tile'][1]}"
        fastest_so_far.append((m["cycles"], key))
        assert m["cycles"] == held["cycles"][key]
        assert held["cycles"]["{},{}".format(*m["best"])] == min(fastest_so_far)[0]
    assert held["best"] == "{},{}".format(*predictions[-1]["best"])
    assert sent.of("predicted", held["pickup"])  # the end of the stream
    key = next(k for k in legal if k != "{},{}".format(*held["home"]))
    tile = [int(x) for x in key.split(",")]
    placement = bench.editor._moved(bench.editor.placement, "consumer", tile)
    program = dato.compile(bench.region, target=bench.target, placement=placement)
    assert program.run(backend="perf", values=False).cycles == held["cycles"][key]
    bench.editor.move("consumer", tile)  # the drop uses the timing predicted for it
    assert bench.perf.cycles == held["cycles"][key]
    assert bench.editor.status.startswith(f"{held['cycles'][key]:,} cycles")


def test_a_pick_up_returns_at_once_and_a_move_cancels_its_predictions():
    wb = Workbench(whole_array_gemm(*GEMM), target="npu1_4col", progress=False)
    editor = wb.editor
    sent = Recorder(editor)
    editor.pick_up("core_0_0")
    job = editor.held
    assert not job["done"]  # the kernel is free while the job runs
    deadline = time.monotonic() + 30
    while len(sent.of("prediction")) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert editor.move("core_0_0", [1, 2])  # handled while the job runs; it cancels the job
    at_move = len(sent.sent)
    assert editor._lookahead.join(10)
    assert len(sent.sent) == at_move  # nothing sent once cancelled
    assert not job["done"] and editor.held is None
    legal = [k for k, r in job["tiles"].items() if not r]
    assert len(job["cycles"]) < len(legal)
    assert not sent.of("predicted")


def test_the_next_pick_up_cancels_the_last_one():
    wb = Workbench(whole_array_gemm(*GEMM), target="npu1_4col", progress=False)
    editor = wb.editor
    sent = Recorder(editor)
    editor.pick_up("core_0_0")
    first = editor.held
    editor.pick_up("core_1_1")
    second = editor.held
    assert editor._lookahead.join(60) and second["done"] and not first["done"]
    assert not sent.of("predicted", first["pickup"])
    assert sent.of("predicted", second["pickup"])
    assert {m["task"] for m in sent.of("legal")} <= {"core_0_0", "core_1_1"}
    assert sent.sent[-1] == {"kind": "predicted", "pickup": second["pickup"]}


def test_a_cancelled_prediction_stops_inside_the_simulation(bench):
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        bench.program.run(backend="perf", values=False, progress=stopper(stop))


def test_putting_a_chip_down_stops_the_help(bench):
    sent = Recorder(bench.editor)
    bench.editor._handle_custom_msg({"kind": "pickup", "task": "producer"}, [])
    bench.editor._handle_custom_msg({"kind": "putdown"}, [])
    assert bench.editor.held is None and bench.editor._lookahead.join(10)
    assert not sent.of("predicted")


# -- keyboard moves -------------------------------------------------------------------------------


def test_an_arrow_key_moves_the_chip_to_the_neighbouring_tile(bench):
    editor = bench.editor
    col, row = editor.placement["consumer"]
    editor._handle_custom_msg({"kind": "nudge", "task": "consumer", "direction": "up"}, [])
    assert editor.error == "" and editor.placement["consumer"] == [col, row + 1]
    assert bench.program.mapping.placement["consumer"] == (col, row + 1)
    editor.nudge("consumer", "down")
    assert editor.placement["consumer"] == [col, row] and editor.can_undo


def test_a_keyboard_move_is_validated_as_a_drop(bench):
    editor = bench.editor
    editor.placement = {"producer": [0, 2], "consumer": [1, 2]}
    before = dict(editor.placement)
    assert not editor.nudge("consumer", "down")  # onto the memory tile below
    assert editor.error == compile_problem(bench, {"producer": (0, 2), "consumer": (1, 1)})
    assert "tile (1, 1) is a memory tile" in editor.error and editor.placement == before
    assert not editor.nudge("producer", "left")  # off the array
    assert "tile (-1, 2) for 'producer' is outside the npu1_4col array" in editor.error
    editor._handle_custom_msg({"kind": "nudge", "task": "consumer", "direction": "north"}, [])
    assert editor.error == (
        "'nudge' message: 'direction' must be one of left, right, up, down, not 'north'"
    )
    assert editor.placement == before


def test_a_chip_held_from_the_keyboard_stays_held_on_its_new_tile(bench):
    sent = Recorder(bench.editor)
    bench.editor.placement = {"producer": [0, 2], "consumer": [1, 2]}
    held_help(bench, "consumer")
    bench.editor.nudge("consumer", "right")
    assert bench.editor._lookahead.join(30)
    assert bench.editor.held["task"] == "consumer" and bench.editor.held["home"] == [2, 2]
    assert sent.of("legal")[-1]["home"] == [2, 2]


# -- the history of placements tried ---------------------------------------------------------------


def test_every_placement_tried_is_listed_with_its_cycles_or_its_refusal(bench):
    editor, history = bench.editor, bench.history
    editor.placement = {"producer": [0, 2], "consumer": [0, 3]}
    first = bench.perf.cycles
    assert not editor.move("consumer", [1, 0])
    editor.move("consumer", [3, 5])
    far = bench.perf.cycles
    editor.undo()  # back to a placement listed already: not listed again
    entries = history.entries
    assert [e["number"] for e in entries] == [1, 2, 3, 4]
    assert entries[0]["label"] == "as compiled"
    assert entries[1]["label"] == "consumer \u2192 0,3" and entries[1]["cycles"] == first
    assert entries[2]["cycles"] is None
    assert entries[2]["refusal"].startswith("tile (1, 0) is a shim tile")
    assert entries[3]["label"] == "consumer \u2192 3,5" and entries[3]["cycles"] == far
    assert [e["current"] for e in entries] == [False, True, False, False]


def test_clicking_an_entry_restores_its_placement_as_undo_does(bench):
    editor, history = bench.editor, bench.history
    editor.move("consumer", [3, 5])
    editor.move("consumer", [2, 4])
    history._handle_custom_msg({"kind": "restore", "entry": 2}, [])
    assert editor.placement["consumer"] == [3, 5] and editor.can_redo  # as one undo
    assert bench.program.mapping.placement["consumer"] == (3, 5)
    assert [e["current"] for e in history.entries] == [False, True, False]
    history.restore(1)
    assert not editor.can_undo and history.entries[0]["current"]


def test_a_refused_entry_cannot_be_restored_nor_compared(bench):
    history = bench.history
    bench.editor.move("consumer", [1, 0])
    placement = dict(bench.editor.placement)
    assert not history.restore(2)
    assert history.error.startswith("placement #2 was refused: tile (1, 0) is a shim tile")
    history.compare([1, 2])
    assert history.error == "placement #2 was refused: only timed ones are compared"
    assert history.comparison == "" and bench.editor.placement == placement
    history._handle_custom_msg({"kind": "restore", "entry": 7}, [])
    assert history.error == "there is no placement #7; they are numbered 1-2"
    history._handle_custom_msg({"kind": "compare", "entries": "1,2"}, [])
    assert history.error == (
        "'compare' message: 'entries' must be a list of at most two entry numbers, not '1,2'"
    )
    history._handle_custom_msg({"kind": "forget"}, [])
    assert history.error == (
        "unknown history message kind 'forget'; the kinds are: compare, restore"
    )


def test_two_placements_compared_share_one_time_axis_and_mark_what_differs(bench):
    editor, history = bench.editor, bench.history
    editor.move("consumer", [3, 5])  # far from the producer: slower
    history._handle_custom_msg({"kind": "compare", "entries": [1, 2]}, [])
    assert history.error == "" and history.compared == [1, 2]
    html = history.comparison
    a, b = (e["cycles"] for e in history.entries)
    assert f"A: #1 as compiled &middot; {a:,} cycles" in html
    assert f"B: #2 consumer \u2192 3,5 &middot; {b:,} cycles" in html
    assert html.count("<svg") == 2
    span = f">{max(a, b):,}</text>"  # both axes end at the longer run's cycles
    assert html.count(span) == 2
    differs = [line for line in html.split("<li") if "dato-differs" in line]
    assert any("tile 3,5 compute (consumer)" in line for line in differs)
    same = [line for line in html.split("<li") if 'class="">' in line]
    assert any("tile 0,0 shim" in line for line in same) or same
    history.compare([])
    assert history.comparison == ""


# -- the Code view, generated when opened -------------------------------------------------------


def test_the_code_view_is_generated_when_opened_and_once_per_placement(bench):
    assert bench.code.value == "" and not bench._designs  # closed: nothing generated
    bench.editor.move("consumer", [3, 5])
    assert not bench._designs
    bench.sections.selected_index = CODE
    assert "aie.device(npu1)" in bench.code.value and len(bench._designs) == 1
    bench.selected.value = "producer"  # another core marked, from the same text
    assert len(bench._designs) == 1 and "dato-core" in bench.code.value
    bench.editor.undo()  # open: the new placement's design now
    assert len(bench._designs) == 2
    bench.editor.redo()
    assert len(bench._designs) == 2  # generated before: taken from the cache
    assert "placement={&quot;consumer&quot;: (3, 5)" in bench.code.value  # this placement's


def test_without_timing_there_are_no_predictions_and_nothing_to_compare():
    wb = Workbench(pipeline(), target="npu1_4col", backend="sim", progress=False)
    sent = Recorder(wb.editor)
    held = held_help(wb, "consumer")
    assert held["cycles"] == {} and [m["kind"] for m in sent.sent] == ["legal", "predicted"]
    wb.editor.move("consumer", [3, 5])
    assert [e["cycles"] for e in wb.history.entries] == [None, None]
    wb.history.compare([1, 2])
    assert wb.history.error == "placement #1 has no timing: only timed ones are compared"
