"""The catalogue of error messages: every message datobench raises appears in some test.

The catalogue walks datobench's source with ``ast`` and collects each raise site of a
``DatoError`` subclass: the class is constructed with a message, and the message's literal text
(of a string, an f-string, a helper function that builds it, or a table of messages) is what a
test must quote. A site counts as tested when a string in a test file shares ``WINDOW``
characters with the message that no other message has, or matches the message's start (its
first letters, with placeholders matching anything). The few sites no user can reach are
listed in ``UNREACHABLE`` with the reason, and the one too slow to provoke in ``TOO_SLOW``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import datobench

PACKAGE = Path(datobench.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent
MIN_TEXT = 10  # shorter runs ("region parameter '") say too little to identify a message
WINDOW = 20  # a test quotes a message when it holds this many characters only that message has
PATTERN_LETTERS = 16  # ...or when it holds this many letters of the message's start
_EDGES = " \n'\"`:;,.()[]{}"

# (file under datobench/, literal text of the message) -> why no user input reaches it
UNREACHABLE = {
    (
        "core/frontend/semantics.py",
        "is not a number",
    ): "literal() is only given the bools, ints and floats that the visitor accepted, or the "
    "number that folding two of them gives",
    (
        "core/passes/place.py",
        "nodes need more compute tiles than the",
    ): "the mapper merges nodes down to the compute-tile count before placing them, and pinned "
    "nodes take distinct tiles, so the unpinned ones always fit the free tiles",
}
# (file, text) -> why a test would be too slow for the unit suite
TOO_SLOW = {
    (
        "visual/graph.py",
        "Graphviz took over 30 s to lay out the task graph",
    ): "the limit is a fixed 30 s: a test would wait that long for a stalled dot",
}
EXEMPT = {**UNREACHABLE, **TOO_SLOW}
# error classes that report the compiler's own broken invariants, never a user's mistake
INTERNAL = {"InternalError"}


@dataclass(frozen=True)
class Site:
    """One place where datobench builds a user-facing error, and the literal runs of its text."""

    file: str  # relative to the package directory
    line: int
    error: str  # the class constructed
    runs: tuple[str, ...]
    pattern: str | None = None  # a regular expression for the message's start

    @property
    def text(self) -> str:
        """The run that names the site in a failure listing: its longest."""
        return max(self.runs, key=len, default="")

    def __str__(self) -> str:
        return f"datobench/{self.file}:{self.line}: {self.error}: {self.text or self.pattern!r}"


def _runs_of(node: ast.AST) -> list[str]:
    """The literal runs of every string and f-string in ``node``'s subtree."""
    runs = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):  # f-strings' parts too
            runs.append(sub.value)
    texts = (run.strip(_EDGES) for run in runs)
    return list(dict.fromkeys(text for text in texts if len(text) >= MIN_TEXT))


def _error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """Names of DatoError and of every class in the package that derives from one, but for
    the INTERNAL ones."""
    names = {"DatoError"}
    while True:
        more = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any(isinstance(b, ast.Name) and b.id in names for b in node.bases)
        }
        if more <= names:
            return names - INTERNAL
        names |= more


