"""``verify(text)``: an MLIR-AIE design against the hardware's rules and mlir-aie's.

Structure (devices, tiles, object FIFOs, links, cores and their acquires) is checked here;
hand-written DMA (flows, shim allocations, DMA programs) in ``handdma_verify``; the runtime
sequence's shim transfers in ``shim``; per-tile resources in ``budget``. Each broken
rule is an ``AieVerifyError`` at the offending op's line.
"""

from __future__ import annotations

from xdsl.ir import Operation
from xdsl.utils.exceptions import VerifyException

from datobench.core.codegen.aie import budget, handdma_verify, shim
from datobench.core.codegen.aie.devices import PARTITIONS, device
from datobench.core.codegen.aie.dialect import (
    BufferOp,
    CoreOp,
    DeviceOp,
    LockOp,
    RuntimeSequenceOp,
    TileOp,
)
from datobench.core.codegen.aie.model import (
    AieVerifyError,
    Scope,
    Tile,
    memref_bytes,
    release_of,
    scope_of,
)
from datobench.core.codegen.aie.objectfifo import (
    ObjectFifoAcquireOp,
    ObjectFifoCreateOp,
    ObjectFifoLinkOp,
    ObjectFifoReleaseOp,
    ObjectFifoSubviewAccessOp,
    ObjectFifoSubviewType,
)
from datobench.core.codegen.aie.parse import Design, read_design
from datobench.core.codegen.aie.syntax import int_value


def verify(text: str, release: str | None = None) -> None:
    """Raise an ``AieVerifyError`` (or ``AieSyntaxError``) for the first broken rule of the
    design in ``text``. ``release`` overrides the one its first line records."""
    for scope in scopes(text, release):
        budget.check(scope)


def budgets(text: str, release: str | None = None) -> dict[Tile, dict[str, int]]:
    """Per tile (col, row) of a verified design, the resources it uses, named as the mapper's
    ledger names them (core/passes/resources.py)."""
    out: dict[Tile, dict[str, int]] = {}
    for scope in scopes(text, release):
        out.update(budget.usage(scope))
    return out


def scopes(text: str, release: str | None = None) -> list[Scope]:
    """Each ``aie.device`` of the design, checked for every rule but the budgets."""
    design = read_design(text)
    release = release or release_of(text)
    _verify_ops(design)
    devices = [op for op in design.module.walk() if isinstance(op, DeviceOp)]
    if not devices:
        raise AieVerifyError("the design has no aie.device", text, 1)
    new = any(isinstance(op, RuntimeSequenceOp) for op in design.module.walk())
    out = []
    for op in devices:
        dev = device(op.device.data, release, new)
        if dev is None:
            known = ", ".join(PARTITIONS)
            raise AieVerifyError(
                f"unknown device '{op.device.data}'; known: {known}", text, design.line(op)
            )
        scope = scope_of(design, op, dev, release)
        _check_tiles(scope)
        _check_fifos(scope)
        _check_links(scope)
        _check_cores(scope)
        handdma_verify.check(scope)
        shim.check(scope)
        out.append(scope)
    return out


def _verify_ops(design: Design) -> None:
    """xDSL's own verification (types, operand counts, each op's ``verify_``), op by op."""
    for op in design.module.walk():
        try:
            op.verify(verify_nested_ops=False)
        except VerifyException as error:
            raise AieVerifyError(
                f"'{op.name}' op failed to verify: {error}", design.text, design.line(op)
            ) from None


def _check_tiles(scope: Scope) -> None:
    seen: dict[Tile, Operation] = {}
    dev = scope.device
    for op in scope.op.body.block.ops:
        if isinstance(op, TileOp):
            col, row = op.coords
            if dev.tile_kind(col, row) is None:
                raise AieVerifyError(
                    f"tile ({col}, {row}) is outside device {dev.name}: columns 0-"
                    f"{dev.columns - 1}, rows 0-{dev.target.rows - 1}",
                    *scope.at(op),
                )
            if (col, row) in seen:
                raise AieVerifyError(f"tile ({col}, {row}) is declared twice", *scope.at(op))
            seen[(col, row)] = op
        elif isinstance(op, BufferOp | LockOp):
            tile = scope.tile_of(op.tile, op)
            if isinstance(op, LockOp):
                _check_lock(scope, op, tile)
            if scope.kind(tile) == "shim" and isinstance(op, BufferOp):
                raise AieVerifyError(
                    f"aie.buffer on shim tile {tile}: a shim tile has no memory", *scope.at(op)
                )


