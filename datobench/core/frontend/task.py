"""Task bodies: the syntax visitor.

It maps Python syntax onto ``semantics`` and keeps the name scope; type rules live there.
``visit`` is the one choke point for errors: whatever fails while a node is being visited is
reported at that node's line and column (a failure of datobench itself as an ``InternalError``).
"""

from __future__ import annotations

import ast
import builtins as py_builtins
import itertools
from dataclasses import dataclass, field, replace

import numpy as np

from datobench.core.errors import (
    DatoSyntaxError,
    DatoTypeError,
    Loc,
    located,
)
from datobench.core.frontend import bitslice, collectives
from datobench.core.frontend import semantics as sem
from datobench.core.frontend.collectives import Collectives, Scattered, StreamSlice
from datobench.core.frontend.constants import TaskConstants
from datobench.core.frontend.helpers import HelperInlining, Inline, is_helper, names_a_function
from datobench.core.frontend.nesting import refuse_region_in_task
from datobench.core.frontend.scalars import ScalarExpressions
from datobench.core.frontend.source import FunctionSource
from datobench.core.frontend.values import Meta, Method, NoValue, PidTuple, StreamHandle
from datobench.core.ir import ops
from datobench.core.ir.nodes import (
    Assign,
    Binary,
    Const,
    Expr,
    For,
    Get,
    If,
    ParamRef,
    Pid,
    Put,
    Stmt,
    Store,
    StreamRef,
    Unary,
    Var,
    children,
)
from datobench.core.ir.ops import Op, op_of
from datobench.core.ir.program import StreamDecl, TaskParam
from datobench.core.ir.types import (
    DType,
    Int,
    Symbol,
    TensorType,
    Type,
    UInt,
    index,
    integer_type,
)
from datobench.core.lang import builtins as lib
from datobench.core.lang.decorators import Kernel

_BINOPS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.MatMult: "@",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
}
_CMPOPS = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_UNSUPPORTED = {
    "While": "`while` loops are not supported in a task body; use `for ... in range(...)`",
    "FunctionDef": "functions cannot be defined inside a task; register a @dato.kernel instead",
    "Lambda": "lambdas are not supported in a task body",
    "ListComp": "comprehensions are not supported in a task body; use a for loop",
    "With": "`with` is not supported in a task body",
    "Try": "`try` is not supported in a task body",
    "Import": "imports belong outside the region",
    "ImportFrom": "imports belong outside the region",
}


@dataclass(frozen=True)
class Diverged:
    """A name the branches of a per-instance `if` give different types: it has one type in
    each instance, but none the code after the branches' block could use."""

    types: tuple[Type, Type]
    line: int


class Continued(tuple):
    """Statements that end their block: an `if` on the pid whose branches each typed the
    rest of the block themselves."""


@dataclass
class TaskContext:
    """What a task body may refer to besides its own locals."""

    task: str
    mapping: tuple[int, ...]
    params: dict[str, TaskParam]
    streams: dict[str, StreamDecl]
    buffers: set[str]
    bindings: dict[str, int]
    kernels: dict[str, Kernel] = field(default_factory=dict)  # the kernels the body calls
    inlined: list[str] = field(default_factory=list)  # one entry per helper call inlined
    scalars: dict[str, DType] = field(default_factory=dict)  # the region's scalar parameters
    constants: TaskConstants | None = None  # the numpy arrays it captures


