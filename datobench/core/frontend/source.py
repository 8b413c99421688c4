"""The source text, syntax tree and name space of a user's function.

Works for functions in modules and scripts, and in IPython/Jupyter cells (IPython registers
each cell's text with ``linecache``, which ``inspect`` reads).
"""

from __future__ import annotations

import ast
import builtins
import inspect
import textwrap
from collections import ChainMap
from dataclasses import dataclass

from datobench.core.errors import DatoError, DatoSyntaxError, DatoTypeError, Loc


@dataclass
class FunctionSource:
    tree: ast.FunctionDef
    file: str
    first_line: int  # line number in the file of the parsed text's first line
    indent: int  # columns removed by dedenting
    namespace: ChainMap

    def loc(self, node: ast.AST) -> Loc:
        return Loc(
            self.file,
            self.first_line + getattr(node, "lineno", 1) - 1,
            getattr(node, "col_offset", 0) + self.indent,
        )

    def evaluate(self, node: ast.expr, what: str):
        """Evaluate a compile-time expression (an annotation, a mapping) in the user's scope."""
        code = compile(ast.Expression(body=node), self.file, "eval")
        try:
            return eval(code, {"__builtins__": builtins}, self.namespace)
        except NameError as e:
            raise DatoTypeError(f"{e} (in {what})", self.loc(node)) from None
        except DatoError as e:  # a type built wrongly (float32[2.5]): at the annotation
            e.loc = self.loc(node)
            raise e from None
        except Exception as e:  # the user's expression failed: report it at their line
            raise DatoTypeError(f"cannot evaluate {what}: {e}", self.loc(node)) from None


def function_source(fn, frame_locals: dict | None = None) -> FunctionSource:
    """Parse ``fn``'s source; its name space is its closure, the defining frame and globals."""
    file = fn.__code__.co_filename
    try:
        lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        raise DatoSyntaxError(
            f"cannot read the source of '{fn.__name__}' (defined in {file}); datobench reads "
            "regions from files, scripts and notebook cells, not from exec'd strings",
            Loc(file, fn.__code__.co_firstlineno),
        ) from None
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = len(lines[0]) - len(lines[0].lstrip()) if dedented != text else 0
    module = ast.parse(dedented)
    tree = module.body[0]
    if not isinstance(tree, ast.FunctionDef):
        raise DatoSyntaxError("a region must be a plain `def` function", Loc(file, first_line))
    closure = {}
    if fn.__closure__:
        for name, cell in zip(fn.__code__.co_freevars, fn.__closure__):
            try:
                closure[name] = cell.cell_contents
            except ValueError:  # a cell not yet filled
                pass
    namespace = ChainMap(closure, dict(frame_locals or {}), fn.__globals__)
    return FunctionSource(tree, file, first_line, indent, namespace)