MAX_LOCK_VALUE = 63  # an AIE-ML semaphore lock counts 0-63


def _check_lock(scope: Scope, op: LockOp, tile: Tile) -> None:
    kind = scope.kind(tile)
    locks = scope.device.target.tiles[kind].locks
    if op.lockID is not None and not 0 <= op.lockID.value.data < locks:
        raise AieVerifyError(
            f"aie.lock id {op.lockID.value.data} on tile {tile} ({kind}): ids are 0-{locks - 1}",
            *scope.at(op),
        )
    init = op.attributes.get("init", op.properties.get("init"))
    if init is not None and not 0 <= int_value(init) <= MAX_LOCK_VALUE:
        raise AieVerifyError(
            f"aie.lock init = {int_value(init)}: a lock counts 0-{MAX_LOCK_VALUE}", *scope.at(op)
        )


def _check_fifos(scope: Scope) -> None:
    for name, fifo in scope.fifos.items():
        ends = [scope.producer(fifo), *scope.consumers(fifo)]
        for tile in ends:
            if scope.kind(tile) == "shim" and tile[0] not in scope.device.shim_dma_columns:
                raise AieVerifyError(
                    f"object FIFO @{name}: shim tile {tile} has no shim DMA on {scope.device.name}"
                    f" (columns with one: {', '.join(map(str, scope.device.shim_dma_columns))})",
                    *scope.at(fifo),
                )
        repeated = [t for t in set(ends) if ends.count(t) > 1]
        if repeated and (len(ends) > 2 or scope.kind(repeated[0]) != "compute"):
            raise AieVerifyError(
                f"object FIFO @{name} names tile {repeated[0]} at both ends (only a compute "
                "tile's FIFO to its own core may)",
                *scope.at(fifo),
            )
        kinds = [scope.kind(t) for t in ends]
        if kinds[0] == "shim" and "shim" in kinds[1:]:
            raise AieVerifyError(
                f"object FIFO @{name} goes from a shim tile to a shim tile", *scope.at(fifo)
            )
        if kinds[0] == "shim" and fifo.dimensionsToStream is not None:
            raise AieVerifyError(
                f"object FIFO @{name}: no toStream layout on a shim producer (a shim's access "
                "pattern is its dma_memcpy_nd)",
                *scope.at(fifo),
            )
        _check_repeat(scope, name, fifo, kinds[0])
        from_dims = fifo.dimensionsFromStreamPerConsumer
        if from_dims is not None:
            for tile, dims in zip(ends[1:], from_dims.data):
                if dims.data and scope.kind(tile) == "shim":
                    raise AieVerifyError(
                        f"object FIFO @{name}: no fromStream layout on shim consumer {tile}",
                        *scope.at(fifo),
                    )
        if memref_bytes(scope.element(fifo)) % 4:
            raise AieVerifyError(
                f"object FIFO @{name}: an element of {memref_bytes(scope.element(fifo))} bytes; "
                "DMA moves whole 32-bit words",
                *scope.at(fifo),
            )


