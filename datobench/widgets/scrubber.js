// The cycle scrubber's front end: a range input that moves the charts' cursors while it is
// dragged (no kernel round trip) and tells Python the cycle only when it is released.

function cursors(host) {
  const panel = host.closest(".dato-panel") || document;
  return panel.querySelectorAll("line[data-dato-cursor]");
}

function moveCursors(host, cycle) {
  for (const line of cursors(host)) {
    const x0 = Number(line.dataset.x0), w = Number(line.dataset.w);
    const total = Math.max(Number(line.dataset.cycles), 1);
    const x = (x0 + (w * Math.min(cycle, total)) / total).toFixed(1);
    line.setAttribute("x1", x);
    line.setAttribute("x2", x);
  }
}

function writeFills(host, fills) {
  const panel = host.closest(".dato-panel") || document;
  for (const label of panel.querySelectorAll("text[data-dato-fill]")) {
    const text = fills[label.dataset.datoFill];
    if (text !== undefined) label.textContent = text;
  }
}

function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "dato-scrubber";
  root.style.cssText = "display:flex;align-items:center;gap:8px;font:12px ui-sans-serif,sans-serif";
  const label = document.createElement("span");
  label.textContent = "cycle";
  const input = document.createElement("input");
  input.type = "range";
  input.style.width = "460px";
  const readout = document.createElement("span");
  readout.className = "dato-scrubber-cycle";
  readout.style.cssText = "min-width:90px;font-variant-numeric:tabular-nums";
  root.append(label, input, readout);
  host.appendChild(root);

  const show = (cycle) => {
    readout.textContent = Number(cycle).toLocaleString("en-US");
    moveCursors(host, Number(cycle));
  };
  const sync = () => {
    input.min = 0;
    input.max = model.get("max");
    input.step = model.get("step");
    input.value = model.get("value");
    show(model.get("value"));
  };
  input.addEventListener("input", () => show(input.value));
  input.addEventListener("change", () => {
    model.set("value", Number(input.value));
    model.save_changes();
  });
  model.on("change:value", sync);
  model.on("change:max", sync);
  model.on("change:step", sync);
  model.on("change:fills", () => writeFills(host, model.get("fills")));
  sync();
  // the charts may be drawn after the scrubber: put the cursors at the cycle once they are
  requestAnimationFrame(() => show(model.get("value")));
}

export default { render };
