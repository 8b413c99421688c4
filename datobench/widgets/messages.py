"""The messages the placement editor's front end sends, and the one schema they must follow.

Each kind lists its fields with the check its value must pass and what the check expects.
``problem`` says what is wrong with a message (``None`` when it is well formed), so that the
editor answers a malformed message with the reason and keeps its last good state.
"""

from __future__ import annotations

from collections.abc import Callable


def is_tile(value: object) -> bool:
    """A tile as the front end names it: ``[column, row]``, two integers."""
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) for x in value)
    )


def _is_name(value: object) -> bool:
    return isinstance(value, str) and value != ""


# a keyboard move's direction -> (columns, rows) to step; row 0 is drawn at the bottom
DIRECTIONS = {"left": (-1, 0), "right": (1, 0), "up": (0, 1), "down": (0, -1)}

TILE = "a tile [column, row] of two integers"
NAME = "an instance name (a non-empty string)"
DIRECTION = f"one of {', '.join(DIRECTIONS)}"

Schema = dict[str, dict[str, tuple[Callable[[object], bool], str]]]

SCHEMA: Schema = {
    "move": {"task": (_is_name, NAME), "tile": (is_tile, TILE)},
    "pickup": {"task": (_is_name, NAME)},  # a chip was picked up: show where it may go
    "putdown": {},  # ... and put down where it was
    "nudge": {"task": (_is_name, NAME), "direction": (lambda d: d in DIRECTIONS, DIRECTION)},
    "undo": {},
    "redo": {},
}


def problem(message: object, schema: Schema = SCHEMA, who: str = "an editor") -> str | None:
    """What is wrong with a message from a front end (the editor's, or that of another view,
    ``who`` with its article, following ``schema``), or None when it follows the schema."""
    if not isinstance(message, dict):
        return f"{who} message is an object with a 'kind', not {type(message).__name__}"
    kind = message.get("kind")
    if not isinstance(kind, str) or kind not in schema:
        view = who.split(" ", 1)[1]
        return f"unknown {view} message kind {kind!r}; the kinds are: {', '.join(sorted(schema))}"
    fields = schema[kind]
    for field, (check, expected) in fields.items():
        if field not in message:
            return f"'{kind}' message without '{field}': it must be {expected}"
        if not check(message[field]):
            return f"'{kind}' message: '{field}' must be {expected}, not {message[field]!r}"
    extra = sorted(set(message) - {"kind", *fields})
    if extra:
        return f"'{kind}' message: unknown field {', '.join(map(repr, extra))}"
    return None


def placement_problem(placement: object) -> str | None:
    """What is wrong with a placement given to the editor, or None: instance -> tile."""
    if not isinstance(placement, dict):
        return f"a placement maps instance names to tiles, not {type(placement).__name__}"
    for name, tile in placement.items():
        if not _is_name(name):
            return f"a placement's keys must be instance names (non-empty strings), not {name!r}"
        if not is_tile(tile):
            return f"the placement of '{name}' must be {TILE}, not {tile!r}"
    return None