class _Scope:
    """The definitions a message may be built from: the module's functions and methods, its
    tables of messages, and the assignments of the function that raises."""

    def __init__(self, tree: ast.Module):
        self.functions: dict[str, ast.FunctionDef] = {}
        self.tables: dict[str, ast.Dict] = {}
        self._following: set[str] = set()  # the local names being followed
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                self.functions.setdefault(node.name, node)
        self.constants: dict[str, ast.expr] = {}  # module-level message texts
        for node in tree.body:
            if isinstance(node, ast.Assign) and _is_message_table(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.tables[target.id] = node.value
            elif isinstance(node, ast.Assign) and isinstance(
                node.value, ast.Constant | ast.JoinedStr
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.constants[target.id] = node.value

    def message_runs(
        self,
        expr: ast.expr,
        enclosing: ast.FunctionDef | None,
        tables: list[ast.Dict],
        interpolated: bool = False,
    ) -> list[str]:
        """The literal runs of the message ``expr`` builds: its strings, those of the helper
        functions whose result it is, and of the local names it is made of; a name interpolated
        into an f-string counts only where it is assigned text (not a call's value, which is a
        tile or a type). The tables of messages it reads are added to ``tables``."""
        if isinstance(expr, ast.Constant):
            return _runs_of(expr)
        if isinstance(expr, ast.JoinedStr):
            runs = []
            for value in expr.values:  # not the code inside the placeholders
                if isinstance(value, ast.Constant):
                    runs += _runs_of(value)
                elif isinstance(value.value, ast.Name):
                    runs += self.message_runs(value.value, enclosing, tables, interpolated=True)
            return runs
        if isinstance(expr, ast.BinOp):
            return self.message_runs(expr.left, enclosing, tables) + self.message_runs(
                expr.right, enclosing, tables
            )
        if isinstance(expr, ast.IfExp):
            return self.message_runs(expr.body, enclosing, tables) + self.message_runs(
                expr.orelse, enclosing, tables
            )
        if isinstance(expr, ast.Name):
            if expr.id in self.tables:
                tables.append(self.tables[expr.id])
            if expr.id in self._following:  # message = f"{message} ..."
                return []
            self._following.add(expr.id)
            values = _assigned(enclosing, expr.id)
            if not values and expr.id in self.constants:  # a module's message constant
                values = [self.constants[expr.id]]
            runs = [
                run
                for value in values
                if not (interpolated and isinstance(value, ast.Call))
                for run in self.message_runs(value, enclosing, tables, interpolated)
            ]
            self._following.discard(expr.id)
            return runs
        if isinstance(expr, ast.Call):
            func = expr.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                self.message_runs(func.value, enclosing, tables)  # a table's .get(...)
            helper = self.functions.get(name)
            runs = [r for a in expr.args[1:] for r in self.message_runs(a, enclosing, tables)]
            if helper is not None and helper is not enclosing:
                runs += [r for stmt in _without_docstring(helper.body) for r in _runs_of(stmt)]
            return runs
        return []


def _assigned(function: ast.FunctionDef | None, name: str) -> list[ast.expr]:
    """The values assigned to local ``name`` in ``function``."""
    if function is None:
        return []
    values = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            values.append(node.value)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and node.value is not None:
            if isinstance(node.target, ast.Name) and node.target.id == name:
                values.append(node.value)
    return values


def _is_message_table(node: ast.expr) -> bool:
    """A module-level dict whose values are all messages (not names or short words)."""
    return isinstance(node, ast.Dict) and all(
        isinstance(v, ast.Constant) and isinstance(v.value, str) and len(v.value) >= MIN_TEXT
        for v in node.values
    )


def _leading_string(expr: ast.expr) -> ast.Constant | ast.JoinedStr | None:
    """The string or f-string a message expression starts with."""
    if isinstance(expr, ast.Constant | ast.JoinedStr):
        return expr
    if isinstance(expr, ast.BinOp):
        return _leading_string(expr.left) or _leading_string(expr.right)
    if isinstance(expr, ast.IfExp):
        return _leading_string(expr.body)
    return None


def _pattern(message: ast.expr) -> str | None:
    """A regular expression for the start of a message: its first PATTERN_LETTERS letters and
    the placeholders among them, which match anything (all of a shorter message; None for one
    without letters, whose other text must be quoted)."""
    lead = _leading_string(message)
    if isinstance(lead, ast.Constant):
        return re.escape(str(lead.value).strip(_EDGES))
    if lead is None:
        return None
    pattern, letters = "", 0
    for value in lead.values:
        if not isinstance(value, ast.Constant):
            pattern += ".+"
            continue
        text = value.value
        for n, char in enumerate(text):
            letters += char.isalnum()
            if letters >= PATTERN_LETTERS and not text[n + 1 : n + 2].isalnum():
                return pattern + re.escape(text[: n + 1])
        pattern += re.escape(text)
    return pattern.removesuffix(".+") if letters else None


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return body[1:]
    return body


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, ast.FunctionDef]:
    """Each node -> the innermost function defining it."""
    owner: dict[ast.AST, ast.FunctionDef] = {}

    def visit(node: ast.AST, function: ast.FunctionDef | None):
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef) else function
            if function is not None:
                owner[child] = function
            visit(child, inner)

    visit(tree, None)
    return owner


