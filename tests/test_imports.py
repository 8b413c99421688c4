"""The package's import graph, read with ``ast``: module-level and function-level imports,
relative ones resolved. No cycles; ``datobench.core`` imports nothing of Jupyter; only
``core/runtime`` names ``pyxrt``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import datobench

PACKAGE = Path(datobench.__file__).resolve().parent
JUPYTER = {"IPython", "ipykernel", "ipywidgets", "anywidget", "traitlets", "jupyter",
           "jupyter_client", "jupyter_core", "nbformat", "notebook", "jupyterlab"}  # fmt: skip
UI = ("datobench.widgets", "datobench.visual", "datobench.magics")


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the package under ``root``."""
    out = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def imported_names(module: str, path: Path) -> list[tuple[str, int]]:
    """Every name an import statement anywhere in the file brings in (``from a import b``
    gives ``a`` and ``a.b``), relative imports resolved, with the statement's line."""
    is_package = path.name == "__init__.py"
    names = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = module.split(".") if is_package else module.split(".")[:-1]
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([base] if base else []))
            names.append((base, node.lineno))
            names += [(f"{base}.{a.name}", node.lineno) for a in node.names]
    return names


def import_graph(root: Path, package: str) -> dict[str, dict[str, int]]:
    """Module -> {module of the same package it imports: line of the import}."""
    files = module_files(root, package)
    graph: dict[str, dict[str, int]] = {m: {} for m in files}
    for module, path in files.items():
        for name, line in imported_names(module, path):
            while name and name not in files:  # ``from pkg.mod import func`` -> pkg.mod
                name = name.rpartition(".")[0]
            # a package's own submodules are not cycles of the importing module with itself
            if name and name != module and not module.startswith(name + "."):
                graph[module].setdefault(name, line)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """One cycle (as a closed path) per strongly connected group of modules."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [_closed_path(graph, set(g), g[0]) for g in groups]


def _closed_path(graph, group: set[str], start: str) -> list[str]:
    """A shortest path from ``start`` back to itself inside the group."""
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v]):
                if w == start:
                    return paths[v] + [start]
                if w in group and w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"{start} is on no cycle")


def describe(graph, path: list[str]) -> str:
    return (
        " -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(path, path[1:])) + f" -> {path[-1]}"
    )


def test_the_package_has_no_import_cycles():
    graph = import_graph(PACKAGE.parent, "datobench")
    found = [describe(graph, c) for c in cycles(graph)]
    assert found == [], "import cycles:\n" + "\n".join(found)


def test_the_walker_finds_function_level_and_relative_cycles(tmp_path):
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from toy.sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def f():\n    from ..c import g\n    return g\n")
    (pkg / "c.py").write_text("import toy.a\n\ndef g():\n    return 1\n")
    (pkg / "d.py").write_text("from . import a\n")  # into the cycle, not on it
    graph = import_graph(tmp_path, "toy")
    assert graph["toy.sub.b"] == {"toy.c": 2}
    assert graph["toy.d"] == {"toy.a": 1}
    [path] = cycles(graph)
    assert path == ["toy.a", "toy.sub.b", "toy.c", "toy.a"]
    assert describe(graph, path) == (
        "toy.a (line 1) -> toy.sub.b (line 2) -> toy.c (line 1) -> toy.a"
    )


def test_core_imports_nothing_of_jupyter_or_the_views():
    found = []
    for module, path in module_files(PACKAGE.parent, "datobench").items():
        if not module.startswith("datobench.core"):
            continue
        for name, line in imported_names(module, path):
            if name.split(".")[0] in JUPYTER or name.startswith(UI):
                found.append(f"{module} (line {line}) imports {name}")
    assert found == []
    code = (
        "import sys, pkgutil, importlib, datobench.core as core\n"
        "for m in pkgutil.walk_packages(core.__path__, 'datobench.core.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(JUPYTER)!r}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_only_core_runtime_names_pyxrt():
    found = []
    for module, path in module_files(PACKAGE.parent, "datobench").items():
        names = [n for n, _ in imported_names(module, path)]
        tree = ast.parse(path.read_text())
        named = any(n.split(".")[0] == "pyxrt" for n in names) or any(
            isinstance(node, ast.Constant) and node.value == "pyxrt" for node in ast.walk(tree)
        )
        if named:
            found.append(module)
    assert found and all(m.startswith("datobench.core.runtime") for m in found), found
