"""The forms a compiled program can be emitted in, found by name: ``prog.emit(kind)``.

Each ``Emitter`` turns a program into text; one that also has ``write`` lays out a whole
project in a directory (``prog.emit("hls", directory=d)``). A new form is registered in
``EMITTERS`` below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from datobench.core.codegen.hls import emit_kernel, emit_project
from datobench.core.errors import DatoError, caller_loc
from datobench.core.ir import dot, serialize


@dataclass(frozen=True)
class Emitter:
    name: str
    about: str
    text: Callable[..., str]  # program -> the program in this form
    write: Callable[..., str] | None = None  # (program, directory) -> the project's path


def _aie(program) -> str:
    from datobench.core.codegen.aie import emit_design

    return emit_design(program)


def _write_aie(program, directory: str | Path) -> str:
    from datobench.core.codegen.aie.project import write_project

    return str(write_project(program, directory))


def _write_hls(program, directory: str | Path) -> str:
    return str(emit_project(program).write(directory))


EMITTERS: dict[str, Emitter] = {
    e.name: e
    for e in (
        Emitter("ir", "the region as written", lambda p: str(p.region)),
        Emitter("graph", "the instances and channels", lambda p: str(p.graph)),
        Emitter("json", "the instance graph, exactly", lambda p: serialize.to_json(p.graph)),
        Emitter("dot", "the instance graph for Graphviz", lambda p: dot.graph_dot(p.graph)),
        Emitter("hls", "the Vitis HLS kernel (a project with directory=)", emit_kernel, _write_hls),
        Emitter("mlir-aie", "the MLIR-AIE design (a project with directory=)", _aie, _write_aie),
    )
}


def emitter(kind: str) -> Emitter:
    """The emitter called ``kind``; an unknown kind is a located DatoError listing them."""
    if kind not in EMITTERS:
        raise DatoError(
            f"unknown emit kind '{kind}'; available: {', '.join(EMITTERS)}", caller_loc()
        )
    return EMITTERS[kind]
