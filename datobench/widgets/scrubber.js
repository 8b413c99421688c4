// The cycle scrubber's front end: a range input and a play button that move the charts'
// cursors and recolour the array's tiles in the browser (no kernel round trip), telling
// Python the cycle only on release or pause; and the charts' time axes, where a drag zooms
// into a window and a double-click returns to the whole run (Python re-buckets the charts
// once, on release).

const PLAY_MS = 8000; // a play runs through the run (or the zoomed window) in this time
// per letter of `states` (visual/buckets.py STATE_LETTERS): the state and the timeline's colour
const STATES = {
  b: ["busy", "#3b82f6"], w: ["in", "#f59e0b"], r: ["out", "#ef4444"], i: ["idle", "#e5e7eb"],
};

function panelOf(host) {
  return host.closest(".dato-panel") || document;
}

function moveCursors(host, cycle) {
  for (const line of panelOf(host).querySelectorAll("line[data-dato-cursor]")) {
    const x0 = Number(line.dataset.x0), w = Number(line.dataset.w);
    const start = Number(line.dataset.start), stop = Number(line.dataset.stop);
    const inside = cycle >= start && cycle <= stop;
    const x = (x0 + (w * (Math.min(Math.max(cycle, start), stop) - start)) /
      Math.max(stop - start, 1)).toFixed(1);
    line.setAttribute("x1", x);
    line.setAttribute("x2", x);
    line.setAttribute("visibility", inside ? "visible" : "hidden");
  }
}

// Each tile's dominant state in the pixel column of the run that holds `cycle`; Python sends
// the exact state at the cycle it is told (the array's model) on release.
function colourTiles(host, model, cycle) {
  const states = model.get("states") || {};
  const total = Math.max(model.get("max"), 1);
  for (const tile of panelOf(host).querySelectorAll("[data-tile]")) {
    const letters = states[tile.dataset.tile];
    if (!letters) continue;
    const k = Math.min(Math.floor((cycle / total) * letters.length), letters.length - 1);
    const [state, colour] = STATES[letters[Math.max(k, 0)]];
    tile.dataset.state = state;
    tile.style.boxShadow = `inset 0 0 0 3px ${colour}`;
  }
}

function writeFills(host, fills) {
  for (const label of panelOf(host).querySelectorAll("text[data-dato-fill]")) {
    const text = fills[label.dataset.datoFill];
    if (text !== undefined) label.textContent = text;
  }
}

// The cycle under a pointer on a chart's axis band (`rect[data-dato-axis]`).
function cycleAt(band, clientX) {
  const box = band.getBoundingClientRect();
  const f = Math.min(Math.max((clientX - box.left) / Math.max(box.width, 1), 0), 1);
  const start = Number(band.dataset.start), stop = Number(band.dataset.stop);
  return start + f * (stop - start);
}

// Drag on any chart's time axis to zoom into the window dragged over; double-click for the
// whole run. One set of listeners per panel, on the panel (the charts are redrawn by Python).
function listenForZoom(host, model) {
  const panel = host.closest(".dato-panel");
  if (!panel) return false;
  if (panel.dataset.datoZoom !== undefined) return true;
  panel.dataset.datoZoom = "";
  // the pointer is held on a press (so no dblclick event comes): two quick clicks reset
  let lastClick = -Infinity;
  const reset = () => {
    model.set("window", []);
    model.save_changes();
  };
  panel.addEventListener("pointerdown", (e) => {
    const band = e.target.closest && e.target.closest("rect[data-dato-axis]");
    if (!band) return;
    e.preventDefault();
    const svg = band.ownerSVGElement;
    const from = cycleAt(band, e.clientX);
    const shade = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    shade.setAttribute("data-dato-brush", "");
    shade.setAttribute("y", "0");
    shade.setAttribute("height", svg.getAttribute("height"));
    shade.setAttribute("fill", "rgba(37, 99, 235, 0.15)");
    svg.appendChild(shade);
    const x0 = Number(band.dataset.x0), w = Number(band.dataset.w);
    const start = Number(band.dataset.start), stop = Number(band.dataset.stop);
    const xOf = (c) => x0 + (w * (c - start)) / Math.max(stop - start, 1);
    const drag = (m) => {
      const to = cycleAt(band, m.clientX);
      shade.setAttribute("x", xOf(Math.min(from, to)).toFixed(1));
      shade.setAttribute("width", Math.abs(xOf(to) - xOf(from)).toFixed(1));
    };
    const drop = (m) => {
      window.removeEventListener("pointermove", drag);
      window.removeEventListener("pointerup", drop);
      shade.remove();
      const to = cycleAt(band, m.clientX);
      // a click or a tiny drag is no window; a second click soon after is a double-click
      if (Math.abs(xOf(to) - xOf(from)) < 3) {
        const now = performance.now();
        if (now - lastClick < 500) reset();
        lastClick = now;
        return;
      }
      model.set("window", [Math.round(Math.min(from, to)), Math.round(Math.max(from, to))]);
      model.save_changes();
    };
    window.addEventListener("pointermove", drag);
    window.addEventListener("pointerup", drop);
  });
  return true;
}

