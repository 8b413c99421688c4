// The placement editor's front end: draws the tile array from `model`, chips from
// `placement`, and sends a "move" command when a chip is dropped on a tile. It never decides
// legality: Python answers by changing `placement` (accepted) or `error` (refused, and the
// redraw returns the chip to its tile).

// A tile's size at most; a wide array (npu2's 8 columns, an FPGA's PE grid) is drawn smaller,
// down to MIN_W, so that every tile fits the editor's width; past that the array scrolls.
const CELL_W = 112;
const CELL_H = 74;
const MIN_W = 46;
const GAP = 6;

// The tile size that fits `columns` tiles in `width` pixels.
function cellSize(width, columns) {
  const w = Math.floor(Math.max(MIN_W, Math.min(CELL_W, (width - 2) / columns - GAP)));
  return { w, h: Math.max(40, Math.round((w * CELL_H) / CELL_W)) };
}

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgEl(tag, attrs = {}) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function heat(f) {
  if (f === null || f === undefined) return "#ffffff";
  const t = Math.max(0, Math.min(1, f));
  const lo = [239, 246, 255], hi = [29, 78, 216];
  const c = lo.map((a, i) => Math.round(a + (hi[i] - a) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function fillColor(f) {
  if (f === null || f === undefined) return "#94a3b8";
  if (f >= 1) return "#ef4444";
  if (f >= 0.5) return "#f59e0b";
  return "#10b981";
}

function render({ model, el: host }) {
  const root = el("div", { class: "dato-editor" });
  host.appendChild(root);
  // mark the enclosing workbench panel for tests and styling
  requestAnimationFrame(() => {
    const panel = host.closest(".dato-panel");
    if (panel) panel.setAttribute("data-dato-panel", "");
  });

  let cell = { w: CELL_W, h: CELL_H };

  function position(col, row, rows) {
    return { left: col * (cell.w + GAP), top: (rows - 1 - row) * (cell.h + GAP) };
  }

  function draw() {
    const m = model.get("model");
    const placement = model.get("placement");
    root.replaceChildren();
    if (!m || !m.tiles) return;

    const bar = el("div", { class: "dato-toolbar" });
    const undo = el("button", { class: "dato-undo", title: "undo the last move" }, "↶ Undo");
    const redo = el("button", { class: "dato-redo", title: "redo" }, "↷ Redo");
    const copy = el("button", { class: "dato-copy", title: "copy the placement as code" },
      "Copy placement as code");
    undo.disabled = !model.get("can_undo");
    redo.disabled = !model.get("can_redo");
    undo.onclick = () => model.send({ kind: "undo" });
    redo.onclick = () => model.send({ kind: "redo" });
    copy.onclick = () => {
      const code = model.get("code");
      if (navigator.clipboard) navigator.clipboard.writeText(code).catch(() => {});
      codeBox.classList.toggle("dato-shown", true);
    };
    bar.append(undo, redo, copy, el("span", { class: "dato-status" }, model.get("status")));
    root.appendChild(bar);

    const error = model.get("error");
    if (error) root.appendChild(el("div", { class: "dato-error", role: "alert" }, error));
    if (m.budget || m.ports) root.appendChild(deviceRow(m));

    cell = cellSize(root.clientWidth || host.clientWidth || 600, m.columns);
    const width = m.columns * (cell.w + GAP);
    const height = m.rows * (cell.h + GAP);
    const grid = el("div", { class: "dato-grid" + (cell.w < 84 ? " dato-compact" : "") });
    grid.dataset.cell = `${cell.w}x${cell.h}`;
    grid.style.width = `${width}px`;
    grid.style.height = `${height}px`;

    const routes = svgEl("svg", { class: "dato-routes", width, height });
    for (const r of m.routes) {
      const pts = r.path.map(([c, row]) => {
        const p = position(c, row, m.rows);
        return `${p.left + cell.w / 2},${p.top + cell.h / 2}`;
      });
      const line = svgEl("polyline", {
        points: pts.join(" "),
        stroke: fillColor(r.fill),
        "stroke-width": r.kind === "shared" ? 5 : 3,
        "stroke-dasharray": r.kind === "stream" ? "6,4" : "",
        fill: "none", "stroke-linecap": "round", "data-route": r.channel,
      });
      const title = svgEl("title");
      title.textContent = `${r.channel} (${r.kind})` +
        (r.fill === null || r.fill === undefined ? "" : `: ${Math.round(r.fill * 100)}% full`);
      line.appendChild(title);
      routes.appendChild(line);
    }

    const tiles = new Map();
    for (const t of m.tiles) {
      const p = position(t.col, t.row, m.rows);
      const tile = el("div", {
        class: `dato-tile dato-${t.kind}` + (t.no_dma ? " dato-nodma" : ""),
        "data-tile": `${t.col},${t.row}`, "data-kind": t.kind,
      });
      tile.style.left = `${p.left}px`;
      tile.style.top = `${p.top}px`;
      tile.style.width = `${cell.w}px`;
      tile.style.height = `${cell.h}px`;
      if (t.kind === "compute") tile.style.background = heat(t.busy);
      // its state at the scrubber's cycle (the timeline's colours), as scrubber.js draws it
      if (t.state) {
        tile.dataset.state = t.state;
        tile.style.boxShadow = `inset 0 0 0 3px ${t.state_color}`;
      }
      const label = t.kind === "compute" ? "" : (t.no_dma ? "shim (no DMA)" : t.kind);
      const where = m.budget ? `PE ${t.col},${t.row}` : `${t.col},${t.row}`;
      const dsp = t.dsp ? ` · ${t.dsp} DSP` : "";
      tile.title = (m.budget ? "PE slot " : "tile ") + `${t.col},${t.row}` +
        (label ? ` (${label})` : "") + (t.dsp ? `: ${t.dsp} DSP slices` : "");
      const coord = el("span", { class: "dato-coord" }, `${where} ${label}${dsp}`);
      if (t.kind === "compute" && t.busy > 0.55) coord.style.color = "#e0e7ff"; // on deep blue
      tile.appendChild(coord);
      if (t.memory) {
        const meter = el("div", { class: "dato-meter", title:
          `memory ${(t.memory[0] / 1024).toFixed(1)} of ${(t.memory[1] / 1024).toFixed(1)} KiB` });
        const fill = el("div", { class: "dato-meter-fill" });
        fill.style.width = `${Math.min(100, (100 * t.memory[0]) / t.memory[1])}%`;
        meter.appendChild(fill);
        tile.appendChild(meter);
      }
      tiles.set(`${t.col},${t.row}`, tile);
      grid.appendChild(tile);
    }
    grid.appendChild(routes);

    for (const chip of m.chips) {
      const where = placement[chip.name] || [chip.col, chip.row];
      const tile = tiles.get(`${where[0]},${where[1]}`);
      if (!tile) continue;
      const node = el("div", {
        class: "dato-chip" + (chip.group ? " dato-merged" : ""), "data-task": chip.name,
        title: chip.group ? `${chip.name} (${chip.kind}: ${chip.group})` : chip.name,
      }, chip.name);
      node.addEventListener("pointerdown", (e) => startDrag(e, node, chip.name));
      tile.appendChild(node);
    }
    const scroller = el("div", { class: "dato-grid-scroll" });
    scroller.appendChild(grid);
    root.appendChild(scroller);

    const codeBox = el("pre", { class: "dato-code" }, model.get("code"));
    root.appendChild(codeBox);
  }

  // An FPGA's row above its PE grid: the device's budget (used of available) and the memory
  // bank each buffer's port connects to, as the generated v++ connectivity says.
  function deviceRow(m) {
    const row = el("div", { class: "dato-device-row" });
    for (const b of m.budget || []) {
      const share = b.capacity ? b.used / b.capacity : 0;
      const item = el("div", { class: "dato-budget", "data-budget": b.resource,
        title: `${b.resource}: ${amount(b, b.used)} of ${amount(b, b.capacity)} on the device` });
      item.append(el("span", {}, `${b.resource} ${amount(b, b.used)} / ` +
        `${amount(b, b.capacity)} (${(100 * share).toFixed(1)}%)`));
      const meter = el("div", { class: "dato-meter" });
      const fill = el("div", { class: "dato-meter-fill" });
      fill.style.width = `${Math.min(100, 100 * share)}%`;
      meter.appendChild(fill);
      item.appendChild(meter);
      row.appendChild(item);
    }
    for (const p of m.ports || []) {
      const who = [...p.reads.map((t) => `read by ${t}`), ...p.writes.map((t) => `written by ${t}`)];
      row.appendChild(el("span", { class: "dato-port", "data-port": p.buffer,
        title: `${p.buffer} connects to ${p.bank}` + (who.length ? ` (${who.join(", ")})` : "") },
        `${p.buffer} → ${p.bank}`));
    }
    return row;
  }

  function amount(budget, n) {
    return budget.unit === "bytes" ? `${(n / 1048576).toFixed(n < 1048576 ? 2 : 1)} MiB`
      : n.toLocaleString("en-US");
  }

  function startDrag(event, node, name) {
    event.preventDefault();
    const startX = event.clientX, startY = event.clientY;
    node.classList.add("dato-dragging");
    node.setPointerCapture && node.setPointerCapture(event.pointerId);
    const move = (e) => {
      node.style.transform = `translate(${e.clientX - startX}px, ${e.clientY - startY}px)`;
    };
    const up = (e) => {
      node.removeEventListener("pointermove", move);
      node.removeEventListener("pointerup", up);
      node.style.visibility = "hidden";
      const below = document.elementsFromPoint(e.clientX, e.clientY)
        .find((x) => x.dataset && x.dataset.tile);
      node.style.visibility = "";
      node.classList.remove("dato-dragging");
      if (!below) { node.style.transform = ""; return; }
      if (Math.abs(e.clientX - startX) + Math.abs(e.clientY - startY) < 4) {
        node.style.transform = "";
        return;
      }
      // show the chip on its new tile until Python answers (accepted or refused)
      node.style.transform = "";
      below.appendChild(node);
      const [col, row] = below.dataset.tile.split(",").map(Number);
      model.send({ kind: "move", task: name, tile: [col, row] });
    };
    node.addEventListener("pointermove", move);
    node.addEventListener("pointerup", up);
  }

  for (const trait of ["model", "placement", "error", "status", "code", "can_undo",
    "can_redo", "revision"]) {
    model.on(`change:${trait}`, draw);
  }
  // the editor's width changes with the sidebar and the window: redraw when the tiles would
  // change size (not while a chip is being dragged)
  const resized = new ResizeObserver(() => {
    const m = model.get("model");
    if (!m || !m.columns || root.querySelector(".dato-dragging")) return;
    const next = cellSize(root.clientWidth, m.columns);
    if (next.w !== cell.w) draw();
  });
  resized.observe(root);
  draw();
  return () => { resized.disconnect(); root.remove(); };
}

export default { render };
