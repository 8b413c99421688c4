// The placement editor's front end: draws the tile array from `model`, chips from
// `placement`, and sends a "move" command when a chip is dropped on a tile. It never decides
// legality: Python answers by changing `placement` (accepted) or `error` (refused, and the
// redraw returns the chip to its tile).
//
// Picking a chip up (pointer down, or Enter on a focused chip) sends "pickup"; Python answers
// with custom messages: "legal" (every tile's reason to refuse the chip, "" where it may go),
// then "prediction"s (a tile's predicted cycles and the best tile so far). The tiles are
// marked from those, and the tile under the pointer is described in the hint line. Arrow keys
// send "nudge" (Python moves the chip to the neighbouring tile, validated as a drop); Escape
// puts a held chip down.

// A tile's size at most; a wide array (npu2's 8 columns, an FPGA's PE grid) is drawn smaller,
// down to MIN_W, so that every tile fits the editor's width; past that the array scrolls.
const CELL_W = 112;
const CELL_H = 74;
const MIN_W = 46;
const GAP = 6;
// the hint line while no chip is held
const RESTING = "Hold a chip to see where it may go and the cycles it would take there; " +
  "or Tab to a chip: arrow keys move it, Enter shows where it may go";

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
  let tiles = new Map(); // "col,row" -> the tile's element, as last drawn
  let hint = null; // the line that describes the tile under a held chip
  // the help for the chip held now: {task, pickup, tiles: {"c,r": reason}, cycles, best}
  let help = null;
  let focused = null; // the chip with the keyboard focus, kept across redraws
  let redrawing = false;

  function position(col, row, rows) {
    return { left: col * (cell.w + GAP), top: (rows - 1 - row) * (cell.h + GAP) };
  }

  function draw() {
    const m = model.get("model");
    const placement = model.get("placement");
    redrawing = true;
    try {
      drawTiles(m, placement);
    } finally {
      redrawing = false;
    }
  }

  function drawTiles(m, placement) {
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
    hint = el("div", { class: "dato-hint", "aria-live": "polite" });
    root.appendChild(hint);

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

    tiles = new Map();
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
      tile.dataset.base = tile.title; // the tooltip when no chip is held
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
      for (const s of t.staged || []) tile.appendChild(stagedTag(s, t.memory, m.cycle));
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
      node.tabIndex = 0;
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", `${chip.name} on tile ${where[0]},${where[1]}: ` +
        "arrow keys move it, Enter shows where it may go, Escape puts it down");
      node.addEventListener("pointerdown", (e) => startDrag(e, node, chip.name));
      node.addEventListener("keydown", (e) => onKey(e, chip.name));
      node.addEventListener("focus", () => { focused = chip.name; });
      node.addEventListener("blur", () => {
        if (!redrawing && focused === chip.name) focused = null; // not lost to a redraw
      });
      tile.appendChild(node);
    }
    const scroller = el("div", { class: "dato-grid-scroll" });
    scroller.appendChild(grid);
    root.appendChild(scroller);

    const codeBox = el("pre", { class: "dato-code" }, model.get("code"));
    root.appendChild(codeBox);
    mark();
    if (focused) {
      const chip = root.querySelector(`[data-task="${CSS.escape(focused)}"]`);
      if (chip) chip.focus({ preventScroll: true });
    }
  }

  // A staged buffer (dato.stage) in a memory tile: its tensor and size of the tile's memory,
  // and at the scrubber's cycle the panel it holds (of those it loads) and whether that one
  // is still filling from DDR. Over the routes drawn through the tile, as the chips are.
  function stagedTag(s, memory, cycle) {
    const kib = (n) => (n / 1024).toFixed(n % 1024 ? 1 : 0);
    const of = memory ? `/${kib(memory[1])}` : "";
    const tensor = s.name.split("[")[0];
    const tag = el("div", { class: "dato-l2", "data-staged": s.name });
    tag.appendChild(el("span", {}, `${tensor} ${kib(s.bytes)}${of} KiB`));
    let title = `${s.name} staged here: ${kib(s.bytes)} KiB` +
      (memory ? ` of the tile's ${kib(memory[1])} KiB` : "");
    if (s.panel !== undefined) {
      const held = s.panel === null ? "empty" : `panel ${s.panel + 1}/${s.panels} ${s.state}`;
      tag.appendChild(el("span", { class: "dato-l2-panel" }, held));
      title += `; at cycle ${Number(cycle).toLocaleString()}: ` + (s.panel === null
        ? "no panel loaded yet" : `panel ${s.panel + 1} of ${s.panels}, ${s.state}`);
    }
    tag.title = title;
    return tag;
  }

  // -- the help while a chip is held -----------------------------------------------------
  // The tiles marked from `help`: legal ones highlighted, the others marked with their reason
  // (as the tile's tooltip, and in the hint line when the chip is over it); predicted cycles
  // on the tiles, the best so far starred.
  function mark() {
    for (const [key, tile] of tiles) {
      tile.classList.remove("dato-legal", "dato-illegal", "dato-best", "dato-home");
      tile.title = tile.dataset.base || "";
      tile.removeAttribute("data-reason");
      const old = tile.querySelector(".dato-predicted");
      if (old) old.remove();
      if (!help || !help.tiles) continue;
      const reason = help.tiles[key];
      if (reason === undefined) continue;
      if (reason) {
        tile.classList.add("dato-illegal");
        tile.dataset.reason = reason;
        tile.title = `${help.task} cannot go here: ${reason}`;
        continue;
      }
      tile.classList.add("dato-legal");
      if (key === help.home) tile.classList.add("dato-home");
      const cycles = help.cycles[key];
      if (cycles !== undefined) {
        const best = key === help.best;
        if (best) tile.classList.add("dato-best");
        tile.appendChild(el("span", {
          class: "dato-predicted", "data-cycles": String(cycles),
        }, (best ? "★ " : "") + cycles.toLocaleString("en-US")));
      }
      tile.title = describe(key);
    }
    if (hint && !help) showHint(null);
  }

  // What the held chip would meet on a tile, for the hint line and the tooltips.
  function describe(key) {
    if (!help || !help.tiles) return "";
    const reason = help.tiles[key];
    if (reason === undefined) return `tile ${key}`;
    if (reason) return `${help.task} cannot go to ${key}: ${reason}`;
    const cycles = help.cycles[key];
    const here = key === help.home ? " (where it is)" : "";
    const timing = cycles === undefined ? "predicting…"
      : `${cycles.toLocaleString("en-US")} cycles predicted` +
        (key === help.best ? ", the fastest so far" : "");
    return `${help.task} → ${key}${here}: ${timing}`;
  }

  function showHint(key) {
    if (!hint) return;
    hint.textContent = key && help ? describe(key) : (help ? "" : RESTING);
    hint.classList.toggle("dato-hint-resting", !help);
    hint.classList.toggle("dato-hint-refused", Boolean(help && help.tiles && help.tiles[key]));
  }

  function pickUp(name) {
    help = { task: name, pending: true };
    mark();
    model.send({ kind: "pickup", task: name });
  }

  function putDown(tell) {
    if (help && tell) model.send({ kind: "putdown" });
    help = null;
    mark();
  }

  model.on("msg:custom", (msg) => {
    if (!help || !msg || msg.task && msg.task !== help.task) return;
    if (msg.kind === "legal") {
      const home = `${msg.home[0]},${msg.home[1]}`;
      help = { task: msg.task, pickup: msg.pickup, home, tiles: msg.tiles, cycles: {},
        best: null, keyboard: help.keyboard };
    } else if (msg.kind === "prediction" && msg.pickup === help.pickup) {
      help.cycles[`${msg.tile[0]},${msg.tile[1]}`] = msg.cycles;
      help.best = `${msg.best[0]},${msg.best[1]}`;
    } else {
      return;
    }
    mark();
    if (help.keyboard) showHint(help.home);
  });

  function onKey(event, name) {
    const arrows = { ArrowLeft: "left", ArrowRight: "right", ArrowUp: "up", ArrowDown: "down" };
    if (arrows[event.key]) {
      event.preventDefault();
      model.send({ kind: "nudge", task: name, direction: arrows[event.key] });
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      if (help && help.task === name) { putDown(true); return; }
      pickUp(name);
      help.keyboard = true;
    } else if (event.key === "Escape" && help) {
      event.preventDefault();
      putDown(true);
    }
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

  // The tile under the pointer, the dragged chip aside.
  function tileAt(node, x, y) {
    node.style.visibility = "hidden";
    const below = document.elementsFromPoint(x, y).find((t) => t.dataset && t.dataset.tile);
    node.style.visibility = "";
    return below;
  }

  function startDrag(event, node, name) {
    event.preventDefault();
    node.focus({ preventScroll: true });
    const startX = event.clientX, startY = event.clientY;
    node.classList.add("dato-dragging");
    node.setPointerCapture && node.setPointerCapture(event.pointerId);
    pickUp(name);
    const move = (e) => {
      node.style.transform = `translate(${e.clientX - startX}px, ${e.clientY - startY}px)`;
      const over = tileAt(node, e.clientX, e.clientY);
      showHint(over ? over.dataset.tile : null);
    };
    const up = (e) => {
      node.removeEventListener("pointermove", move);
      node.removeEventListener("pointerup", up);
      const below = tileAt(node, e.clientX, e.clientY);
      node.classList.remove("dato-dragging");
      const still = Math.abs(e.clientX - startX) + Math.abs(e.clientY - startY) < 4;
      if (!below || still) {
        node.style.transform = "";
        putDown(true);
        return;
      }
      putDown(false); // the move cancels the help in Python
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
