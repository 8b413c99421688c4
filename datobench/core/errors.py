"""The user-facing error hierarchy.

Every error the compiler raises for a user's mistake is a ``DatoError`` carrying a source
location; its message shows ``file:line:col``, the user's source line and a caret. Errors are
raised with the compiler's own frames removed (see ``user_facing``). A failure of datobench
itself is an ``InternalError`` at the user's line that names the compiler function that failed
(``located`` makes one from any exception).
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


# How an environment names the places in its own sources, for example a notebook's cells as
# "cell [3] line 9, column 5" (set by the IPython extension, ``datobench/magics.py``): a
# function of the Loc, or None for file:line:column.
place_namer: Callable[[Loc], str | None] | None = None


@dataclass(frozen=True)
class Loc:
    """A position in the user's source: 1-based line, 0-based column."""

    file: str
    line: int
    col: int = 0

    def __str__(self) -> str:
        if place_namer is not None:
            named = place_namer(self)
            if named is not None:
                return named
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
    """A backend cannot run here because a tool, device or built artefact is missing: says
    what is missing and how to get it."""


class CapabilityError(DatoError):
    """The program is valid, but this backend, mode or target cannot run it: says what to do
    instead (e.g. time with values=True)."""


class TargetError(DatoError):
    """A target name that does not exist, or a target file that does not hold together: names
    the file, the entry and what it allows."""


class InternalError(DatoError):
    """datobench itself failed (a bug in datobench, not a mistake in the user's program): says
    what failed and where, at the user's line that was being compiled."""

    @classmethod
    def failed(
        cls, what: str, loc: Loc | None = None, notes: tuple[str, ...] = ()
    ) -> InternalError:
        """An internal failure: ``what`` happened; ``notes`` say where, or show the evidence."""
        return cls(f"internal failure of datobench: {what}", loc, (*notes, _REPORT))

    @classmethod
    def from_exception(cls, error: BaseException, loc: Loc | None) -> InternalError:
        """An exception that escaped datobench's code, as an internal failure at ``loc``.

        The original stays reachable as ``__context__`` (it is not printed)."""
        where = _failing_function(error.__traceback__)
        notes = (f"raised in {where}",) if where else ()
        return cls.failed(f"{type(error).__name__}: {error}", loc, notes)


_REPORT = "this is a bug in datobench, not in your program: please report it with this message"


for _cls in (
    DatoError,
    DatoSyntaxError,
    DatoTypeError,
    DatoRuntimeError,
    MappingError,
    DeadlockError,
    BackendUnavailable,
    CapabilityError,
    TargetError,
    InternalError,
):
    _cls.__module__ = "datobench"  # tracebacks print datobench.DatoTypeError


def _is_internal(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)


def located(error: Exception, loc: Loc) -> DatoError:
    """What to raise for ``error``, met while compiling the user's code at ``loc``: a DatoError
    gets that location unless it has one; any other exception is a failure of datobench itself
    and becomes an ``InternalError`` there. Raise the result ``from None``."""
    if isinstance(error, DatoError):
        return error.at(loc)
    return InternalError.from_exception(error, loc)


def _failing_function(tb) -> str | None:
    """The innermost function of datobench in a traceback, as ``module.function, line N``."""
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if _is_internal(code.co_filename):
            found = (code.co_filename, code.co_qualname, tb.tb_lineno)
        tb = tb.tb_next
    if found is None:
        return None
    filename, function, line = found
    relative = os.path.relpath(os.path.abspath(filename), os.path.dirname(_PACKAGE_DIR))
    module = os.path.splitext(relative)[0].replace(os.sep, ".")
    return f"{module}.{function}, line {line}"


def user_traceback(tb: TracebackType | None) -> TracebackType | None:
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
    """Decorate a public entry point so its DatoErrors show only the user's frames, and are
    located at the user's call when nothing more precise located them."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        __tracebackhide__ = True  # noqa: F841  (honoured by IPython and pytest)
        try:
            return func(*args, **kwargs)
        except DatoError as error:
            if error.loc is None:
                error.loc = caller_loc()
            raise error.with_traceback(user_traceback(error.__traceback__)) from None

    return wrapper


def is_user_facing(func: object) -> bool:
    """Whether ``func`` is an entry point wrapped by ``user_facing``."""
    code = getattr(func, "__code__", None)
    return code is _WRAPPER_CODE


_WRAPPER_CODE = user_facing(lambda: None).__code__


def caller_loc() -> Loc | None:
    """The innermost stack frame outside datobench: where the user called us."""
    frame = sys._getframe(1)
    # "<string>": code that dataclasses generate (a frozen record's __init__ calling its checks)
    while frame is not None and (
        _is_internal(frame.f_code.co_filename) or frame.f_code.co_filename == "<string>"
    ):
        frame = frame.f_back
    if frame is None:
        return None
    return Loc(frame.f_code.co_filename, frame.f_lineno, 0)
