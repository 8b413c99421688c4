"""The IR's text, JSON and DOT forms, for every example and for small golden regions."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import datobench as dato
from datobench import R, S, Stream, float32
from datobench.core.errors import Loc
from datobench.core.ir.nodes import Const, Get, Put, StreamRef, Var
from datobench.core.ir.program import StreamDecl
from datobench.core.ir.serialize import from_json, to_json
from datobench.core.ir.types import Replicate, Shard, boolean, index
from datobench.programs import pipeline as make_pipeline

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def example_regions():
    """(id, region) for every region defined at the top level of an example script."""
    out = []
    for path in EXAMPLES:
        spec = importlib.util.spec_from_file_location(f"ir_example_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        regions = [v for v in vars(module).values() if isinstance(v, dato.RegionFunction)]
        assert regions, f"{path.name} defines no region"
        out += [(f"{path.stem}:{r.__name__}", r) for r in regions]
    return out


REGIONS = example_regions()


@pytest.fixture(scope="module", params=REGIONS, ids=[name for name, _ in REGIONS])
def prog(request):
    return dato.compile(request.param[1])


def test_every_example_has_a_region():
    assert len(REGIONS) == len(EXAMPLES) == 11


# -- (a) text forms --------------------------------------------------------------------------


def test_ir_text_names_every_task_and_stream(prog):
    text = prog.emit("ir")
    lines = text.splitlines()
    assert lines[0].startswith(f"region {prog.region.name}(")
    for buf in prog.region.params:
        assert f"{buf.name}: {buf.type}" in lines[0]
    for task in prog.region.tasks:
        assert any(
            line.startswith(f"  task {task.name} mapping={list(task.mapping)} ") for line in lines
        ), task.name
    for decl in prog.region.streams:
        shape = f"[{', '.join(map(str, decl.shape))}]" if decl.shape else ""
        assert f"  stream {decl.name}{shape}: {decl.elem}, depth {decl.depth}" in lines


def test_graph_text_names_every_instance_and_channel(prog):
    graph = prog.graph
    text = prog.emit("graph")
    lines = text.splitlines()
    assert lines[0] == (
        f"graph {prog.region.name}: {len(graph.instances)} instances, "
        f"{len(graph.channels)} channels"
    )
    headers = [line for line in lines if line.startswith("  instance ")]
    assert [h.split()[1] for h in headers] == [i.name for i in graph.instances]
    for inst in graph.instances:
        assert any(h.startswith(f"  instance {inst.name} of {inst.task} ") for h in headers)
    channel_lines = [line for line in lines if line.startswith("  channel ")]
    assert len(channel_lines) == len(graph.channels)
    for c, line in zip(graph.channels, channel_lines):
        assert line.startswith(f"  channel {c.name}: {c.producer} -> {c.consumer}, {c.elem}, ")
    assert str(graph.region.name) in repr(prog)


def test_emit_rejects_unknown_kind(prog):
    with pytest.raises(dato.DatoError, match="unknown emit kind 'svg'"):
        prog.emit("svg")


# -- (b) JSON round trip ---------------------------------------------------------------------


def test_json_round_trip_graph(prog):
    assert from_json(to_json(prog.graph)) == prog.graph


def test_json_round_trip_region(prog):
    assert from_json(to_json(prog.region)) == prog.region


def test_json_round_trip_of_emitted_json(prog):
    assert from_json(prog.emit("json")) == prog.graph


def test_json_round_trip_tensor_type_minimal():
    assert from_json(to_json(float32[4])) == float32[4]


def test_emitted_json_is_the_graph(prog):
    data = json.loads(prog.emit("json"))
    assert data["node"] == "Graph"
    assert [i["name"] for i in data["instances"]] == [i.name for i in prog.graph.instances]
    assert [c["name"] for c in data["channels"]] == [c.name for c in prog.graph.channels]
    assert data["region"]["name"] == prog.region.name


@pytest.mark.parametrize(
    "obj",
    [
        float32,
        Loc("cell.py", 3, 7),
        Shard(1),
        Replicate(),
        Const(1.0, float32),  # a float stays a float
        Const(1, index, weak=True),
        Const(float("inf"), float32),
        Const(True, boolean),
        Var("x", float32, Loc("f.py", 1, 0)),
        Put(StreamRef("s", (Const(0, index), Const(2, index))), Var("x", float32)),
        Get(StreamRef("s"), float32),
        StreamDecl("s", float32, 2, (4,)),
    ],
    ids=repr,
)
def test_json_round_trip_of_scalar_typed_nodes(obj):
    back = from_json(to_json(obj))
    assert back == obj
    assert type(back) is type(obj)
    if isinstance(obj, Const):
        assert type(back.value) is type(obj.value)


# -- (c) DOT ---------------------------------------------------------------------------------

_ID = r'"(?:[^"\\]|\\.)*"'
_ATTRS = rf"\[\s*\w+=(?:{_ID}|[\w#.]+)(?:\s*,\s*\w+=(?:{_ID}|[\w#.]+))*\s*\]"
_STATEMENTS = [
    re.compile(r"\w+=\w+;"),  # rankdir=LR;
    re.compile(rf"(?:node|edge|graph)\s*{_ATTRS};"),
    re.compile(rf"{_ID}(?:\s*{_ATTRS})?;"),  # node
    re.compile(rf"{_ID}\s*->\s*{_ID}(?:\s*{_ATTRS})?;"),  # edge
]


def _unquote(text: str) -> str:
    return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")


def check_dot_structure(text: str, prog) -> None:
    lines = text.strip().splitlines()
    assert re.fullmatch(rf"digraph {_ID} \{{", lines[0]), lines[0]
    assert _unquote(lines[0][len("digraph ") : -2]) == prog.region.name
    assert lines[-1] == "}"
    edges = []
    nodes = set()
    for line in lines[1:-1]:
        stmt = line.strip()
        assert any(p.fullmatch(stmt) for p in _STATEMENTS), f"not a DOT statement: {stmt!r}"
        ids = re.findall(_ID, stmt.split("[", 1)[0])
        if "->" in stmt:
            edges.append((_unquote(ids[0]), _unquote(ids[1]), stmt))
        elif ids:
            nodes.add(_unquote(ids[0]))
    for inst in prog.graph.instances:
        assert inst.name in nodes
    for c in prog.graph.channels:
        matching = [
            s
            for src, dst, s in edges
            if (src, dst) == (c.producer, c.consumer) and f'label="{c.name}\\n' in s
        ]
        assert len(matching) == 1, f"channel {c.name} is not an edge of the DOT graph"
    stream_edges = [e for e in edges if not e[0].startswith("buf:")]
    assert len(stream_edges) == len(prog.graph.channels)


def test_dot_is_valid(prog):
    text = prog.emit("dot")
    check_dot_structure(text, prog)
    dot = shutil.which("dot")
    if dot is not None:
        proc = subprocess.run(
            [dot, "-Tsvg"], input=text, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr
        assert "<svg" in proc.stdout
        for inst in prog.graph.instances:
            assert f">{inst.name}</text>" in proc.stdout


def test_dot_structure_check_rejects_broken_graphs():
    prog = dato.compile(pipeline)
    text = prog.emit("dot")
    check_dot_structure(text, prog)
    edge = '  "producer" -> "consumer" [label="pipe\\nfloat32[16] x2"];\n'
    assert edge in text
    with pytest.raises(AssertionError, match="not an edge"):
        check_dot_structure(text.replace(edge, ""), prog)
    with pytest.raises(AssertionError, match="not a DOT statement"):
        check_dot_structure(text.replace(edge, '  "producer" -> ;\n'), prog)
    with pytest.raises(AssertionError):
        check_dot_structure(text.rstrip().rstrip("}"), prog)


# -- golden text (FileCheck style) -----------------------------------------------------------


def filecheck(text: str, checks: str) -> None:
    """A small FileCheck: ``CHECK: line`` matches a later line exactly (indentation included),
    ``CHECK-NEXT: line`` the very next one, ``CHECK-NOT: text`` no line between the previous
    match and the next one contains ``text``."""
    lines = text.splitlines()
    pos = 0  # index of the first line not yet consumed
    pending_not: list[str] = []
    for raw in checks.splitlines():
        if not raw.strip():
            continue
        directive, _, want = raw.strip().partition(": ")
        want = want.replace("\\s", " ")  # "\s" marks a significant leading space
        if directive == "CHECK-NOT":
            pending_not.append(want)
            continue
        if directive == "CHECK-NEXT":
            assert pos < len(lines) and lines[pos] == want, (
                f"CHECK-NEXT: expected {want!r} at line {pos + 1}, got "
                f"{lines[pos] if pos < len(lines) else '<end>'!r}\n{text}"
            )
            found = pos
        elif directive == "CHECK":
            try:
                found = lines.index(want, pos)
            except ValueError:
                raise AssertionError(
                    f"CHECK: {want!r} not found after line {pos}\n{text}"
                ) from None
        else:
            raise ValueError(f"unknown directive {directive!r}")
        for forbidden in pending_not:
            for line in lines[pos:found]:
                assert forbidden not in line, f"CHECK-NOT: {forbidden!r} found in {line!r}"
        pending_not = []
        pos = found + 1
    for forbidden in pending_not:
        for line in lines[pos:]:
            assert forbidden not in line, f"CHECK-NOT: {forbidden!r} found in {line!r}"


pipeline = make_pipeline(16, 2)


P1 = 3


@dato.region
def hops(A: float32[2, 16], B: float32[2, 16]):
    s: Stream[float32[16], 2][2, P1]

    @dato.task(mapping=[2], args=[A])
    def src(a: float32[2, 16] @ [S(0), R]):
        i = dato.pid()
        s[i, 0].put(a[0, :])

    @dato.task(mapping=[2, P1], args=[B])
    def hop(b: float32[2, 16] @ [S(0), R]):
        i, j = dato.pid()
        x = s[i, j].get()
        if j < P1 - 1:
            s[i, j + 1].put(x + 1.0)
        else:
            b[0, :] = x


@dato.region
def rows(A: float32[64, 8], B: float32[64, 8]):
    @dato.task(mapping=[4], args=[A, B])
    def twice(a: float32[64, 8] @ [S(0), R], b: float32[64, 8] @ [S(0), R]):
        b[:, :] = a[:, :] * 2.0


def test_golden_producer_consumer_ir():
    filecheck(
        dato.compile(pipeline).emit("ir"),
        """
        CHECK: region pipeline(A: float32[64], B: float32[64]):
        CHECK-NEXT: \\s stream pipe: float32[16], depth 2
        CHECK-NEXT: \\s task producer mapping=[1] (a: float32[64] = A):
        CHECK-NEXT: \\s   for i in range(0, 4, 1):
        CHECK-NEXT: \\s     put pipe, a[(i * 16):+16]
        CHECK-NEXT: \\s task consumer mapping=[1] (b: float32[64] = B):
        CHECK-NEXT: \\s   for i in range(0, 4, 1):
        CHECK-NEXT: \\s     b[(i * 16):+16] = (get pipe + float32(1.0))
        """,
    )


def test_golden_producer_consumer_graph():
    filecheck(
        dato.compile(pipeline).emit("graph"),
        """
        CHECK: graph pipeline: 2 instances, 1 channels
        CHECK-NEXT: \\s instance producer of producer pid=[0] (a = A[0:64]):
        CHECK-NEXT: \\s   for i in range(0, 4, 1):
        CHECK-NEXT: \\s     put pipe, a[(i * 16):+16]
        CHECK-NEXT: \\s instance consumer of consumer pid=[0] (b = B[0:64]):
        CHECK: \\s channel pipe: producer -> consumer, float32[16], depth 2, 4 transfers
        """,
    )


def test_golden_region_keeps_the_pid_condition():
    # Before instance expansion the test on pid is still there (P1 - 1 folded to 2).
    filecheck(
        dato.compile(hops).emit("ir"),
        """
        CHECK: \\s task hop mapping=[2, 3] (b: float32[1, 16] = B @ [S(0), R]):
        CHECK-NEXT: \\s   x: float32[16] = get s[pid[0], pid[1]]
        CHECK-NEXT: \\s   if (pid[1] < 2):
        CHECK-NEXT: \\s     put s[pid[0], (pid[1] + 1)], (x + float32(1.0))
        CHECK-NEXT: \\s   else:
        CHECK-NEXT: \\s     b[0, 0:+16] = x
        """,
    )


def test_golden_instance_expansion_folds_pid_condition():
    text = dato.compile(hops).emit("graph")
    filecheck(
        text,
        """
        CHECK: \\s instance hop_0_1 of hop pid=[0, 1] (b = B[0:1, 0:16]):
        CHECK-NEXT: \\s   x: float32[16] = get s[0, 1]
        CHECK-NEXT: \\s   put s[0, 2], (x + float32(1.0))
        CHECK-NEXT: \\s instance hop_0_2 of hop pid=[0, 2] (b = B[0:1, 0:16]):
        CHECK-NEXT: \\s   x: float32[16] = get s[0, 2]
        CHECK-NEXT: \\s   b[0, 0:+16] = x
        CHECK-NEXT: \\s instance hop_1_0 of hop pid=[1, 0] (b = B[1:2, 0:16]):
        CHECK: \\s instance hop_1_2 of hop pid=[1, 2] (b = B[1:2, 0:16]):
        CHECK-NEXT: \\s   x: float32[16] = get s[1, 2]
        CHECK-NEXT: \\s   b[0, 0:+16] = x
        CHECK: \\s channel s[0, 0]: src_0 -> hop_0_0, float32[16], depth 2, 1 transfer
        CHECK-NOT: hop_0_2 ->
        CHECK: \\s channel s[1, 2]: hop_1_1 -> hop_1_2, float32[16], depth 2, 1 transfer
        """,
    )
    assert "s[0, 3]" not in text and "s[1, 3]" not in text  # out-of-range channels
    assert " if " not in text and "else:" not in text  # every pid test was decided


def test_golden_shard_windows():
    filecheck(
        dato.compile(rows).emit("graph"),
        """
        CHECK: graph rows: 4 instances, 0 channels
        CHECK-NEXT: \\s instance twice_0 of twice pid=[0] (a = A[0:16, 0:8], b = B[0:16, 0:8]):
        CHECK-NEXT: \\s   b[0:+16, 0:+8] = (a[0:+16, 0:+8] * float32(2.0))
        CHECK-NEXT: \\s instance twice_1 of twice pid=[1] (a = A[16:32, 0:8], b = B[16:32, 0:8]):
        CHECK-NEXT: \\s   b[0:+16, 0:+8] = (a[0:+16, 0:+8] * float32(2.0))
        CHECK-NEXT: \\s instance twice_2 of twice pid=[2] (a = A[32:48, 0:8], b = B[32:48, 0:8]):
        CHECK: \\s instance twice_3 of twice pid=[3] (a = A[48:64, 0:8], b = B[48:64, 0:8]):
        """,
    )


def test_filecheck_helper_rejects_mismatches():
    # The golden tests are only as good as the checker: make sure it does fail.
    text = "a\n  b\nc\n"
    filecheck(text, "CHECK: a\nCHECK-NEXT: \\s b\nCHECK-NEXT: c")
    with pytest.raises(AssertionError):
        filecheck(text, "CHECK: a\nCHECK-NEXT: c")
    with pytest.raises(AssertionError):
        filecheck(text, "CHECK: b")  # indentation is part of the line
    with pytest.raises(AssertionError):
        filecheck(text, "CHECK: a\nCHECK-NOT: b\nCHECK: c")
    with pytest.raises(AssertionError):
        filecheck(text, "CHECK: c\nCHECK: a")  # order matters
