"""Helpers: plain Python functions called from a task body are inlined there. Their bodies
are read and checked like a task body (by the task builder itself, one per call), their
parameters stand for the call's values, and their `return` gives the call's value; they expand
at compile time, so they cannot recurse."""

from __future__ import annotations

import ast
import inspect
import os
import sysconfig
import types
from dataclasses import dataclass, replace

from datobench.core.errors import DatoError, DatoSyntaxError, DatoTypeError, _is_internal
from datobench.core.frontend import semantics as sem
from datobench.core.frontend.source import FunctionSource, function_source
from datobench.core.frontend.values import Meta, Method, NoValue, PidTuple, StreamHandle
from datobench.core.ir.nodes import Assign, Const, ParamRef, Pid, Stmt, Var
from datobench.core.ir.types import TensorType
from datobench.core.lang import builtins as lib


@dataclass
class Inline:
    """How an inlined helper's body sees the call being inlined."""

    prefix: str  # the helper's locals are prefix + name in the task: `helper_3_x`, per call
    bound: dict[str, object]  # parameters standing for the caller's values (never rebound)
    chain: tuple[types.FunctionType, ...]  # the helpers being inlined, outermost first
    last: ast.stmt  # the one statement that may be a `return`
    result: object = None  # what the call evaluates to, set by its `return`


class HelperInlining:
    """The task builder's handling of helper calls (mixed into ``TaskBuilder``)."""

    # -- helpers: plain Python functions, inlined --------------------------------------------
    def _is_helper_call(self, node: ast.expr) -> bool:
        if not (isinstance(node, ast.Call) and names_a_function(node.func)):
            return False
        callee = self.visit(node.func)
        return isinstance(callee, Meta) and is_helper(callee.obj)

    def _inline_call(self, fn: types.FunctionType, node: ast.Call):
        """Inline a plain Python function: its body, read and checked like a task body, runs in
        place of the call with its parameters standing for the call's values, and its `return`
        gives the call's value. Helpers expand at compile time, so they cannot recurse."""
        name = fn.__name__
        chain = self.inline.chain if self.inline is not None else ()
        if fn in chain:
            path = " -> ".join(f.__name__ for f in (*chain[chain.index(fn) :], fn))
            raise DatoTypeError(
                f"helper '{name}' calls itself ({path}); helpers are inlined into the task, so "
                "they cannot be recursive: write the repetition as a loop"
            )
        if name == "<lambda>":
            raise DatoSyntaxError(
                f"`{ast.unparse(node.func)}` is a lambda, which cannot be inlined in a task "
                "body; define the helper with `def`"
            )
        src = _helper_source(fn)
        values = self._arguments(fn, src.tree, node)
        self.ctx.inlined.append(name)
        inline = Inline(f"{name}_{len(self.ctx.inlined)}_", {}, (*chain, fn), src.tree.body[-1])
        child = type(self)(src, replace(self.ctx, params={}, streams={}, buffers=set()), inline)
        entry = child._bind(values, _assigned_names(src.tree), self.src.loc(node))
        try:
            body = child.body(src.tree.body)
        except DatoError as error:
            error.notes = (*error.notes, f"in helper '{name}', inlined at {self.src.loc(node)}")
            raise
        self._pending.extend((*entry, *body))
        return NoValue(name) if inline.result is None else inline.result

    def _arguments(self, fn: types.FunctionType, tree: ast.FunctionDef, node: ast.Call) -> dict:
        """The call's values (and the helper's defaults) by the helper's parameter names."""
        if tree.args.vararg or tree.args.kwarg:
            raise DatoSyntaxError(
                f"helper '{fn.__name__}' takes *args or **kwargs, which cannot be inlined; "
                "name its parameters"
            )
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise DatoSyntaxError("*args and **kwargs are not supported in a task body")
        signature = inspect.signature(fn)
        args = [self.visit(a) for a in node.args]
        kwargs = {k.arg: self.visit(k.value) for k in node.keywords}
        try:
            given = signature.bind(*args, **kwargs).arguments
        except TypeError as e:
            raise DatoTypeError(f"helper '{fn.__name__}': {e}") from None
        return {
            p.name: given[p.name] if p.name in given else self._python_value(p.name, p.default)
            for p in signature.parameters.values()
        }

    def _bind(self, values: dict, assigned: set[str], loc) -> list[Stmt]:
        """Bind a helper's parameters. A parameter the helper assigns, or whose value must be
        evaluated once (a get, arithmetic), becomes a local copy; any other value (a constant,
        the caller's tensor, a stream, a pid, a Python object) stands for itself, so sizes stay
        compile-time and writes into a tensor reach the caller's."""
        stmts = []
        for name, value in values.items():
            reference = isinstance(value, (Var, ParamRef)) and isinstance(value.type, TensorType)
            plain = isinstance(value, (Const, Var, ParamRef, Pid)) and name not in assigned
            if reference or plain or isinstance(value, (Meta, StreamHandle, Method, PidTuple)):
                self.inline.bound[name] = value
                continue
            key = self._local(name)
            value = sem.harden(value)
            self.vars[key] = value.type
            stmts.append(Assign(key, value, loc))
        return stmts


def names_a_function(node: ast.expr) -> bool:
    """Is a callee a plain (dotted) name, such as ``helper`` or ``dato.pid``? Looking one up
    has no effect; any other callee (``f(x).sum``) is visited once, by the call itself, so
    that the collectives and helpers it calls expand once."""
    return isinstance(node, ast.Name) or (
        isinstance(node, ast.Attribute) and names_a_function(node.value)
    )


def is_helper(fn) -> bool:
    """A plain Python function of the user's (not a dato builtin, nor a function of an installed
    package such as numpy's): it is inlined where it is called."""
    return (
        isinstance(fn, types.FunctionType)
        and not (fn is lib.pid or fn in lib.OP_OF_FUNCTION)
        and not _in_library(fn.__code__.co_filename)
    )


_LIBRARY_DIRS = tuple(
    os.path.join(os.path.abspath(sysconfig.get_paths()[k]), "")
    for k in ("stdlib", "platstdlib", "purelib", "platlib")
)


def _in_library(file: str) -> bool:
    path = os.path.abspath(file)
    return path.startswith(_LIBRARY_DIRS) or _is_internal(path)


def _helper_source(fn: types.FunctionType) -> FunctionSource:
    try:
        return function_source(fn)
    except DatoError:
        raise DatoSyntaxError(
            f"cannot read the source of helper '{fn.__name__}' (defined in "
            f"{fn.__code__.co_filename}); helpers must be `def` functions in files, scripts or "
            "notebook cells"
        ) from None


def _assigned_names(tree: ast.FunctionDef) -> set[str]:
    """The names a function's body assigns (its locals besides its parameters)."""
    return {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
