"""Malformed messages to the placement editor, delivered as the front end's comm messages
arrive: each is refused with the reason in ``error``, the chip snaps back (``revision``) and the
last good placement, program and timing are kept."""

from __future__ import annotations

import pytest

from datobench.programs import pipeline
from datobench.widgets import Workbench


@pytest.fixture(scope="module")
def workbench():
    return Workbench(pipeline(), target="npu1_4col", progress=False)


def send(workbench: Workbench, message) -> str:
    """Deliver ``message`` as the front end does; the reason it was refused."""
    editor = workbench.editor
    placement, program, revision = dict(editor.placement), workbench.program, editor.revision
    editor._handle_custom_msg(message, [])
    assert editor.placement == placement and workbench.program is program
    assert editor.revision == revision + 1
    return editor.error


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (
            {"kind": "move", "task": "consumer", "tile": ["x", 2]},
            "'move' message: 'tile' must be a tile [column, row] of two integers, not ['x', 2]",
        ),
        (
            {"kind": "move", "task": "consumer"},
            "'move' message without 'tile': it must be a tile [column, row] of two integers",
        ),
        (
            {"kind": "move", "task": "consumer", "tile": [2.5, 3]},
            "'move' message: 'tile' must be a tile [column, row] of two integers, not [2.5, 3]",
        ),
        (
            {"kind": "move", "task": "consumer", "tile": [1, 2, 3]},
            "'move' message: 'tile' must be a tile [column, row] of two integers, not [1, 2, 3]",
        ),
        (
            {"kind": "move", "task": 7, "tile": [1, 2]},
            "'move' message: 'task' must be an instance name (a non-empty string), not 7",
        ),
        (
            {"kind": "move", "tile": [1, 2]},
            "'move' message without 'task': it must be an instance name (a non-empty string)",
        ),
        (
            {"kind": "teleport"},
            "unknown editor message kind 'teleport'; the kinds are: "
            "move, nudge, pickup, putdown, redo, undo",
        ),
        (
            {},
            "unknown editor message kind None; the kinds are: "
            "move, nudge, pickup, putdown, redo, undo",
        ),
        (["move"], "an editor message is an object with a 'kind', not list"),
        ({"kind": "undo", "steps": 3}, "'undo' message: unknown field 'steps'"),
    ],
)
def test_a_malformed_message_is_answered_with_the_reason(workbench, message, reason):
    assert send(workbench, message) == reason


def test_the_editor_still_works_after_malformed_messages(workbench):
    send(workbench, {"kind": "move", "task": "consumer", "tile": ["x", 2]})
    workbench.editor._handle_custom_msg({"kind": "move", "task": "consumer", "tile": [3, 5]}, [])
    assert workbench.editor.error == ""
    assert workbench.program.mapping.placement["consumer"] == (3, 5)


def test_a_move_from_python_with_a_bad_tile_is_refused(workbench):
    placement = dict(workbench.editor.placement)
    assert not workbench.editor.move("consumer", "ab")
    assert workbench.editor.error == (
        "'move' message: 'tile' must be a tile [column, row] of two integers, not 'ab'"
    )
    assert workbench.editor.placement == placement


@pytest.mark.parametrize(
    ("placement", "reason"),
    [
        (
            {"producer": [0, 3], "consumer": "far"},
            "the placement of 'consumer' must be a tile [column, row] of two integers, not 'far'",
        ),
        (
            {"producer": [0, 3], 5: [0, 4]},
            "a placement's keys must be instance names (non-empty strings), not 5",
        ),
    ],
)
def test_a_malformed_placement_from_code_is_refused(workbench, placement, reason):
    before = dict(workbench.editor.placement)
    workbench.editor.placement = placement
    assert workbench.editor.placement == before
    assert workbench.editor.error == reason