def _check_links(scope: Scope) -> None:
    used: dict[tuple[str, str], ObjectFifoLinkOp] = {}
    for link in scope.links:
        ins = [scope.fifo(n, link) for n in link.ins]
        outs = [scope.fifo(n, link) for n in link.outs]
        for side, names in (("input", link.ins), ("output", link.outs)):
            for n in names:
                if (side, n) in used:
                    raise AieVerifyError(
                        f"object FIFO @{n} is the {side} of two links", *scope.at(link)
                    )
                used[(side, n)] = link
        homes = {t for f in ins for t in scope.consumers(f)} | {scope.producer(f) for f in outs}
        if len(homes) != 1:
            where = ", ".join(map(str, sorted(homes)))
            raise AieVerifyError(
                f"a link's inputs must end, and its outputs start, at one tile; here: {where}",
                *scope.at(link),
            )
        (home,) = homes
        if scope.kind(home) != "mem":
            raise AieVerifyError(
                f"links are made at memory tiles; tile {home} is a {scope.kind(home)} tile",
                *scope.at(link),
            )
        big, small, offsets = (
            (outs[0], ins, link.src_offsets.get_values())
            if len(ins) > 1
            else (ins[0], outs, link.dst_offsets.get_values())
        )
        if len(outs) > 1 and any(
            f.dimensionsFromStreamPerConsumer is not None
            and any(d.data for d in f.dimensionsFromStreamPerConsumer.data)
            for f in ins
        ):
            raise AieVerifyError(
                "a distributing link's input takes no fromStream layout (mlir-aie does not "
                "support it)",
                *scope.at(link),
            )
        if len({f.repeat() for f in outs}) > 1:
            raise AieVerifyError(
                "the outputs of a distributing link repeat their objects equally often "
                f"(repeat_count {', '.join(str(f.repeat()) for f in outs)}), as mlir-aie needs",
                *scope.at(link),
            )
        _check_repeat_locks(scope, link, ins, outs)
        if len(ins) == len(outs) == 1:
            _check_rechunk(scope, link, ins[0], outs[0])
            continue
        for fifo, off in zip(small, offsets):
            if off + _elements(scope, fifo) > _elements(scope, big):
                raise AieVerifyError(
                    f"link offset {off} puts @{fifo.sym_name.data} "
                    f"({_elements(scope, fifo)} elements) past the end of "
                    f"@{big.sym_name.data} ({_elements(scope, big)} elements)",
                    *scope.at(link),
                )
    for name, fifo in scope.fifos.items():
        for tile, side in [(scope.producer(fifo), "out")] + [
            (t, "in") for t in scope.consumers(fifo)
        ]:
            if scope.kind(tile) == "mem" and scope.link_of(name, side) is None:
                verb = "starts" if side == "out" else "ends"
                raise AieVerifyError(
                    f"object FIFO @{name} {verb} at memory tile {tile}, but no "
                    "aie.objectfifo.link there connects it (a memory tile has no core)",
                    *scope.at(fifo),
                )


def _check_repeat(scope: Scope, name: str, fifo: ObjectFifoCreateOp, producer: str) -> None:
    """``repeat_count`` is the producer DMA's: a memory tile repeats its BDs, a compute tile
    only with one buffer (mlir-aie adjusts its core's acquires then); a shim repeats through
    its ``dma_memcpy_nd`` patterns instead."""
    if fifo.repeat_count is None:
        return
    if producer == "shim":
        raise AieVerifyError(
            f"object FIFO @{name}: no repeat_count on a shim producer (a shim repeats through "
            "the d3 size of its dma_memcpy_nd)",
            *scope.at(fifo),
        )
    if producer == "compute" and fifo.depths()[0] > 1:
        raise AieVerifyError(
            f"object FIFO @{name}: repeat_count on a compute producer needs depth 1 there "
            f"(mlir-aie supports no other), not {fifo.depths()[0]}",
            *scope.at(fifo),
        )


def _check_repeat_locks(scope: Scope, link, ins, outs) -> None:
    """mlir-aie counts a repeated link's sends on the memory tile's locks: the inputs' lock
    starts at their depth there times ``repeat_count`` (its 2025 repeat tests), and a lock
    counts to 63 at most."""
    repeat = outs[0].repeat()
    for fifo in ins:
        depth = fifo.depths()[1]
        if depth * repeat > MAX_LOCK_VALUE:
            raise AieVerifyError(
                f"@{fifo.sym_name.data} holds {depth} buffer(s) at the memory tile, each sent "
                f"{repeat} times (repeat_count): its lock would count {depth * repeat} sends, "
                f"past {MAX_LOCK_VALUE}",
                *scope.at(link),
            )


def _check_rechunk(scope: Scope, link, fifo_in, fifo_out) -> None:
    """A 1:1 link re-chunks the stream (no offsets apply): the larger FIFO's buffer, moved by
    one BD, must be a whole number of the smaller FIFO's objects."""
    a, b = _elements(scope, fifo_in), _elements(scope, fifo_out)
    if max(a, b) % min(a, b):
        raise AieVerifyError(
            f"link from @{fifo_in.sym_name.data} ({a} elements) to @{fifo_out.sym_name.data} "
            f"({b} elements): the larger element must hold a whole number of the smaller",
            *scope.at(link),
        )