@cache
def sites() -> tuple[Site, ...]:
    """Every raise site in the package (the error classes' own module aside)."""
    trees = {
        str(path.relative_to(PACKAGE)): ast.parse(path.read_text(), str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    classes = _error_classes(trees)
    found = []
    for file, tree in trees.items():
        if file == "core/errors.py":
            continue
        scope = _Scope(tree)
        owner = _enclosing_functions(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args and _called(node) in classes):
                continue
            message = node.args[0]
            tables: list[ast.Dict] = []
            runs = scope.message_runs(message, owner.get(node), tables)
            pattern = _pattern(message)
            for table in {id(t): t for t in tables}.values():  # one site per message
                for value in table.values:
                    found.append(
                        Site(
                            file,
                            value.lineno,
                            _called(node),
                            tuple(_runs_of(value)),
                            _pattern(value),
                        )
                    )
            found.append(Site(file, node.lineno, _called(node), tuple(runs), pattern))
    return tuple(found)


def _called(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


@cache
def _test_strings() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The strings of the test files (this one and docstrings aside): their literal runs, and
    each string whole with an f-string's placeholders shown as ``…`` (for the patterns)."""
    runs, whole = set(), set()
    for path in TESTS.rglob("*.py"):
        if path.resolve() == Path(__file__).resolve():
            continue
        tree = ast.parse(path.read_text(), str(path))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                whole.add(node.value)
                runs.update(_runs_of(node))
            elif isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "…" for v in node.values)
                whole.add(text)
                runs.update(_runs_of(node))
    return tuple(sorted(runs)), tuple(sorted(whole))


@cache
def _quoted_windows() -> frozenset[str]:
    runs, _ = _test_strings()
    return frozenset(w for t in runs for w in _windows(t))


def _windows(text: str) -> set[str]:
    return {text[i : i + WINDOW] for i in range(len(text) - WINDOW + 1)}


@cache
def _distinctive_windows() -> dict[tuple, frozenset[str]]:
    """For each message (the runs and start of one or more sites that say the same), its
    windows that no other message holds: " have different element types" is in two messages,
    so it tells neither apart."""
    messages = {(site.runs, site.pattern) for site in sites()}
    owners: dict[str, set[tuple]] = {}
    for message in messages:
        for run in message[0]:
            for size in (WINDOW - 2, WINDOW - 1, WINDOW):  # a window stripped of spaces
                for i in range(len(run) - size + 1):
                    owners.setdefault(run[i : i + size], set()).add(message)
    return {
        message: frozenset(
            w for run in message[0] for w in _windows(run) if len(owners[w.strip()]) == 1
        )
        for message in messages
    }


def is_tested(site: Site) -> bool:
    """Some test string holds WINDOW characters of the site's message that no other message
    has, or matches the pattern of its start (or, for a message without a pattern, holds one of
    its runs)."""
    own = _distinctive_windows().get((site.runs, site.pattern))
    if own is None:  # a message not in the package
        own = {w for run in site.runs for w in _windows(run)}
    if not own.isdisjoint(_quoted_windows()):
        return True
    runs, whole = _test_strings()
    if site.pattern is not None:
        return any(re.search(site.pattern, t) for t in whole)
    return any(run in t for run in site.runs for t in runs)


def _exemption(site: Site) -> tuple[str, str] | None:
    for file, text in EXEMPT:
        if file == site.file and any(text in run for run in site.runs):
            return file, text
    return None


def test_the_catalogue_finds_the_raise_sites():
    found = sites()
    assert len(found) > 150
    files = {site.file for site in found}
    for file in (
        "core/frontend/task.py",
        "core/passes/place.py",
        "core/sim/scheduler.py",
        "core/targets/__init__.py",
        "core/runtime/xrt.py",
        "magics.py",
    ):
        assert file in files
    texts = {run for site in found for run in site.runs}
    assert any("loops are not supported in a task body" in text for text in texts)  # a table
    assert "not ERT_CMD_STATE_COMPLETED; its outputs were not read back" in texts  # via a method
    assert "used of" not in texts  # too short to count


def test_the_catalogue_tells_quoted_messages_from_others():
    quoted = Site("x.py", 1, "DatoError", ("a region body holds only stream declarations",))
    assert is_tested(quoted)
    unquoted = Site("x.py", 2, "DatoError", ("a message that no test quotes anywhere at all",))
    assert not is_tested(unquoted)
    assert is_tested(Site("x.py", 3, "DatoError", (), "in instance '.+': .+ is out of"))
    assert not is_tested(Site("x.py", 4, "DatoError", (), "in instance '.+': .+ is in"))


def test_every_message_is_quoted_by_a_test():
    untested = [site for site in sites() if _exemption(site) is None and not is_tested(site)]
    assert not untested, "error messages no test quotes:\n" + "\n".join(map(str, untested))


def test_every_site_has_text_a_test_can_quote():
    silent = [site for site in sites() if not site.runs and site.pattern is None]
    assert not silent, "messages without literal text:\n" + "\n".join(map(str, silent))


def test_the_exemptions_are_current():
    for file, text in EXEMPT:
        matching = [s for s in sites() if s.file == file and any(text in r for r in s.runs)]
        assert matching, f"{file}: no raise site says {text!r} any more: drop it from the list"
        assert not any(is_tested(s) for s in matching), f"{text!r} is tested: drop it"
