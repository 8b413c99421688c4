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


TILE = "a tile [column, row] of two integers"
NAME = "an instance name (a non-empty string)"

SCHEMA: dict[str, dict[str, tuple[Callable[[object], bool], str]]] = {
    "move": {"task": (_is_name, NAME), "tile": (is_tile, TILE)},
    "undo": {},
    "redo": {},
}


def problem(message: object) -> str | None:
    """What is wrong with a message from the front end, or None when it follows the schema."""
    if not isinstance(message, dict):
        return f"an editor message is an object with a 'kind', not {type(message).__name__}"
    kind = message.get("kind")
    if not isinstance(kind, str) or kind not in SCHEMA:
        return f"unknown editor message kind {kind!r}; the kinds are: {', '.join(sorted(SCHEMA))}"
    fields = SCHEMA[kind]
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
