// The placements tried: one row each (number, what moved, cycles or the refusal). Clicking a
// row sends "restore"; ticking two rows sends "compare" with both. Python decides everything
// else: which row is current, whether an entry can be restored, the comparison's HTML.

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function render({ model, el: host }) {
  const root = el("div", { class: "dato-history" });
  host.appendChild(root);

  function draw() {
    const entries = model.get("entries") || [];
    const compared = new Set(model.get("compared") || []);
    root.replaceChildren();
    const list = el("ol", { class: "dato-tried" });
    const fastest = Math.min(...entries.filter((e) => e.cycles !== null).map((e) => e.cycles));
    for (const e of entries) {
      const row = el("li", {
        class: "dato-entry" + (e.current ? " dato-current" : "") +
          (e.refusal ? " dato-refused" : ""),
        "data-entry": String(e.number),
        title: e.refusal ? `refused: ${e.refusal}` : "click to restore this placement",
      });
      const tick = el("input", { type: "checkbox", class: "dato-pick",
        title: "tick two to compare them" });
      tick.checked = compared.has(e.number);
      tick.disabled = Boolean(e.refusal) || e.cycles === null;
      tick.onclick = (event) => {
        event.stopPropagation();
        const chosen = [...root.querySelectorAll(".dato-pick:checked")]
          .map((t) => Number(t.closest("[data-entry]").dataset.entry));
        model.send({ kind: "compare", entries: chosen.slice(-2) });
      };
      const what = el("span", { class: "dato-what" }, `#${e.number} ${e.label}`);
      const outcome = e.refusal
        ? el("span", { class: "dato-outcome" }, `refused: ${e.refusal}`)
        : el("span", { class: "dato-outcome" },
          e.cycles === null ? "untimed" : `${e.cycles.toLocaleString("en-US")} cycles` +
            (e.cycles === fastest && entries.length > 1 ? " (fastest)" : ""));
      row.append(tick, what, outcome);
      row.onclick = () => model.send({ kind: "restore", entry: e.number });
      list.appendChild(row);
    }
    root.appendChild(list);
    const error = model.get("error");
    if (error) root.appendChild(el("div", { class: "dato-history-error", role: "alert" }, error));
    const comparison = model.get("comparison");
    if (comparison) {
      const box = el("div", { class: "dato-comparison" });
      box.innerHTML = comparison; // HTML made by the package (visual.compare), not by the user
      root.appendChild(box);
    }
  }

  for (const trait of ["entries", "compared", "comparison", "error"]) {
    model.on(`change:${trait}`, draw);
  }
  draw();
  return () => root.remove();
}

export default { render };
