"""The user-facing error hierarchy.

Every error the compiler raises for a user's mistake is a ``DatoError`` carrying a source
location; its message shows ``file:line:col``, the user's source line and a caret. Errors are
raised with the compiler's own frames removed (see ``user_facing``).
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import ParamSpec, TypeVar

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class Loc:
    """A position in the user's source: 1-based line, 0-based column."""

    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col + 1}"

    def source_line(self) -> str:
        return linecache.getline(self.file, self.line).rstrip("\n")


class DatoError(Exception):
    """Base class of every error datobench reports about a user's program."""

    def __init__(self, message: str, loc: Loc | None = None, notes: tuple[str, ...] = ()):
        self.message = message
        self.loc = loc
        self.notes = tuple(notes)
        super().__init__(message)

    def at(self, loc: Loc) -> DatoError:
        """Attach a location if the error has none yet."""
        if self.loc is None:
            self.loc = loc
        return self

    def __str__(self) -> str:
        lines = []
        if self.loc is not None:
            lines.append(f"{self.loc}: {self.message}")
            text = self.loc.source_line()
            if text:
                stripped = text.lstrip()
                indent = len(text) - len(stripped)
                lines.append(f"    {stripped}")
                lines.append("    " + " " * max(self.loc.col - indent, 0) + "^")
        else:
            lines.append(self.message)
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)


class DatoSyntaxError(DatoError):
    """The task body uses Python that the Dato subset does not accept."""


class DatoTypeError(DatoError):
    """Types, shapes, names or stream wiring do not check."""


class DatoRuntimeError(DatoError):
    """A program failed while being simulated (e.g. an out-of-range index)."""


class MappingError(DatoError):
    """A placement or resource limit of the target is broken."""


class DeadlockError(DatoError):
    """Every live task instance is blocked on a stream."""


class BackendUnavailable(DatoError):
    """A backend cannot run here: says what is missing and how to get it."""


for _cls in (
    DatoError,
    DatoSyntaxError,
    DatoTypeError,
    DatoRuntimeError,
    MappingError,
    DeadlockError,
    BackendUnavailable,
):
    _cls.__module__ = "datobench"  # tracebacks print datobench.DatoTypeError


def _is_internal(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)


def _user_traceback(tb: TracebackType | None) -> TracebackType | None:
    """The traceback with every frame inside datobench removed."""
    frames = []
    while tb is not None:
        if not _is_internal(tb.tb_frame.f_code.co_filename):
            frames.append(tb)
        tb = tb.tb_next
    result = None
    for entry in reversed(frames):
        result = type(entry)(result, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return result


def user_facing(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a public entry point so its DatoErrors show only the user's frames."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        __tracebackhide__ = True  # noqa: F841  (honoured by IPython and pytest)
        try:
            return func(*args, **kwargs)
        except DatoError as error:
            raise error.with_traceback(_user_traceback(error.__traceback__)) from None

    return wrapper


def caller_loc() -> Loc | None:
    """The innermost stack frame outside datobench: where the user called us."""
    frame = sys._getframe(1)
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return None
    return Loc(frame.f_code.co_filename, frame.f_lineno, 0)
