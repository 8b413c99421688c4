"""The workbench panel: task graph, placement editor with a time scrubber, stream occupancy,
per-tile timeline (under DDR's bandwidth and the DMA lanes, with a sentence when the tiles
wait on DDR), roofline, resource report and code, all kept in step with one compiled program.

``Workbench(region, target=...)`` compiles, maps and times the region; a legal drop in the
editor recompiles with the new placement and every view updates; an illegal one is refused
with the ``MappingError``'s reason and the last good state is kept. While a chip is held, the
editor shows where it may go and the cycles each tile would give, timed in the background;
every placement tried is listed under the timelines, where two can be compared. The Code
section's design is generated when the section is opened, once per placement.

The panel times without input values; a program whose branches depend on data cannot be timed
that way and is timed on zero-filled inputs instead. The panel says which, under its header.

With ``backend="xrt"`` the panel times as with ``"perf"``, then runs the program on the
attached device (``xclbin=``, and ``insts=`` on an NPU, or what ``prog.build()`` makes) on
zero-filled inputs and shows the measured time beside the predicted one; when that cannot be
done, one line says what is missing and the simulated views stay.
"""

from __future__ import annotations

import html
import threading
from pathlib import Path

import ipywidgets as w
from IPython.display import display

from datobench import visual
from datobench.core.advisor import Recipe, timing
from datobench.core.errors import DatoError
from datobench.core.measure import Measurement
from datobench.core.passes.analysis import profiles
from datobench.visual import bottleneck, charts, l2
from datobench.visual.buckets import dominant_states
from datobench.visual.code import design_of, listing_html
from datobench.visual.roofline import roofline_svg
from datobench.visual.slrs import slr_svg
from datobench.visual.tiles import at_cycle, fill_at
from datobench.widgets import snapshot
from datobench.widgets.advisor import DepthAdvisorView
from datobench.widgets.device import run_on_device
from datobench.widgets.editor import PlacementEditor, placement_code
from datobench.widgets.functional import functional_html, run_functional
from datobench.widgets.graph import GraphView
from datobench.widgets.history import PlacementHistory
from datobench.widgets.placement_help import MappingCheck, placement_key
from datobench.widgets.scrubber import CycleScrubber

_STYLE = """<style>
.dato-panel { border: 1px solid #e2e8f0; border-radius: 10px; padding: 10px 12px;
  position: relative; }
.dato-panel > .dato-progress { position: absolute; top: 6px; right: 12px; z-index: 1;
  background: #fff; }
.dato-head { font-family: ui-sans-serif, system-ui, sans-serif; font-size: 13px; }
.dato-head b { font-size: 14px; }
.dato-basis { font-family: ui-sans-serif, system-ui, sans-serif; font-size: 12px;
  color: #475569; margin-top: 2px; }
.dato-basis.dato-zeros { color: #b45309; font-weight: 600; }
.dato-device { font-family: ui-sans-serif, system-ui, sans-serif; font-size: 12px;
  color: #334155; margin-top: 2px; overflow-wrap: anywhere; }
.dato-device.dato-missing { color: #b45309; }
.dato-device .dato-stale { color: #64748b; }
.dato-section { font-family: ui-sans-serif, system-ui, sans-serif; font-size: 12px;
  font-weight: 600; color: #334155; margin: 10px 0 4px 0; text-transform: uppercase;
  letter-spacing: 0.04em; }
.dato-table { border-collapse: collapse; font-size: 11px; font-family: ui-sans-serif, sans-serif; }
.dato-table th, .dato-table td { border-bottom: 1px solid #e5e7eb; padding: 2px 8px;
  text-align: left; white-space: nowrap; }
.dato-table td.dato-hot { color: #b45309; font-weight: 600; }
.dato-report p { margin: 4px 0; font-family: ui-sans-serif, sans-serif; font-size: 12px; }
.dato-core { background: #fde68a; }
.dato-bottleneck { font-family: ui-sans-serif, system-ui, sans-serif; font-size: 12px;
  color: #6d28d9; margin-top: 4px; }
.dato-pre { font-size: 11px; max-height: 320px; overflow: auto; background: #f8fafc;
  border: 1px solid #e2e8f0; border-radius: 6px; padding: 6px 8px; }
</style>"""


