// The task graph's view: fits the SVG from Python to its box (never above its natural size),
// zooms about the pointer with the wheel and about the centre with the buttons, pans by
// dragging, and "fit" shows the whole graph again. Zoom and pan only change the SVG's viewBox.

const MAX_ZOOM = 4; // times the natural size
const STEP = 1.25;

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el: host }) {
  const root = el("div", { class: "dato-graphview" });
  const bar = el("div", { class: "dato-graph-bar" });
  const zoomOut = el("button", { class: "dato-zoom-out", title: "zoom out" }, "−");
  const zoomIn = el("button", { class: "dato-zoom-in", title: "zoom in" }, "+");
  const fitButton = el("button", { class: "dato-fit", title: "show the whole graph" }, "fit");
  const level = el("span", { class: "dato-zoom-level" });
  bar.append(zoomOut, zoomIn, fitButton, level,
    el("span", { class: "dato-zoom-hint" }, "· wheel to zoom, drag to pan"));
  const view = el("div", { class: "dato-graph-view" });
  root.append(bar, view);
  host.appendChild(root);

  let svg = null;
  let base = null; // the SVG's own viewBox: {x, y, w, h}
  let box = null; // the part shown now, in viewBox units
  let natural = null; // {w, h} in CSS pixels at zoom 1
  let touched = false; // the user zoomed or panned: a resize keeps their view

  function scale() {
    // CSS pixels per viewBox unit (preserveAspectRatio meet)
    return Math.min(view.clientWidth / box.w, view.clientHeight / box.h);
  }

  function show() {
    svg.setAttribute("viewBox", `${box.x} ${box.y} ${box.w} ${box.h}`);
    const zoom = (scale() * base.w) / natural.w;
    view.dataset.zoom = zoom.toFixed(3);
    level.textContent = `${Math.round(zoom * 100)}%`;
  }

  function fit() {
    if (!svg) return;
    const width = view.clientWidth || host.clientWidth || 480;
    const border = view.offsetHeight - view.clientHeight; // the box's height includes it
    const maxHeight = model.get("max_height") - border;
    const s = Math.min(1, width / natural.w, maxHeight / natural.h);
    view.style.height = `${Math.max(40, Math.floor(natural.h * s)) + border}px`;
    box = { ...base };
    touched = false;
    show();
  }

  function zoomAbout(factor, px, py) {
    if (!svg) return;
    const s = scale();
    const limit = (MAX_ZOOM * natural.w) / base.w; // scale at MAX_ZOOM
    const fitScale = Math.min(view.clientWidth / base.w, view.clientHeight / base.h);
    const next = Math.max(Math.min(s * factor, limit), Math.min(fitScale, s) / 2);
    // the viewBox point under (px, py) stays there
    const offX = (view.clientWidth - box.w * s) / 2, offY = (view.clientHeight - box.h * s) / 2;
    const ux = box.x + (px - offX) / s, uy = box.y + (py - offY) / s;
    const w = view.clientWidth / next, h = view.clientHeight / next;
    box = { x: ux - px / next, y: uy - py / next, w, h };
    touched = true;
    show();
  }

  function draw() {
    view.innerHTML = model.get("value");
    svg = view.querySelector("svg");
    if (!svg) { view.style.height = ""; return; }
    const vb = svg.viewBox && svg.viewBox.baseVal;
    if (!vb || !vb.width) { svg = null; return; }
    const same = base && base.w === vb.width && base.h === vb.height;
    base = { x: vb.x, y: vb.y, w: vb.width, h: vb.height };
    natural = {
      w: Number(svg.dataset.width) || vb.width * 4 / 3,
      h: Number(svg.dataset.height) || vb.height * 4 / 3,
    };
    svg.removeAttribute("style");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    if (touched && same) show(); // new colours for the same graph: keep the user's view
    else fit();
  }

  view.addEventListener("wheel", (e) => {
    if (!svg) return;
    e.preventDefault();
    const r = view.getBoundingClientRect();
    zoomAbout(e.deltaY < 0 ? STEP : 1 / STEP, e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  view.addEventListener("pointerdown", (e) => {
    if (!svg || e.button !== 0) return;
    const start = { x: e.clientX, y: e.clientY, bx: box.x, by: box.y, s: scale() };
    view.setPointerCapture && view.setPointerCapture(e.pointerId);
    view.classList.add("dato-panning");
    const move = (m) => {
      box = { ...box, x: start.bx - (m.clientX - start.x) / start.s,
        y: start.by - (m.clientY - start.y) / start.s };
      touched = true;
      show();
    };
    const up = () => {
      view.removeEventListener("pointermove", move);
      view.removeEventListener("pointerup", up);
      view.classList.remove("dato-panning");
    };
    view.addEventListener("pointermove", move);
    view.addEventListener("pointerup", up);
  });

  const centre = () => [view.clientWidth / 2, view.clientHeight / 2];
  zoomIn.onclick = () => zoomAbout(STEP, ...centre());
  zoomOut.onclick = () => zoomAbout(1 / STEP, ...centre());
  fitButton.onclick = fit;

  // the panel's width changes with the sidebar and the window: refit unless the user moved
  let lastWidth = 0;
  const resized = new ResizeObserver(() => {
    if (view.clientWidth && view.clientWidth !== lastWidth) {
      lastWidth = view.clientWidth;
      if (!touched) fit(); else show();
    }
  });
  resized.observe(view);

  model.on("change:value", draw);
  model.on("change:max_height", fit);
  draw();
  return () => { resized.disconnect(); root.remove(); };
}

export default { render };