def _elements(scope: Scope, fifo: ObjectFifoCreateOp) -> int:
    n = 1
    for d in scope.element(fifo).get_shape():
        n *= d
    return n


def _check_cores(scope: Scope) -> None:
    for op in scope.op.body.block.ops:
        if isinstance(op, CoreOp):
            tile = scope.tile_of(op.tile, op)
            if scope.kind(tile) != "compute":
                raise AieVerifyError(
                    f"aie.core on tile {tile}, a {scope.kind(tile)} tile: cores are on rows "
                    f"{', '.join(map(str, scope.device.target.rows_of('compute')))}",
                    *scope.at(op),
                )
            if tile in scope.cores:
                raise AieVerifyError(f"tile {tile} has two aie.core ops", *scope.at(op))
            scope.cores[tile] = op
    for op in scope.op.walk():
        if isinstance(op, ObjectFifoAcquireOp | ObjectFifoReleaseOp):
            _check_port(scope, op)
        elif isinstance(op, ObjectFifoSubviewAccessOp):
            acquire = op.subview.owner
            if isinstance(acquire, ObjectFifoAcquireOp) and (
                op.index.value.data >= acquire.size.value.data
            ):
                raise AieVerifyError(
                    f"subview.access [{op.index.value.data}] of an acquire of "
                    f"{acquire.size.value.data} element(s)",
                    *scope.at(op),
                )
    for core in scope.cores.values():
        _check_balance(scope, core.body.blocks, {})


def _check_balance(scope: Scope, blocks, held: dict[tuple[str, str], int]) -> None:
    """No release of more elements than the core holds at that point. An acquire of n makes
    the core hold n (mlir-aie's acquires are not additive); each nested region starts from the
    count where it is and is taken to leave it as it was (a loop body releases what it
    acquires)."""
    for block in blocks:
        mine = dict(held)
        for op in block.ops:
            if isinstance(op, ObjectFifoAcquireOp):
                key = (op.fifo, op.port.data)
                mine[key] = max(mine.get(key, 0), op.size.value.data)
            elif isinstance(op, ObjectFifoReleaseOp):
                key = (op.fifo, op.port.data)
                n, have = op.size.value.data, mine.get(key, 0)
                if n > have:
                    raise AieVerifyError(
                        f"release of {n} element(s) of @{op.fifo} ({op.port.data}) where the "
                        f"core holds {have}",
                        *scope.at(op),
                    )
                mine[key] = have - n
            for region in op.regions:
                _check_balance(scope, region.blocks, mine)


def _check_port(scope: Scope, op: ObjectFifoAcquireOp | ObjectFifoReleaseOp) -> None:
    core = op.parent_op()
    while core is not None and not isinstance(core, CoreOp):
        core = core.parent_op()
    if core is None:
        raise AieVerifyError(f"{op.name} @{op.fifo} outside an aie.core", *scope.at(op))
    fifo = scope.fifo(op.fifo, op)
    tile = scope.tile_of(core.tile, core)
    port = op.port.data
    ends = [scope.producer(fifo)] if port == "Produce" else scope.consumers(fifo)
    if tile not in ends:
        role = "producer" if port == "Produce" else "consumer"
        raise AieVerifyError(
            f"{op.name} @{op.fifo}({port}) on the core of tile {tile}, which is not the FIFO's "
            f"{role} ({', '.join(map(str, ends))})",
            *scope.at(op),
        )
    depths = fifo.depths()
    depth = depths[0] if port == "Produce" else depths[1 + ends.index(tile)]
    if op.size.value.data > depth:
        raise AieVerifyError(
            f"{op.name} of {op.size.value.data} elements of @{op.fifo}, whose depth at tile "
            f"{tile} is {depth}",
            *scope.at(op),
        )
    if isinstance(op, ObjectFifoAcquireOp):
        typ = op.subview.type
        got = typ.element if isinstance(typ, ObjectFifoSubviewType) else typ
        if got != scope.element(fifo):
            raise AieVerifyError(
                f"acquire of @{op.fifo} as {got}; its elements are {scope.element(fifo)}",
                *scope.at(op),
            )