class TaskBuilder(HelperInlining, Collectives, ScalarExpressions):
    def __init__(self, src: FunctionSource, ctx: TaskContext, inline: Inline | None = None):
        self.src = src
        self.ctx = ctx
        self.inline = inline
        self.vars: dict[str, object] = {}  # name in the task -> Type, or Pid / PidTuple / Diverged
        self.defined: dict[str, Loc] = {}  # name -> the assignment that gave it its type
        self._hidden = 0
        self._pending: list[Stmt] = []  # the statements of helpers called by this statement
        self._rest: list[ast.stmt] = []  # what follows the statement being visited
        self.live = list(itertools.product(*map(range, ctx.mapping)))  # instances reaching here

    # -- the choke point --------------------------------------------------------------------
    def visit(self, node: ast.AST):
        method = getattr(self, "visit_" + type(node).__name__, None)
        try:
            if method is None:
                name = type(node).__name__
                text = _UNSUPPORTED.get(name, f"`{_describe_syntax(node)}` is not supported")
                raise DatoSyntaxError(text + ("" if name in _UNSUPPORTED else " in a task body"))
            return method(node)
        except Exception as error:  # a DatoError is located; anything else is internal
            raise located(error, self.src.loc(node)) from None

    def body(self, stmts: list[ast.stmt]) -> tuple[Stmt, ...]:
        """The statements, each preceded by the inlined bodies of the helpers it calls; an
        `if` on the pid that typed the rest of the block itself ends it."""
        outer, out = self._pending, []
        for n, s in enumerate(stmts):
            self._pending = []
            self._rest = stmts[n + 1 :]
            done = self.visit(s)
            out.extend(self._pending)
            out.extend(done)
            if isinstance(done, Continued):
                break
        self._pending = outer
        return tuple(out)

    def _local(self, name: str) -> str:
        """The task-wide name of a local: a helper's locals are renamed per call."""
        return name if self.inline is None else self.inline.prefix + name

    def expr(self, node: ast.expr) -> Expr:
        return self._checked(node, self.visit(node))

    @staticmethod
    def _checked(node: ast.expr, value) -> Expr:
        """``value``, the visited ``node``, if it is a run-time value."""
        if isinstance(value, Scattered):
            raise collectives.scatter_has_no_value(node)
        if isinstance(value, NoValue):
            raise DatoTypeError(
                f"helper '{value.helper}' returns nothing, so `{ast.unparse(node)}` has no value"
            )
        if isinstance(value, (Meta, StreamHandle, Method, PidTuple)):
            raise DatoTypeError(f"`{ast.unparse(node)}` is not a value")
        return value

    # -- statements -------------------------------------------------------------------------
    def visit_Pass(self, node):
        return ()

    def visit_Expr(self, node: ast.Expr):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return ()  # a docstring or comment string
        value = self.visit(node.value)
        if isinstance(value, Put):
            return (value,)
        if isinstance(value, NoValue) or self._is_helper_call(node.value):
            return ()  # a helper called for its effects: its body is already pending
        if isinstance(value, Get):  # drain and drop one element
            self._hidden += 1
            name = self._local(f"_drop{self._hidden}")
            self.vars[name] = value.type
            return (Assign(name, value, value.loc),)
        raise DatoSyntaxError("this expression's value is not used")

    def visit_Assign(self, node: ast.Assign):
        if len(node.targets) != 1:
            raise DatoSyntaxError("chained assignment (a = b = ...) is not supported")
        target = node.targets[0]
        if self._is_pid_call(node.value):
            return self._bind_pid(target)
        if self._is_helper_call(node.value):  # a helper may hand back dato.pid()
            value = self.visit(node.value)
            if (
                isinstance(value, PidTuple)
                or isinstance(value, Pid)
                and isinstance(target, ast.Name)
            ):
                return self._bind_pid(target, value)
            return (self._assign(target, self._checked(node.value, value)),)
        value = self.expr(node.value)
        return (self._assign(target, value),)

    def visit_Return(self, node: ast.Return):
        if self.inline is None:
            raise DatoSyntaxError(
                "a task returns nothing; write results into a parameter or put them on a stream"
            )
        if node is not self.inline.last:
            raise DatoSyntaxError(
                "a helper returns only from its last statement; assign the result to a name "
                "and return it at the end"
            )
        if node.value is None or _is_none(node.value):
            return ()
        value = self.visit(node.value)
        if isinstance(value, (Meta, StreamHandle, PidTuple, Const, Var, ParamRef, Pid)):
            self.inline.result = value
            return ()
        key = self._local("_result")  # evaluated once, where the helper returns
        value = sem.harden(value)
        self.vars[key] = value.type
        self.inline.result = Var(key, value.type)
        return (Assign(key, value, self.src.loc(node)),)

    def visit_AnnAssign(self, node: ast.AnnAssign):
        raise DatoSyntaxError("annotated assignments are not supported in a task body")

    def visit_AugAssign(self, node: ast.AugAssign):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise DatoSyntaxError(f"augmented operator `{_op_text(node)}=` is not supported")
        value = self.expr(node.value)
        current = self.expr(node.target)
        return (self._assign(node.target, sem.binary(op, current, value)),)

    def _assign(self, target: ast.expr, value: Expr) -> Stmt:
        loc = self.src.loc(target)
        if isinstance(target, ast.Name):
            name = target.id
            self._check_rebind(name)
            key = self._local(name)
            known = self.vars.get(key)
            if known is None or isinstance(known, Diverged):
                value = sem.harden(value)
                self.vars[key] = value.type
                self.defined[key] = loc
            else:
                value = sem.coerce(value, known, f"'{name}' is {sem.describe(known)}")
            return Assign(key, value, loc)
        if isinstance(target, ast.Subscript) and bitslice.writes_bits(self, target):
            return Assign(*bitslice.write(self, target, value, loc), loc)
        if isinstance(target, ast.Subscript):
            base = self._tensor_base(target.value, writing=True)
            indices, t = sem.subscript(base, self._subscript_items(target.slice))
            value = sem.coerce(value, t, f"storing into `{ast.unparse(target)}`")
            return Store(base, indices, value, loc)
        raise DatoSyntaxError("only names and subscripts can be assigned to")

    def _check_rebind(self, name: str):
        if name in self.ctx.params:
            raise DatoTypeError(
                f"cannot rebind parameter '{name}'; write into it with {name}[...] = ..."
            )
        if name in self.ctx.streams:
            raise DatoTypeError(f"cannot rebind stream '{name}'")
        if name in self.ctx.scalars and self.inline is None:
            raise DatoTypeError(
                f"cannot rebind '{name}', a scalar parameter of the region; give the new value "
                "another name"
            )
        if isinstance(self.vars.get(self._local(name)), (Pid, PidTuple)):
            raise DatoTypeError(f"cannot rebind '{name}', which holds dato.pid()")
        if self.inline is not None and name in self.inline.bound:
            raise DatoTypeError(
                f"cannot rebind helper parameter '{name}': it stands for the caller's tensor or "
                "stream; give the new value another name"
            )

    def _is_pid_call(self, node: ast.expr) -> bool:
        if not (isinstance(node, ast.Call) and names_a_function(node.func)):
            return False
        callee = self.visit(node.func)
        return isinstance(callee, Meta) and callee.obj is lib.pid

    def _bind_pid(self, target: ast.expr, pid: Pid | PidTuple | None = None):
        rank = len(self.ctx.mapping)
        if isinstance(target, ast.Name):
            self._check_rebind(target.id)
            if pid is None:
                pid = Pid(0, index) if rank == 1 else PidTuple()
            self.vars[self._local(target.id)] = pid
            return ()
        if isinstance(target, (ast.Tuple, ast.List)):
            if len(target.elts) != rank:
                raise DatoTypeError(
                    f"dato.pid() of task '{self.ctx.task}' has {rank} coordinates "
                    f"(mapping {list(self.ctx.mapping)}), not {len(target.elts)}"
                )
            for axis, elt in enumerate(target.elts):
                if not isinstance(elt, ast.Name):
                    raise DatoSyntaxError("unpack dato.pid() into plain names")
                self._check_rebind(elt.id)
                self.vars[self._local(elt.id)] = Pid(axis, index)
            return ()
        raise DatoSyntaxError("assign dato.pid() to names: `i, j = dato.pid()`")

    def visit_For(self, node: ast.For):
        if node.orelse:
            raise DatoSyntaxError("`for ... else` is not supported")
        if not isinstance(node.target, ast.Name):
            raise DatoSyntaxError("a loop variable must be a plain name")
        call = node.iter
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and self._lookup_global(call.func.id) is py_builtins.range
        ):
            raise DatoSyntaxError("a task loop must be `for x in range(...)`")
        if call.keywords or not 1 <= len(call.args) <= 3:
            raise DatoSyntaxError("range takes 1 to 3 positional arguments")
        bounds = [self._loop_bound(a) for a in call.args]
        start, stop, step = (
            (sem.literal(0), bounds[0], 1)
            if len(bounds) == 1
            else (bounds[0], bounds[1], 1)
            if len(bounds) == 2
            else (bounds[0], bounds[1], sem.static_int(bounds[2], "a loop step"))
        )
        if step == 0:
            raise DatoTypeError("range() step must not be zero")
        name = node.target.id
        self._check_rebind(name)
        key = self._local(name)
        if self.vars.get(key, index) != index:
            raise DatoTypeError(f"loop variable '{name}' is already {self.vars[key]}")
        self.vars[key] = index
        body = self.body(node.body)
        return (For(key, sem.harden(start), sem.harden(stop), step, body, self.src.loc(node)),)

    def _loop_bound(self, node: ast.expr) -> Expr:
        value = sem.adopt(self.expr(node), index)
        if value.type != index:
            raise DatoTypeError(
                "a loop bound must be a compile-time constant (or computed from pid, "
                f"constants and enclosing loop variables); this one is {sem.describe(value.type)}"
                " known only at run time"
            )
        return value

    def visit_If(self, node: ast.If):
        rest = self._rest
        cond = sem.condition(self.expr(node.test))
        scope = (self.vars, self.defined)
        live = self.live
        per_instance = _per_instance(cond)
        if per_instance:  # folded per instance: each types only the branch it takes
            taken = [p for p in live if _value_at(cond, p)]
            paths = (taken, [p for p in live if p not in taken])
        else:
            paths = (live, live)
        then, then_scope = self.branch(node.body, scope, paths[0])
        orelse, else_scope = self.branch(node.orelse, scope, paths[1])
        self.live = live
        if isinstance(cond, Const):
            self.vars, self.defined = then_scope if cond.value else else_scope
            return then if cond.value else orelse
        differ = _differing(then_scope[0], else_scope[0], scope[0])
        if not differ or not all(paths):
            self.vars = {**then_scope[0], **else_scope[0]}
            self.defined = {**then_scope[1], **else_scope[1]}
            return (If(cond, then, orelse, self.src.loc(node)),)
        if not per_instance:
            name = differ[0]
            raise DatoTypeError(
                f"'{name}' is {sem.describe(else_scope[0][name])} here but "
                f"{sem.describe(then_scope[0][name])} in the other branch (line "
                f"{then_scope[1][name].line}); a name has one type after an `if` on run-time "
                "values"
            ).at(else_scope[1][name])
        # The instances of each branch type the rest of the block on their own.
        then_rest, then_scope = self.branch(rest, then_scope, paths[0])
        else_rest, else_scope = self.branch(rest, else_scope, paths[1])
        self.live = live
        self.vars, self.defined = then_scope[0] | else_scope[0], then_scope[1] | else_scope[1]
        for name in _differing(then_scope[0], else_scope[0], {}):
            self.vars[name] = Diverged(
                (then_scope[0][name], else_scope[0][name]), self.src.loc(node).line
            )
        return Continued((If(cond, then + then_rest, orelse + else_rest, self.src.loc(node)),))

    def branch(self, stmts: list[ast.stmt], scope, live: list) -> tuple[tuple[Stmt, ...], tuple]:
        """A branch typed in its own copy of ``scope`` (names, their assignments) for the
        instances ``live`` that take it (none: it is not typed), and the scope it leaves."""
        self.vars, self.defined = dict(scope[0]), dict(scope[1])
        self.live = live
        body = self.body(stmts) if live else ()
        return body, (self.vars, self.defined)

    # -- expressions ------------------------------------------------------------------------
    def visit_Constant(self, node: ast.Constant):
        if isinstance(node.value, (bool, int, float)):
            return sem.literal(node.value)
        raise DatoSyntaxError(f"constant {node.value!r} is not supported in a task body")

    def visit_Name(self, node: ast.Name):
        name = node.id
        if self.inline is not None and name in self.inline.bound:
            return self.inline.bound[name]
        key = self._local(name)
        if key in self.vars:
            v = self.vars[key]
            if isinstance(v, Diverged):
                raise DatoTypeError(
                    f"'{name}' is {sem.describe(v.types[0])} in some instances and "
                    f"{sem.describe(v.types[1])} in others (the `if` on the pid at line "
                    f"{v.line}); use it inside that `if`'s block, or give it one type"
                )
            if isinstance(v, Pid):
                return v
            if isinstance(v, PidTuple):
                return v
            return Var(key, v)
        if name in self.ctx.params:
            return ParamRef(name, self.ctx.params[name].type)
        if name in self.ctx.scalars and self.inline is None:
            return Var(name, self.ctx.scalars[name])
        if name in self.ctx.streams:
            return StreamHandle(self.ctx.streams[name])
        if name in self.ctx.buffers:
            writing = isinstance(getattr(node, "ctx", None), ast.Store)
            raise DatoTypeError(
                f"task '{self.ctx.task}' {'writes' if writing else 'reads'} global tensor "
                f"'{name}', which it was not given; pass it with @dato.task(args=[..., {name}]) "
                "and take it as a parameter"
            )
        return self._python_value(name, self._lookup_global(name))

    def _lookup_global(self, name: str):
        if name in self.src.namespace:
            return self.src.namespace[name]
        if hasattr(py_builtins, name):
            return getattr(py_builtins, name)
        raise DatoTypeError(f"name '{name}' is not defined")

    def _python_value(self, name: str, obj):
        if isinstance(obj, Symbol):
            try:
                obj = obj.resolve(self.ctx.bindings)
            except KeyError as e:
                raise DatoTypeError(f"size {e.args[0]} is not bound") from None
        if isinstance(obj, (bool, int, float)):
            return sem.literal(obj)
        if isinstance(obj, np.ndarray):
            return self.ctx.constants.value(name, obj, None)
        return Meta(obj)

    def visit_Attribute(self, node: ast.Attribute):
        base = self.visit(node.value)
        if isinstance(base, Meta):
            try:
                return self._python_value(node.attr, getattr(base.obj, node.attr))
            except AttributeError:
                raise DatoTypeError(
                    f"`{ast.unparse(node.value)}` has no attribute '{node.attr}'"
                ) from None
        if isinstance(base, StreamSlice):
            raise collectives.sliced_method(base, node.attr)
        if isinstance(base, StreamHandle):
            if node.attr not in ("put", "get"):
                raise DatoTypeError(f"streams have put() and get(), not '{node.attr}'")
            if base.decl.shape and not base.indices:
                raise DatoTypeError(
                    f"'{base.decl.name}' is a stream array of shape {list(base.decl.shape)}; "
                    f"pick a channel: {base.decl.name}[...].{node.attr}(...)"
                )
            return Method(base, node.attr)
        if node.attr in ops.ATTRIBUTES:  # x.T
            return sem.call(ops.ATTRIBUTES[node.attr], [self._checked(node.value, base)], {})
        if node.attr in ops.METHODS:
            return Method(self._checked(node.value, base), node.attr)
        raise DatoTypeError(f"'{node.attr}' is not supported on {sem.describe(base.type)}")

    def visit_BinOp(self, node: ast.BinOp):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise DatoSyntaxError(f"operator `{_op_text(node)}` is not supported")
        return sem.binary(op, self.expr(node.left), self.expr(node.right))

    def visit_UnaryOp(self, node: ast.UnaryOp):
        ops = {ast.USub: "-", ast.UAdd: "+", ast.Not: "not", ast.Invert: "~"}
        return sem.unary(ops[type(node.op)], self.expr(node.operand))

    def visit_Compare(self, node: ast.Compare):
        if len(node.ops) != 1:
            raise DatoSyntaxError("chained comparisons are not supported; use `and`")
        op = _CMPOPS.get(type(node.ops[0]))
        if op is None:
            raise DatoSyntaxError("only == != < <= > >= comparisons are supported")
        return sem.binary(op, self.expr(node.left), self.expr(node.comparators[0]))

    def visit_BoolOp(self, node: ast.BoolOp):
        op = "and" if isinstance(node.op, ast.And) else "or"
        result = self.expr(node.values[0])
        for v in node.values[1:]:
            result = sem.binary(op, result, self.expr(v))
        return result

    def visit_Subscript(self, node: ast.Subscript):
        base = self.visit(node.value)
        refuse_region_in_task(base)
        if isinstance(base, PidTuple):
            axis = sem.static_int(self.expr(node.slice), "a pid coordinate")
            if not 0 <= axis < len(self.ctx.mapping):
                raise DatoTypeError(f"dato.pid() has {len(self.ctx.mapping)} coordinates")
            return Pid(axis, index)
        if isinstance(base, StreamHandle):
            return self._stream_channel(base, node.slice)
        if bitslice.is_bit_base(base):
            return bitslice.read(self, base, node.slice)
        return sem.load(self._tensor_base(node.value), self._subscript_items(node.slice))

    def _tensor_base(self, node: ast.expr, writing: bool = False) -> Var | ParamRef:
        if (
            isinstance(node, ast.Name)
            and writing
            and node.id in self.ctx.buffers
            and node.id not in self.ctx.params
            and self._local(node.id) not in self.vars
        ):
            node.ctx = ast.Store()
        base = self.visit(node)
        if not isinstance(base, (Var, ParamRef)):
            raise DatoSyntaxError("only named tensors can be indexed")
        if writing:
            self.ctx.constants.refuse_write(base, ast.unparse(node))
        if writing and isinstance(base, Var) and not isinstance(base.type, TensorType):
            raise DatoTypeError(f"'{base.name}' is {sem.describe(base.type)}, not a tensor")
        return base

    def _subscript_items(self, node: ast.expr) -> list:
        elts = node.elts if isinstance(node, ast.Tuple) else [node]
        items = []
        for e in elts:
            if isinstance(e, ast.Slice):
                if e.step is not None:
                    step = self.expr(e.step)
                    if sem.static_int(step, "a slice step") != 1:
                        raise DatoTypeError("slices take step 1 only")
                lo = self.expr(e.lower) if e.lower is not None else None
                hi = self.expr(e.upper) if e.upper is not None else None
                items.append(("slice", lo, hi))
            else:
                items.append(("index", self.expr(e)))
        return items

    def _stream_channel(self, handle: StreamHandle, node: ast.expr) -> StreamHandle:
        decl = handle.decl
        if isinstance(handle, StreamSlice):
            raise collectives.indexed_slice(handle)
        if not decl.shape:
            raise DatoTypeError(f"'{decl.name}' is a single stream and cannot be indexed")
        elts = node.elts if isinstance(node, ast.Tuple) else [node]
        if len(elts) != len(decl.shape):
            raise DatoTypeError(
                f"stream array '{decl.name}' has shape {list(decl.shape)} and takes "
                f"{len(decl.shape)} indices, not {len(elts)}"
            )
        if any(isinstance(e, ast.Slice) for e in elts):  # several channels, for a collective
            return self._stream_slice(handle, elts)
        indices = []
        for dim, (e, size) in enumerate(zip(elts, decl.shape)):
            i = sem.index_value(self.expr(e), "a stream index")
            if isinstance(i, Const) and not 0 <= i.value < size:
                raise DatoTypeError(
                    f"stream index {i.value} is outside dimension {dim} of '{decl.name}' "
                    f"(shape {list(decl.shape)})"
                )
            indices.append(i)
        return StreamHandle(decl, tuple(indices))

    def visit_Tuple(self, node: ast.Tuple):
        return Meta(tuple(self._static(e) for e in node.elts))

    visit_List = visit_Tuple

    def _static(self, node: ast.expr):
        """A compile-time argument: a constant, a dtype, a tuple of them."""
        value = self.visit(node)
        if isinstance(value, Meta):
            return value.obj
        if isinstance(value, Const):
            return value.value
        raise DatoTypeError(f"`{ast.unparse(node)}` must be a compile-time constant here")

    def visit_Call(self, node: ast.Call):
        callee = self.visit(node.func)
        loc = self.src.loc(node)
        if isinstance(callee, Method):
            return self._method(callee, node)
        if not isinstance(callee, Meta):
            raise DatoTypeError(f"`{ast.unparse(node.func)}` is not callable")
        fn = callee.obj
        refuse_region_in_task(callee)
        if fn is Int or fn is UInt:  # an integer type built in the body: UInt(32)
            if len(node.args) != 1 or node.keywords:
                raise DatoTypeError(f"{fn.__name__}(n) takes one width n")
            return Meta(integer_type(self._static(node.args[0]), fn is Int))
        if isinstance(fn, DType):
            if len(node.args) != 1 or node.keywords:
                raise DatoTypeError(f"{fn}(x) takes one value")
            return _located(sem.cast(fn, self.expr(node.args[0])), loc)
        if isinstance(fn, Kernel):
            known = self.ctx.kernels.setdefault(fn.decl.name, fn)
            if known is not fn:
                raise DatoTypeError(f"two different kernels are named '{fn.decl.name}'")
            args = [self.expr(a) for a in node.args]
            return _located(sem.kernel_call(fn.decl, args), loc)
        if fn is lib.gather or fn is lib.scatter:
            return self._collective(fn, node)
        if fn is lib.pid:
            if len(self.ctx.mapping) == 1:
                return Pid(0, index)
            return PidTuple()
        op = lib.OP_OF_FUNCTION.get(fn) if _hashable(fn) else None
        if op is None and any(fn is b for b in self.PYTHON_BUILTINS):
            return _located(self.python_builtin(fn, node), loc)
        if op is None and is_helper(fn):
            return self._inline_call(fn, node)
        if op is None:
            raise DatoTypeError(
                f"`{ast.unparse(node.func)}` cannot be called in a task body; use dato builtins "
                "or a registered @dato.kernel"
            )
        return _located(self._apply(op, node), loc)

    def _method(self, method: Method, node: ast.Call):
        recv = method.receiver
        if isinstance(recv, StreamHandle):
            kwargs = {k.arg: k.value for k in node.keywords}
            decl = recv.decl
            ref = StreamRef(decl.name, recv.indices)
            if method.name == "get":
                self._positional(node, 0, "get")
                self._no_more(kwargs, "get")
                return Get(ref, decl.elem, self.src.loc(node))
            (value,) = self._positional(node, 1, "put")
            self._no_more(kwargs, "put")
            return Put(ref, sem.check_put(decl, self.expr(value)), self.src.loc(node))
        return self._apply(ops.METHODS[method.name], node, recv)

    def _apply(self, op: Op, node: ast.Call, receiver: Expr | None = None) -> Expr:
        """Bind a call's arguments to the op's signature (tensor operands by position, then
        the static arguments by position where allowed, or by keyword) and apply it."""
        kwargs = {k.arg: k.value for k in node.keywords}
        n = len(op.operands) - (receiver is not None)  # the receiver is the first operand
        positional = [s for s in op.statics if s.positional]
        if not positional:
            self._positional(node, n, op.name)
        given = dict(zip((s.name for s in positional), node.args[n:]))
        for s in op.statics:
            if s.name in kwargs and s.name not in given:
                given[s.name] = kwargs.pop(s.name)
        self._no_more(kwargs, op.name)
        missing = any(s.required and s.name not in given for s in op.statics)
        if missing or not n <= len(node.args) <= n + len(positional):
            raise _arity_error(op, n, positional, len(node.args))
        statics, runtime = {}, {}
        for s in op.statics:
            if s.name not in given:
                continue
            if s.kind == "value":  # a constant, or a scalar computed in the task
                value = self.expr(given[s.name])
                if isinstance(value, Const):
                    statics[s.name] = value.value
                else:
                    runtime[s.name] = value
            else:
                statics[s.name] = self._static(given[s.name])
        operands = [self.expr(a) for a in node.args[:n]]
        if receiver is not None:
            operands.insert(0, receiver)
        return sem.call(op, operands, statics, runtime)

    @staticmethod
    def _positional(node: ast.Call, n: int, name: str):
        if len(node.args) != n:
            raise DatoTypeError(
                f"{name} takes {n} positional argument{'s' * (n != 1)}, got {len(node.args)}"
            )
        return node.args

    @staticmethod
    def _no_more(kwargs: dict, name: str):
        if kwargs:
            raise DatoTypeError(f"{name} got an unexpected keyword '{next(iter(kwargs))}'")