function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "dato-scrubber";
  root.style.cssText = "display:flex;align-items:center;gap:8px;font:12px ui-sans-serif,sans-serif";
  const play = document.createElement("button");
  play.className = "dato-play";
  play.title = "play the run (the zoomed window, if any) and pause";
  play.style.cssText = "min-width:64px";
  const label = document.createElement("span");
  label.textContent = "cycle";
  const input = document.createElement("input");
  input.type = "range";
  input.style.width = "420px";
  const readout = document.createElement("span");
  readout.className = "dato-scrubber-cycle";
  readout.style.cssText = "min-width:90px;font-variant-numeric:tabular-nums";
  root.append(play, label, input, readout);
  host.appendChild(root);

  // `live` while dragged or played: the tiles are recoloured here too (else the array's
  // model, from Python, colours them by their exact state)
  const show = (cycle, live = false) => {
    readout.textContent = Math.round(Number(cycle)).toLocaleString("en-US");
    moveCursors(host, Number(cycle));
    if (live) colourTiles(host, model, Number(cycle));
  };
  const commit = (cycle) => {
    model.set("value", Math.round(cycle));
    model.save_changes();
  };
  const sync = () => {
    input.min = 0;
    input.max = model.get("max");
    input.step = model.get("step");
    input.value = model.get("value");
    show(model.get("value"));
  };

  // playing: the cycle advances frame by frame in the browser; Python hears it on pause
  let playing = null;
  const span = () => {
    const w = model.get("window");
    return w && w.length === 2 ? w : [0, model.get("max")];
  };
  const pause = () => {
    if (playing === null) return;
    cancelAnimationFrame(playing.frame);
    const cycle = playing.cycle;
    playing = null;
    play.textContent = "▶ play";
    commit(cycle);
  };
  const start = () => {
    const [lo, hi] = span();
    let cycle = Number(input.value);
    if (cycle < lo || cycle >= hi) cycle = lo;
    playing = { cycle, last: performance.now(), frame: 0 };
    play.textContent = "❚❚ pause";
    const step = (now) => {
      if (playing === null) return;
      playing.cycle = Math.min(hi, playing.cycle + ((hi - lo) * (now - playing.last)) / PLAY_MS);
      playing.last = now;
      input.value = playing.cycle;
      show(playing.cycle, true);
      if (playing.cycle >= hi) pause();
      else playing.frame = requestAnimationFrame(step);
    };
    playing.frame = requestAnimationFrame(step);
  };
  play.textContent = "▶ play";
  play.addEventListener("click", () => (playing === null ? start() : pause()));

  input.addEventListener("input", () => show(input.value, true));
  input.addEventListener("change", () => commit(Number(input.value)));
  model.on("change:value", () => { if (playing === null) sync(); });
  model.on("change:max", sync);
  model.on("change:step", sync);
  model.on("change:fills", () => writeFills(host, model.get("fills")));
  // the charts are drawn anew on a zoom: put their cursors back at the cycle shown
  model.on("change:window", () => requestAnimationFrame(() => show(input.value)));
  sync();
  // the charts may be drawn after the scrubber: put the cursors at the cycle once they are,
  // and listen on the panel once it is there
  let tries = 120; // frames to wait for the panel (a scrubber shown alone has none)
  const settle = () => {
    if (playing === null) show(model.get("value"));
    if (!listenForZoom(host, model) && --tries > 0) requestAnimationFrame(settle);
  };
  requestAnimationFrame(settle);
  return () => { if (playing !== null) cancelAnimationFrame(playing.frame); root.remove(); };
}

export default { render };