CODE = 1  # the Code section's index in the panel's accordion

# what the panel's timing was computed on: "values" (timing without values), "zeros"
TIMING_BASIS = {
    "values": "timed without input values: no branch depends on data, so this timing holds "
    "for any inputs",
    "zeros": "timed on zero-filled inputs: branches that depend on data took the path zeros "
    "take, so data-dependent behaviour is not reflected (time real inputs with "
    "prog.run(*arrays, backend='perf'))",
}


def _basis_html(basis: str | None) -> str:
    if basis is None:
        return ""
    kind = " dato-zeros" if basis == "zeros" else ""
    return f'<div class="dato-basis{kind}">{html.escape(TIMING_BASIS[basis])}</div>'


class Workbench:
    def __init__(
        self,
        region,
        target: str = "npu1_4col",
        backend: str = "perf",
        placement: dict | None = None,
        primitives=(),
        sizes=None,
        progress=True,
        xclbin: str | Path | None = None,
        insts: str | Path | None = None,
    ):
        self.region = region
        self.target = target
        self.backend = backend
        self.primitives = tuple(primitives)
        self.sizes = sizes
        # a bar the caller shows while the panel is built (the magic's), or the panel's own:
        # over the panel's top right corner, taking no room, and hidden but while a new
        # placement is timed, so that nothing moves when it shows
        own = w.FloatProgress(
            value=0,
            min=0,
            max=1,
            description="timing",
            layout=w.Layout(width="240px", visibility="hidden"),
        )
        own.add_class("dato-progress")
        self._own_progress = own
        self._progress = progress if isinstance(progress, w.FloatProgress) else own
        self._show_progress = progress is not False
        # the output the caller's bar was displayed in, once timing started: the magic shows
        # the panel there in its place
        self.progress_output = None
        self.picture = None  # the display of the panel's picture (snapshot.py), once shown
        self._painted = 0  # the picture's generation: a newer placement supersedes a painting
        # what the program is compiled from; a drop or an applied FIFO depth edits it
        self.recipe = Recipe(region, target, placement, self.primitives, sizes)
        self.program = self.recipe.compile()
        self._mapper = MappingCheck(self.program, self.primitives)  # placements, re-mapped
        self._predicted: dict[tuple, tuple] = {}  # placement key -> (program, perf, basis)
        self._designs: dict[tuple, object] = {}  # placement key -> design_of(program)
        self.perf, self.timed_on = self._time(self.program)
        # the functional run (backend "sim"), on generated inputs: a placement does not change it
        self.simulated = run_functional(self.program) if backend == "sim" else None
        # the device run (backend "xrt"): a Measurement, or NotRun saying why not
        self.measured = None
        self._measured_placement = dict(self.program.mapping.placement)
        if backend == "xrt":
            if self._progress is not own:  # the caller's bar, full, says what now takes time
                self._progress.description = "on device"
            self.measured = run_on_device(self.program, self.perf.seconds, xclbin, insts)
        self._progress = own
        timed = backend in ("perf", "xrt")
        self.editor = PlacementEditor(
            self.program.mapping.placement,
            self._apply,
            self._refusal,
            self._predict if timed else None,
        )
        self.history = PlacementHistory(self.editor.restore)
        self.history.applied(self.program.mapping.placement, None, self.program, self.perf)
        # moves the charts' cursors in the browser; Python hears the cycle on release
        self.scrubber = CycleScrubber(
            max=max(self.perf.cycles if self.perf else 0, 1),
            step=max((self.perf.cycles if self.perf else 0) // 400, 1),
            layout=w.Layout(width="600px"),
        )
        self.scrubber.observe(self._scrub, "value")
        self.scrubber.observe(lambda _: self._draw_charts(), "window")
        self.head = w.HTML()
        self.basis = w.HTML()  # what the timing was computed on (TIMING_BASIS)
        self.device = w.HTML()  # measured on the device vs predicted, or why not
        self.graph = GraphView()  # fitted to its box, zoomed and panned in the browser
        self.graph.add_class("dato-graph")
        # past charts.MAX_ROWS lanes the charts scroll (and say how many lanes there are)
        lanes = f"{charts.HEAD_H + charts.MAX_ROWS * charts.ROW_H + 40}px"
        self.streams = w.HTML(layout=w.Layout(overflow="auto", max_height=lanes))
        self.timeline = w.HTML(layout=w.Layout(overflow="auto", max_height=lanes))
        self.bottleneck = w.HTML()  # under the timeline: how long the tiles wait on DDR
        self.roofline = w.HTML()
        self._traffic = None  # the run's DDR transfers (visual.bottleneck), for the timeline
        self.report = w.HTML()
        self.code = w.HTML()
        self.slrs = w.HTML()  # an FPGA's SLRs and the PE rows of each (visual/slrs.py)
        self.advisor = DepthAdvisorView(self.apply_depth)
        instances = [i.name for i in self.program.graph.instances]
        self.selected = w.Dropdown(options=instances, description="core", value=instances[0])
        self.selected.observe(lambda _: self._show_code(), "value")
        self.widget = self._layout()
        self._refresh()

    # -- compile, time, apply ---------------------------------------------------------------
    def _time(self, program):
        """The program's timing, and what it was computed on (a key of TIMING_BASIS)."""
        if self.backend not in ("perf", "xrt"):
            return None, None
        bar = self._progress
        bar.value = 0
        if self._show_progress:
            if bar is self._own_progress:
                bar.layout.visibility = "visible"
            elif self.progress_output is None:  # the caller's bar, before the panel is shown
                self.progress_output = display(bar, display_id=True)
        callback = self._on_progress if self._show_progress else None
        try:  # without values, or on zeros when the control flow depends on data
            return timing(program, callback)
        finally:
            self._own_progress.layout.visibility = "hidden"

    def _on_progress(self, fraction: float):
        self._progress.value = fraction

    def _apply(self, placement: dict) -> str | None:
        """Re-map with a new placement; the reason it is illegal, or None when applied (timed
        afresh, unless it was timed while its chip was held)."""
        was = dict(self.program.mapping.placement)
        program = self._mapper.program(placement)
        if isinstance(program, str):
            self.history.refused(placement, was, program)
            return program
        before = self.perf.cycles if self.perf else None
        predicted = self._predicted.get(placement_key(placement))
        self._predicted = {}  # they were moves from the placement being left
        if predicted is not None:
            self.program, self.perf, self.timed_on = predicted
        else:
            self.program = program
            self.perf, self.timed_on = self._time(program)
        self.recipe = self.recipe.with_placement(dict(self.program.mapping.placement))
        self.history.applied(placement, was, self.program, self.perf)
        self._refresh(before)
        return None

    def apply_depth(self, stream: str, depth: int) -> str | None:
        """Recompile with a stream's FIFO depth changed (the advisor's "apply"), as a drop
        is applied; the reason it is refused, or None when applied (the last good state
        stays)."""
        recipe = self.recipe.with_depth(stream, depth)
        try:
            program = recipe.compile()
        except DatoError as error:
            return error.message
        before = self.perf.cycles if self.perf else None
        self.recipe, self.program = recipe, program
        self._mapper = MappingCheck(program, self.primitives)  # drops re-map this program now
        self._predicted = {}
        self.perf, self.timed_on = self._time(program)
        self._refresh(before)
        return None

    def _refusal(self, placement: dict) -> str | None:
        """Why the mapper refuses a placement, or None: what a drop would answer."""
        program = self._mapper.program(placement)
        return program if isinstance(program, str) else None

    def _predict(self, placement: dict, progress) -> int | None:
        """The cycles with a placement (run in the editor's background job; ``progress``
        stops it), kept until the next placement so that a drop there need not time it
        again."""
        key = placement_key(placement)
        if key == placement_key(self.program.mapping.placement) and self.perf is not None:
            return self.perf.cycles
        known = self._predicted.get(key)  # (the drop replaces the dictionary, not this)
        if known is not None:
            return known[1].cycles
        program = self._mapper.program(placement)
        if isinstance(program, str):
            return None
        try:
            perf, basis = timing(program, progress)
        except DatoError:  # a deadlock, say: the drop there would report it
            return None
        self._predicted[key] = (program, perf, basis)
        return perf.cycles

    # -- views ------------------------------------------------------------------------------
    def _layout(self):
        def section(title):
            return w.HTML(f'<div class="dato-section">{html.escape(title)}</div>')

        # side by side where both have room, the array below the graph where they have not
        # (1280 px with JupyterLab's sidebar open): each then takes the panel's width
        left = w.VBox(
            [section("Task graph"), self.graph],
            layout=w.Layout(flex="1 1 380px", min_width="320px", margin="0 12px 0 0"),
        )
        right = w.VBox(
            [section("Tile array: drag a task to another tile"), self.editor, self.scrubber],
            layout=w.Layout(flex="1 1 460px", min_width="320px"),
        )
        code = w.Accordion(children=[self.report, w.VBox([self.selected, self.code])])
        code.set_title(0, "Resources")
        code.set_title(CODE, "Code")
        code.selected_index = 0
        code.observe(lambda _: self._show_code(), "selected_index")
        self.sections = code
        box = w.VBox(
            [
                w.HTML(_STYLE + snapshot.LIVE_STYLE),
                self._own_progress,
                self.head,
                self.basis,
                self.device,
                w.HBox([left, right], layout=w.Layout(flex_flow="row wrap")),
                section("Stream buffers over time"),
                self.streams,
                section("Tiles over time"),
                self.timeline,
                self.bottleneck,
                section("Roofline: compute- or DDR-bound"),
                self.roofline,
                section("Placements tried: click one to restore it, tick two to compare them"),
                self.history,
                self.slrs,
                section("FIFO depths"),
                self.advisor,
                code,
            ]
        )
        box.add_class("dato-panel")
        return box

    def _refresh(self, before: int | None = None):
        p, perf = self.program, self.perf
        cycles = ""
        if perf is not None:
            delta = ""
            if before is not None and before != perf.cycles:
                delta = f" (was {before:,})"
            share = f"{perf.utilization:.1%} of peak" if perf.macs else "no multiply-accumulates"
            cycles = f" &middot; <b>{perf.cycles:,}</b> cycles{delta} &middot; {share}"
            self.editor.status = f"{perf.cycles:,} cycles{delta}"
        self.head.value = (
            f'<div class="dato-head"><b>{html.escape(p.region.name)}</b> on '
            f"{html.escape(p.target.name)} &middot; {len(p.graph.instances)} "
            f"instances, {len(p.graph.channels)} channels{cycles}</div>"
        )
        self.basis.value = _basis_html(self.timed_on)
        if self.simulated is not None:
            self.basis.value = functional_html(self.simulated)
        stale = dict(p.mapping.placement) != self._measured_placement
        self.device.value = visual.device_html(self.measured, stale)
        try:
            self.graph.value = visual.task_graph_svg(p, perf)
        except DatoError as error:  # no Graphviz, or it failed: say so where the graph goes
            self.graph.value = f"<pre>{html.escape(str(error))}</pre>"
        if perf is not None:
            self.scrubber.max = max(perf.cycles, 1)
            self.scrubber.step = max(perf.cycles // 400, 1)
            self._draw_bottleneck()
        self.editor.model = visual.tile_array_model(p, perf, self.scrubber.value)
        staged = self._traffic.staged if perf is not None and self._traffic else []
        self.report.value = visual.report_html(p, perf, staged)
        svg = slr_svg(p)
        self.slrs.value = svg and f'<div class="dato-section">FPGA device: SLRs</div>{svg}'
        self.advisor.show(p, self.recipe, perf)
        self._show_code()
        self._repaint()

    # -- the charts over time, DDR and the roofline (charts.py, bottleneck.py, roofline.py) --
    def _draw_bottleneck(self):
        """The views of a new timing: the charts, the DDR sentence, the roofline and the tiles'
        states for the scrubber's front end."""
        p, perf = self.program, self.perf
        profs = profiles(p.graph)
        self._traffic = bottleneck.traffic(p, perf, profs)
        self._draw_charts()
        sentence = bottleneck.ddr_sentence(perf, self._traffic)
        self.bottleneck.value = sentence and (
            f'<div class="dato-bottleneck">{html.escape(sentence)}</div>'
        )
        self.roofline.value = roofline_svg(p, perf, profs)
        self.scrubber.states = {
            key: dominant_states(t, perf.cycles, charts.PLOT_W) for key, t in perf.tiles.items()
        }

    def _draw_charts(self):
        """The charts over time, for the scrubber's window (zoomed) or the whole run."""
        p, perf = self.program, self.perf
        if perf is None:
            return
        window = self.scrubber.window or None
        depths = {c.name: c.depth for c in p.graph.channels}
        staged = self._traffic.staged if self._traffic is not None else []
        self.streams.value = visual.occupancy_svg(perf, depths, self.scrubber.value, window, staged)
        self.timeline.value = visual.timeline_svg(perf, self.scrubber.value, window, self._traffic)

    def _show_code(self):
        """The generated code (the MLIR-AIE design on an NPU, the selected instance's core
        highlighted), then the placement as code; only while the Code section is open (the
        design is what a placement change would otherwise spend most of its time on), and
        generated once per placement."""
        if self.sections.selected_index != CODE:
            return
        key = placement_key(self.program.mapping.placement)
        if key not in self._designs:
            self._designs[key] = design_of(self.program)
        design = self._designs[key]
        as_code = placement_code(self.program.mapping.placement)  # the editor's is set after
        self.code.value = listing_html(self.program, design, self.selected.value) + (
            f'<pre class="dato-pre">{html.escape(as_code)}</pre>'
        )

    def _scrub(self, change):
        """The views that depend on the cycle, once the scrubber is released: the tile array,
        and the streams' fills for the occupancy chart's labels (the charts' cursors have
        already moved in the browser; the charts are not sent again)."""
        cycle = change["new"]
        if self.perf is None:
            self.editor.model = visual.tile_array_model(self.program, self.perf, cycle)
        else:  # only what depends on the cycle is made anew
            self.editor.model = at_cycle(self.editor.model, self.program, self.perf, cycle)
        if self.perf is not None:
            self.scrubber.fills = {
                c.name: f"{fill_at(self.perf.channels.get(c.name, []), cycle)}/{c.depth}"
                for c in self.program.graph.channels
            } | {b.name: l2.panel_text(b, cycle) for b in self._traffic.staged}

    def summary(self) -> str:
        p, perf = self.program, self.perf
        timing = f", {perf.cycles:,} cycles" if perf is not None else ""
        measured = self.measured
        if isinstance(measured, Measurement):
            timing += (
                f"; measured {visual.duration(measured.best)} on the device, predicted "
                f"{visual.duration(measured.predicted)}, ratio {visual.factor(measured.ratio)}"
            )
        elif measured is not None:
            timing += f"; {measured.line}"
        if perf is not None and self._traffic is not None and self._traffic.staged:
            timing += f"; {l2.served_line(self._traffic.staged)}"
        return (
            f"{p.region.name} on {p.target.name}: {len(p.graph.instances)} instances, "
            f"{len(p.graph.channels)} channels{timing}"
        )

    def _repr_mimebundle_(self, **kwargs):
        """The live panel, and its one-line summary where widgets are not drawn. No HTML: a
        notebook's sanitiser would strip its SVG and leave the graph's label text; the
        picture below the panel (``show_picture``) is the static fallback."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.summary()
        return bundle

    def _ipython_display_(self):
        """``display(workbench)``: the live panel, then its picture."""
        display(self._repr_mimebundle_(), raw=True)
        self.show_picture()

    def show_picture(self) -> None:
        """Show the panel's picture in an output of its own (below the panel's), which later
        placements repaint; nothing without a rasteriser."""
        data = snapshot.bundle(self)
        if data is not None:
            self.picture = display(data, raw=True, display_id=True)

    def _repaint(self):
        """Repaint the shown picture for the panel as it is now, in the background (drawing a
        PNG takes a second on a large design; a drop must not wait for it)."""
        if self.picture is None:
            return
        self._painted += 1
        generation = self._painted

        def paint():
            data = snapshot.bundle(self)
            if data is not None and generation == self._painted:
                self.picture.update(data, raw=True)

        threading.Thread(target=paint, daemon=True).start()