def _differing(a: dict, b: dict, before: dict) -> list[str]:
    """Names two branches both give a type, each its own, that they did not have before."""
    return [n for n in a if n in b and n not in before and a[n] != b[n] and isinstance(a[n], Type)]


def _per_instance(cond: Expr) -> bool:
    """Is the condition made of pid coordinates and constants only (folded per instance)?"""
    if isinstance(cond, (Pid, Const)):
        return True
    return isinstance(cond, (Unary, Binary)) and all(map(_per_instance, children(cond)))


def _value_at(cond: Expr, pid: tuple[int, ...]):
    """A per-instance condition's value in the instance at ``pid``."""
    if isinstance(cond, Pid):
        return pid[cond.axis]
    if isinstance(cond, Const):
        return cond.value
    if isinstance(cond, Unary):
        return op_of(cond).numpy(_value_at(cond.operand, pid))
    return op_of(cond).numpy(_value_at(cond.lhs, pid), _value_at(cond.rhs, pid))


def _arity_error(op: Op, n: int, positional: list, got: int) -> DatoTypeError:
    if n == 0 and op.function:  # every argument is static: dato.zeros(shape, dtype)
        return DatoTypeError(f"dato.{op.name} takes ({', '.join(s.name for s in op.statics)})")
    most = n + len(positional)
    bound = "" if all(s.required for s in positional) else "at most "
    return DatoTypeError(
        f"{op.name} takes {bound}{most} positional argument{'s' * (most != 1)}, got {got}"
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _located(expr, loc):
    if hasattr(expr, "loc") and getattr(expr, "loc", None) is None:
        return replace(expr, loc=loc)
    return expr


def _hashable(obj) -> bool:
    try:
        hash(obj)
    except TypeError:
        return False
    return True


def _describe_syntax(node: ast.AST) -> str:
    try:
        text = ast.unparse(node).splitlines()[0]
    except Exception:
        text = type(node).__name__
    return text if len(text) <= 40 else text[:37] + "..."


_OTHER_OPS = {ast.Pow: "**"}


def _op_text(node) -> str:
    return _OTHER_OPS.get(type(node.op), type(node.op).__name__)
