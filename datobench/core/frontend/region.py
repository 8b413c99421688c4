"""Region bodies: stream declarations and task definitions -> ``ir.program.Region``.

The region, and each parameter type, stream declaration and task in it, is read as one
``_step``: whatever fails there is reported at its line (a failure of datobench itself as an
``InternalError``). User expressions (annotations, mappings) are evaluated by
``FunctionSource.evaluate``, which reports their own failures as the user's.
"""

from __future__ import annotations

import ast
import math
from dataclasses import replace

from datobench.core.errors import DatoSyntaxError, DatoTypeError, located
from datobench.core.frontend.constants import ConstantPool, TaskConstants
from datobench.core.frontend.nesting import RegionInstance, is_region_call
from datobench.core.frontend.scalars import python_number_hint, scalar_param_type
from datobench.core.frontend.source import FunctionSource
from datobench.core.frontend.staging import check_staging
from datobench.core.frontend.task import TaskBuilder, TaskContext
from datobench.core.frontend.writeback import check_writeback
from datobench.core.ir.program import Buffer, Region, RegionScalar, StreamDecl, Task, TaskParam
from datobench.core.ir.types import (
    DType,
    LayoutType,
    R,
    Shard,
    Size,
    Stage,
    StreamType,
    Symbol,
    TensorType,
)
from datobench.core.validate import (
    MAX_CHANNELS,
    MAX_DEPTH,
    MAX_INSTANCES,
    MAX_MAPPING_AXES,
    MAX_SIZE,
    whole_number,
)


def _step(src: FunctionSource, node: ast.AST, read, *args):
    """``read(*args)``, with any failure located at ``node``: the region builder's choke point."""
    try:
        return read(*args)
    except Exception as error:  # a DatoError is located; anything else is internal
        raise located(error, src.loc(node)) from None


def region_param_types(src: FunctionSource) -> list[tuple[str, TensorType | DType, ast.arg]]:
    """The region's parameters with their (possibly symbolic) tensor types, or the element
    types of its scalar parameters."""
    fn = src.tree
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.posonlyargs or args.defaults:
        raise DatoSyntaxError(
            "region parameters are plain annotated names, one per global tensor",
            src.loc(fn),
        )
    out = []
    for a in args.args:
        if a.annotation is None:
            raise DatoTypeError(
                f"region parameter '{a.arg}' needs a tensor type, e.g. `{a.arg}: float32[64]`",
                src.loc(a),
            )
        t = src.evaluate(a.annotation, f"the type of '{a.arg}'")
        t = scalar_param_type(t) or t
        if isinstance(t, StreamType):
            raise DatoTypeError(
                f"region '{fn.name}' takes stream '{a.arg}', so it is a part of another region: "
                f"instantiate it in that region's body (`{fn.name}[...](A, s)`), beside the tasks",
                src.loc(a.annotation),
            )
        if not isinstance(t, (TensorType, DType)):
            hint = python_number_hint(t)
            raise DatoTypeError(
                f"region parameter '{a.arg}' must be a tensor type such as float32[64] or a "
                + (
                    f"scalar type with its width: `{a.arg}: {hint}`, not {t.__name__}"
                    if hint
                    else f"scalar type such as int32, float32 or bool, not {t!r}"
                ),
                src.loc(a.annotation),
            )
        out.append((a.arg, t, a))
    return out


