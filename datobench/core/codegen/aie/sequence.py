"""The runtime sequence: every shim FIFO's blocks of its host buffer as legal
``dma_memcpy_nd`` transfers, issued in the order the tasks move them, with waits.

Transfers of all FIFOs are interleaved by how far into its FIFO's data each starts, so that
reads and writes progress together. Each takes one of 16 buffer-descriptor ids; when they are
all in use, the sequence waits for the FIFO whose transfers in flight end soonest (a wait
covers every transfer of its FIFO issued so far; one whose data the cores cannot take yet
would never end), and reuses its ids. At the
end it waits for every write. (A shim tile has 16 BDs of its own, so ids could repeat across
columns; they are numbered across the whole sequence, which is legal either way and what
the verifier checks.)
"""

from __future__ import annotations

from dataclasses import dataclass

from datobench.core.codegen.aie import dma, types
from datobench.core.codegen.aie.plan import Plan, ShimMove

SHIM_BDS = 16


@dataclass(frozen=True)
class Issue:
    fifo: str
    buffer: str
    transfer: dma.Transfer
    start: float  # the fraction of its FIFO's data moved before it
    end: float  # ... and once it is done
    write: bool


def issues(plan: Plan, element_bytes: dict[str, int]) -> list[Issue]:
    out = []
    for move in plan.moves:
        out += _issues(move, element_bytes[move.buffer])
    return sorted(out, key=lambda i: (i.start, i.write))


def _issues(move: ShimMove, element_bytes: int) -> list[Issue]:
    what = f"the transfers of '{move.buffer}' ({move.fifo})"
    transfers = dma.transfers(move.blocks, element_bytes, what)
    total = sum(_elements(t) for t in transfers) or 1
    out, done = [], 0
    for t in transfers:
        end = done + _elements(t)
        write = move.direction == "write"
        out.append(Issue(move.fifo, move.buffer, t, done / total, end / total, write))
        done = end
    return out


def _elements(t: dma.Transfer) -> int:
    n = 1
    for s in t.sizes:
        n *= s
    return n


def sequence_lines(plan: Plan, program, op_name: str, arg: dict[str, str]) -> list[str]:
    """The runtime sequence op with its body, one line per op."""
    params = program.region.params
    mems = {b.name: types.memref((b.type.size,), b.type) for b in params}
    element_bytes = {b.name: b.type.dtype.bytes for b in params}
    header = ", ".join(f"{arg[b.name]}: {mems[b.name]}" for b in params)
    lines = [f"{op_name}({header}) {{"]
    ids = list(range(SHIM_BDS))
    pending: list[tuple[int, str, float]] = []  # (BD id, FIFO, end) issued, not waited for
    for issue in issues(plan, element_bytes):
        if not ids:  # wait for the FIFO that is done soonest
            done = {}
            for _, f, end in pending:
                done[f] = max(done.get(f, 0.0), end)
            fifo = min(done, key=done.get)
            lines.append(f"  aiex.npu.dma_wait {{symbol = @{fifo}}}")
            ids += sorted(bd for bd, f, _ in pending if f == fifo)
            pending = [p for p in pending if p[1] != fifo]
        bd = ids.pop(0)
        pending.append((bd, issue.fifo, issue.end))
        t = issue.transfer
        lines.append(
            f"  aiex.npu.dma_memcpy_nd({arg[issue.buffer]}{_list(t.offsets())}{_list(t.sizes)}"
            f"{_list(t.strides)}) {{id = {bd} : i64, issue_token = true, "
            f"metadata = @{issue.fifo}}} : {mems[issue.buffer]}"
        )
    for move in plan.moves:  # the writes still in flight
        if move.direction == "write" and any(p[1] == move.fifo for p in pending):
            lines.append(f"  aiex.npu.dma_wait {{symbol = @{move.fifo}}}")
    lines.append("}")
    return lines


def _list(xs) -> str:
    return "[" + ", ".join(map(str, xs)) + "]"