class RegionBuilder:
    def __init__(self, src: FunctionSource, bindings: dict[str, int], task_decorator):
        self.src = src
        self.bindings = bindings
        self.task_decorator = task_decorator
        self.kernels: dict = {}  # name -> Kernel, for the simulator
        self.scalars: tuple[RegionScalar, ...] = ()  # its scalar parameters, once read
        self.prefix = ""  # a nested region's instance name and a dot, before its names
        self.regions: list = []  # the region functions being instantiated, outermost first
        self.constants = ConstantPool()  # the numpy arrays its tasks capture

    def _bound(self, size: Size, node: ast.AST) -> Size:
        """A size with its symbols bound (any other value as it is, for the caller to check)."""
        if not isinstance(size, Symbol):
            return size
        try:
            return size.resolve(self.bindings)
        except KeyError as e:
            raise DatoTypeError(
                f"size {e.args[0]} is not bound: call the region with arrays, or compile with "
                f"sizes={{'{e.args[0]}': ...}}",
                self.src.loc(node),
            ) from None

    def _resolve(self, t: TensorType, node: ast.AST) -> TensorType:
        """``t`` with its sizes bound, each dimension from 1 to MAX_SIZE and so its count of
        elements."""
        loc = self.src.loc(node)
        shape = tuple(
            whole_number(self._bound(d, node), f"dimension {k} of {t}", 1, MAX_SIZE, loc)
            for k, d in enumerate(t.shape)
        )
        elements = math.prod(shape)
        if elements > MAX_SIZE:
            raise DatoTypeError(
                f"{t} has {elements} elements, more than the {MAX_SIZE} a tensor may hold", loc
            )
        return TensorType(t.dtype, shape)

    def build(self) -> Region:
        """The region's IR; a failure outside any one statement is located at its ``def``."""
        return _step(self.src, self.src.tree, self._build)

    def _build(self) -> Region:
        src = self.src
        declared = region_param_types(src)
        buffers = tuple(
            Buffer(name, _step(src, node, self._resolve, t, node), src.loc(node))
            for name, t, node in declared
            if isinstance(t, TensorType)
        )
        self.scalars = tuple(
            RegionScalar(name, t, n, src.loc(node))
            for n, (name, t, node) in enumerate(declared)
            if isinstance(t, DType)
        )
        self.constants.taken |= {b.name for b in buffers} | {s.name for s in self.scalars}
        streams, tasks = self.contents({b.name: b for b in buffers}, {})
        if not tasks:
            raise DatoTypeError("the region defines no @dato.task", src.loc(src.tree))
        return Region(
            src.tree.name,
            buffers + self.constants.buffers(),
            tuple(streams.values()),
            tuple(tasks),
            tuple(k.decl for k in self.kernels.values()),
            src.loc(src.tree),
            self.scalars,
        )

    def contents(self, buffers: dict[str, Buffer], given: dict[str, StreamDecl]):
        """The streams this body declares and the tasks it defines, with those of the regions
        it instantiates; ``buffers`` and ``given`` are the tensors and streams its parameters
        name (a nested region's are its caller's)."""
        src = self.src
        streams: dict[str, StreamDecl] = dict(given)
        task_nodes = []
        for stmt in src.tree.body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                continue  # docstring
            if isinstance(stmt, ast.Pass):
                continue
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                decl = _step(src, stmt, self._stream, stmt)
                name = stmt.target.id
                if name in streams or name in buffers or name in {s.name for s in self.scalars}:
                    raise DatoTypeError(f"'{name}' is declared twice", src.loc(stmt))
                streams[name] = decl
            elif isinstance(stmt, ast.FunctionDef) or is_region_call(stmt):
                task_nodes.append(stmt)
            else:
                raise DatoSyntaxError(
                    "a region body holds only stream declarations (`s: Stream[T, depth]`), "
                    "@dato.task functions and instances of other regions (`inner[4](A, s)`)",
                    src.loc(stmt),
                )
        own = {n.name for n in task_nodes if isinstance(n, ast.FunctionDef)} | set(streams)
        made: dict[str, int] = {}
        tasks = []
        nested: dict[str, StreamDecl] = {}
        for node in task_nodes:
            if isinstance(node, ast.FunctionDef):
                built, used = _step(src, node, self._task, node, buffers, streams)
                built = [built]
            else:
                instance = RegionInstance(self, node, buffers, streams)
                inner_streams, built = _step(src, node, instance.flatten, made, own)
                nested.update({d.name: d for d in inner_streams.values()})
                used = {}
            for task in built:
                self._add_task(tasks, task, node)
            for name, kernel in used.items():
                if self.kernels.setdefault(name, kernel) is not kernel:
                    raise DatoTypeError(f"two different kernels are named '{name}'", src.loc(node))
        declared = {n: d for n, d in streams.items() if n not in given}
        return {**declared, **nested}, tasks

    def _add_task(self, tasks: list[Task], task: Task, node: ast.stmt) -> None:
        """Append ``task``, refusing a second task of its name or one instance too many."""
        src = self.src
        if any(t.name == task.name for t in tasks):
            raise DatoTypeError(f"task '{task.name}' is defined twice", src.loc(node))
        tasks.append(task)
        instances = sum(math.prod(t.mapping) for t in tasks)
        if instances > MAX_INSTANCES:
            raise DatoTypeError(
                f"with task '{task.name}' the region has {instances} task instances, more "
                f"than the {MAX_INSTANCES} a program may have",
                src.loc(node),
            )

    def size(self, size: Size, node: ast.AST) -> int:
        """A size given to a nested region, bound and checked as a mapping entry is."""
        return whole_number(
            self._bound(size, node), "a region's size", 1, MAX_SIZE, self.src.loc(node)
        )

    def parameter_type(self, param: ast.arg):
        """A nested region's parameter type: a resolved tensor type or a stream (declaration)."""
        src = self.src
        if param.annotation is None:
            raise DatoTypeError(
                f"region parameter '{param.arg}' needs a tensor or stream type",
                src.loc(param),
            )
        t = src.evaluate(param.annotation, f"the type of '{param.arg}'")
        if isinstance(t, TensorType):
            return self._resolve(t, param.annotation)
        if isinstance(t, StreamType):
            return self._stream_decl(param.arg, t, param.annotation)
        raise DatoTypeError(
            f"region parameter '{param.arg}' must be a tensor or stream type, not {t!r}",
            src.loc(param.annotation),
        )

    def _stream(self, stmt: ast.AnnAssign) -> StreamDecl:
        name = stmt.target.id
        if stmt.value is not None:
            raise DatoSyntaxError(
                f"a stream is declared, not assigned: `{name}: Stream[T, depth]`",
                self.src.loc(stmt.value),
            )
        t = self.src.evaluate(stmt.annotation, f"the type of stream '{name}'")
        if not isinstance(t, StreamType):
            raise DatoTypeError(
                f"'{name}' must be declared as a Stream[T, depth], not {t!r}",
                self.src.loc(stmt.annotation),
            )
        return replace(
            self._stream_decl(name, t, stmt.annotation),
            name=self.prefix + name,
            loc=self.src.loc(stmt),
        )

    def _stream_decl(self, name: str, t: StreamType, node: ast.expr) -> StreamDecl:
        """The stream ``name: t`` with its sizes bound and checked."""
        loc = self.src.loc(node)
        elem = self._resolve(t.elem, node) if isinstance(t.elem, TensorType) else t.elem
        shape = tuple(
            whole_number(
                self._bound(d, node),
                f"dimension {k} of stream array '{name}'",
                1,
                MAX_CHANNELS,
                loc,
            )
            for k, d in enumerate(t.shape)
        )
        if math.prod(shape) > MAX_CHANNELS:
            raise DatoTypeError(
                f"stream array '{name}' of shape {list(shape)} has {math.prod(shape)} channels, "
                f"more than the {MAX_CHANNELS} a stream array may have",
                loc,
            )
        depth = whole_number(
            self._bound(t.depth, node), f"the depth of stream '{name}'", 1, MAX_DEPTH, loc
        )
        return StreamDecl(name, elem, depth, shape, loc)

    def _task(self, node: ast.FunctionDef, buffers: dict[str, Buffer], streams):
        src = self.src
        mapping, arg_names = self._decorator(node, set(buffers))
        fn_args = node.args
        if fn_args.vararg or fn_args.kwarg or fn_args.kwonlyargs or fn_args.defaults:
            raise DatoSyntaxError("task parameters are plain annotated names", src.loc(node))
        if len(fn_args.args) != len(arg_names):
            raise DatoTypeError(
                f"task '{node.name}' has {len(fn_args.args)} parameters but args= lists "
                f"{len(arg_names)} tensors",
                src.loc(node),
            )
        by_name = buffers
        params = {}
        for a, buffer_name in zip(fn_args.args, arg_names):
            params[a.arg] = self._param(a, by_name[buffer_name], mapping)
        scalars = {s.name: s.type for s in self.scalars}
        ctx = TaskContext(
            node.name, mapping, params, streams, set(by_name), self.bindings, scalars=scalars
        )
        constants = ctx.constants = TaskConstants(self.constants)
        body = TaskBuilder(src, ctx).body(node.body)
        body = (*constants.prelude, *body)  # the small constants copied in first
        params = (*params.values(), *constants.params)
        task = Task(self.prefix + node.name, mapping, params, body, src.loc(node))
        check_staging(task)
        check_writeback(task)
        return task, ctx.kernels

    def _decorator(self, node: ast.FunctionDef, buffer_names: set[str]):
        src = self.src
        decorators = [
            d
            for d in node.decorator_list
            if isinstance(d, ast.Call)
            and src.evaluate(d.func, "a decorator") is self.task_decorator
        ]
        if len(decorators) != 1 or len(node.decorator_list) != 1:
            raise DatoSyntaxError(
                f"'{node.name}' must be decorated with @dato.task(...) (and nothing else)",
                src.loc(node),
            )
        call = decorators[0]
        if call.args:
            raise DatoSyntaxError(
                "@dato.task takes keywords: mapping=[...], args=[...]", src.loc(call)
            )
        mapping: tuple[int, ...] = (1,)
        arg_names: list[str] = []
        for kw in call.keywords:
            if kw.arg == "mapping":
                mapping = self._mapping(kw.value)
            elif kw.arg == "args":
                if not isinstance(kw.value, (ast.List, ast.Tuple)):
                    raise DatoSyntaxError(
                        "args= takes a list of region parameters", src.loc(kw.value)
                    )
                for elt in kw.value.elts:
                    if isinstance(elt, ast.Name) and elt.id in {s.name for s in self.scalars}:
                        raise DatoTypeError(
                            f"'{elt.id}' is a scalar parameter of the region: a task reads it "
                            "by name, without listing it in args=",
                            src.loc(elt),
                        )
                    if not isinstance(elt, ast.Name) or elt.id not in buffer_names:
                        raise DatoTypeError(
                            f"`{ast.unparse(elt)}` is not a parameter of the region",
                            src.loc(elt),
                        )
                    arg_names.append(elt.id)
            else:
                raise DatoSyntaxError(f"@dato.task has no option '{kw.arg}'", src.loc(kw))
        return mapping, arg_names

    def _mapping(self, node: ast.expr) -> tuple[int, ...]:
        """A task's mapping grid: 1 to MAX_MAPPING_AXES axes of whole numbers (a single number
        is one axis), making at most MAX_INSTANCES instances."""
        value = self.src.evaluate(node, "the mapping")
        entries = list(value) if isinstance(value, (list, tuple)) else [value]
        loc = self.src.loc(node)
        if not 1 <= len(entries) <= MAX_MAPPING_AXES:
            raise DatoTypeError(
                f"a mapping lists the grid's size along each of its 1 to {MAX_MAPPING_AXES} "
                f"axes, such as [2, 4], not {value!r}",
                loc,
            )
        mapping = tuple(
            whole_number(
                self._bound(entry, node),
                f"axis {axis} of the mapping {value!r}",
                1,
                MAX_INSTANCES,
                loc,
            )
            for axis, entry in enumerate(entries)
        )
        if math.prod(mapping) > MAX_INSTANCES:
            raise DatoTypeError(
                f"the mapping {list(mapping)} makes {math.prod(mapping)} instances, more than "
                f"the {MAX_INSTANCES} a program may have",
                loc,
            )
        return mapping

    def _param(self, a: ast.arg, buffer: Buffer, mapping: tuple[int, ...]) -> TaskParam:
        src = self.src
        if a.annotation is None:
            raise DatoTypeError(
                f"task parameter '{a.arg}' needs a type, e.g. `{a.arg}: {buffer.type}`",
                src.loc(a),
            )
        t = src.evaluate(a.annotation, f"the type of '{a.arg}'")
        if isinstance(t, TensorType):
            t = LayoutType(t, tuple(R for _ in t.shape))
        if not isinstance(t, LayoutType):
            raise DatoTypeError(
                f"'{a.arg}' must be a tensor type, not {t!r}", src.loc(a.annotation)
            )
        global_type = self._resolve(t.tensor, a.annotation)
        if global_type != buffer.type:
            raise DatoTypeError(
                f"parameter '{a.arg}' is declared {global_type} but receives '{buffer.name}' "
                f"of type {buffer.type}",
                src.loc(a.annotation),
            )
        local = []
        for dim, (size, entry) in enumerate(zip(global_type.shape, t.layout)):
            if isinstance(entry, Shard):
                if entry.axis >= len(mapping):
                    raise DatoTypeError(
                        f"S({entry.axis}) names mapping axis {entry.axis}, but the task's "
                        f"mapping {list(mapping)} has {len(mapping)} "
                        f"ax{'is' if len(mapping) == 1 else 'es'}",
                        src.loc(a.annotation),
                    )
                parts = mapping[entry.axis]
                if size % parts:
                    raise DatoTypeError(
                        f"dimension {dim} of '{a.arg}' (size {size}) does not divide evenly "
                        f"across mapping axis {entry.axis} (size {parts})",
                        src.loc(a.annotation),
                    )
                size //= parts
            local.append(size)
        return TaskParam(
            a.arg,
            buffer.name,
            t.layout,
            TensorType(global_type.dtype, tuple(local)),
            src.loc(a),
            self._stage(a, t.stage, tuple(local)),
            t.writeback.depth if t.writeback is not None else 1,
        )

    def _stage(self, a: ast.arg, stage: Stage | None, local: tuple[int, ...]) -> Stage | None:
        """The staged panel with its sizes bound; each must divide the shard the instance sees,
        so that the panels tile it."""
        if stage is None:
            return None
        loc = self.src.loc(a.annotation)
        panel = tuple(
            whole_number(
                self._bound(d, a.annotation), f"dimension {k} of the panel", 1, MAX_SIZE, loc
            )
            for k, d in enumerate(stage.panel)
        )
        for dim, (p, size) in enumerate(zip(panel, local)):
            if size % p:
                raise DatoTypeError(
                    f"the panel {panel} of '{a.arg}' does not tile its shard {list(local)}: "
                    f"dimension {dim} ({size}) is not a multiple of {p}",
                    loc,
                )
        if panel[0] % stage.parts:
            raise DatoTypeError(
                f"the panel {panel} of '{a.arg}' cannot be held in {stage.parts} parts: its "
                f"first dimension ({panel[0]}) is not a multiple of {stage.parts}",
                loc,
            )
        return Stage(stage.level, panel, stage.depth, stage.parts)
