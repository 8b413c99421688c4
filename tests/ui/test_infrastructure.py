"""The browser test infrastructure itself: the stand-in harness for front-end modules, and a
real JupyterLab server driven through headless Chromium."""

from __future__ import annotations

import struct

import anywidget
import nbformat
import pytest
import traitlets

from .lab import (
    KernelError,
    console_errors,
    error_outputs,
    kernel_eval,
    kernel_execute,
    notebook,
    open_notebook,
    run_all_cells,
    screenshot,
)
from .stand_in import (
    StandInError,
    forward_to_python,
    model_state,
    open_module,
    open_widget,
    saved,
    send_from_python,
    sent,
    update_from_python,
)

# A module in anywidget's form: a button that counts its clicks in the model and sends a
# message for each; it re-renders its label on change:count and answers a "ping" message.
BUTTON_ESM = """
export default {
  render({ model, el }) {
    const button = document.createElement("button");
    button.className = "counter";
    const label = () => { button.textContent = `${model.get("label")}: ${model.get("count")}`; };
    label();
    button.addEventListener("click", () => {
      model.set("count", model.get("count") + 1);
      model.save_changes();
      model.send({ kind: "clicked", count: model.get("count") });
    });
    const onCount = () => label();
    model.on("change:count", onCount);
    model.on("msg:custom", (msg) => {
      if (msg.kind === "ping") model.send({ kind: "pong", seq: msg.seq });
    });
    el.appendChild(button);
    return () => model.off("change:count", onCount);
  }
};
"""


def test_stand_in_renders_module_and_records_messages(stand_in_page):
    page = stand_in_page
    open_module(page, BUTTON_ESM, {"label": "clicks", "count": 0}, views=2)

    buttons = page.locator("button.counter")
    assert buttons.count() == 2  # two views of one model
    assert buttons.nth(0).inner_text() == "clicks: 0"

    buttons.nth(0).click()
    buttons.nth(0).click()
    assert sent(page) == [{"kind": "clicked", "count": 1}, {"kind": "clicked", "count": 2}]
    assert page.evaluate("window.__sent") == sent(page)
    assert saved(page) == [{"count": 1}, {"count": 2}]
    assert buttons.nth(1).inner_text() == "clicks: 2"  # the other view followed change:count

    update_from_python(page, count=10)  # a Python-side change: no save, views update
    assert buttons.nth(0).inner_text() == "clicks: 10"
    assert saved(page) == [{"count": 1}, {"count": 2}]
    send_from_python(page, {"kind": "ping", "seq": 7})
    assert sent(page)[-1] == {"kind": "pong", "seq": 7}
    assert model_state(page) == {"label": "clicks", "count": 10}


def test_stand_in_reports_module_errors(stand_in_page):
    broken = "export default { render({ model, el }) { throw new Error('render exploded'); } };"
    with pytest.raises(StandInError, match="render exploded"):
        open_module(stand_in_page, broken)
    with pytest.raises(StandInError, match="SyntaxError"):
        open_module(stand_in_page, "export default { render( };")


# Drag and drop the two ways a module may implement it: pointer events, and HTML5 draggable.
DRAG_ESM = """
export default {
  render({ model, el }) {
    el.innerHTML = `<div style="display:flex;gap:40px">
      <div data-tile="0,2" style="width:90px;height:90px;border:1px solid #888"></div>
      <div data-tile="1,2" style="width:90px;height:90px;border:1px solid #888"></div></div>`;
    const chip = document.createElement("div");
    chip.dataset.task = "producer";
    chip.textContent = "producer";
    chip.style.cssText = "width:70px;height:30px;background:#6a9;cursor:grab;user-select:none";
    el.querySelector(`[data-tile="${model.get("tile")}"]`).appendChild(chip);
    const tileAt = (x, y) => document.elementsFromPoint(x, y)
      .map(n => n.dataset && n.dataset.tile).find(Boolean);
    const drop = (tile) => {
      if (!tile || tile === model.get("tile")) return;
      model.send({ kind: "drop", task: "producer", tile, via: model.get("mode") });
    };
    if (model.get("mode") === "html5") {
      chip.draggable = true;
      chip.addEventListener("dragstart", (e) => e.dataTransfer.setData("text/plain", "producer"));
      for (const t of el.querySelectorAll("[data-tile]")) {
        t.addEventListener("dragover", (e) => e.preventDefault());
        t.addEventListener("drop", (e) => { e.preventDefault(); drop(t.dataset.tile); });
      }
    } else {
      chip.addEventListener("pointerdown", (e) => {
        chip.setPointerCapture(e.pointerId);
        const up = (u) => {
          chip.removeEventListener("pointerup", up);
          drop(tileAt(u.clientX, u.clientY));
        };
        chip.addEventListener("pointerup", up);
      });
    }
  }
};
"""


@pytest.mark.parametrize("mode", ["pointer", "html5"])
def test_stand_in_drag_and_drop(stand_in_page, mode):
    page = stand_in_page
    open_module(page, DRAG_ESM, {"tile": "0,2", "mode": mode})
    page.locator('[data-task="producer"]').drag_to(page.locator('[data-tile="1,2"]'))
    assert sent(page) == [{"kind": "drop", "task": "producer", "tile": "1,2", "via": mode}]


class Counter(anywidget.AnyWidget):
    _esm = BUTTON_ESM
    _css = "button.counter { font-size: 18px; }"
    label = traitlets.Unicode("n").tag(sync=True)
    count = traitlets.Int(0).tag(sync=True)


def test_stand_in_round_trip_with_python_widget(stand_in_page):
    page = stand_in_page
    widget = Counter(count=3)
    received = []
    widget.on_msg(lambda _w, content, _buffers: received.append(content))
    open_widget(page, widget)
    assert page.locator("button.counter").inner_text() == "n: 3"
    assert page.locator("button.counter").evaluate("b => getComputedStyle(b).fontSize") == "18px"

    page.locator("button.counter").click()
    assert forward_to_python(page, widget) == 2  # one update, one custom message
    assert widget.count == 4
    assert received == [{"kind": "clicked", "count": 4}]
    assert forward_to_python(page, widget) == 0

    shot = screenshot(page.locator(".stand-in-view"), "infrastructure_stand_in_counter")
    assert _png_size(shot)[0] > 50


# --------------------------------------------------------------------------------------------
# JupyterLab


def _png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


BROKEN_WIDGET = """\
import anywidget

class Broken(anywidget.AnyWidget):
    _esm = "export default { render() { throw new Error('render exploded'); } };"

Broken()"""


def _write_notebook(server, relpath, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = cells
    path = server.root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def test_jupyterlab_runs_notebook_and_kernel_answers(lab_page, jupyter_server):
    relpath = "infra/answer.ipynb"
    _write_notebook(
        jupyter_server,
        relpath,
        [
            nbformat.v4.new_markdown_cell("# Infrastructure check"),
            nbformat.v4.new_code_cell("x = 6 * 7"),
            nbformat.v4.new_code_cell("print(x)"),
        ],
    )

    open_notebook(lab_page, jupyter_server, relpath)
    state = run_all_cells(lab_page, timeout=120)
    assert [c["prompt"] for c in state["cells"]] == ["[1]:", "[2]:"]
    assert error_outputs(lab_page) == []
    stdout = notebook(lab_page).locator(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
    )
    assert stdout.inner_text().strip() == "42"

    assert kernel_eval(jupyter_server, relpath, "x") == 42
    assert kernel_eval(jupyter_server, relpath, "{'x': (x, x + 1)}") == {"x": [42, 43]}
    out = kernel_execute(jupyter_server, relpath, "import numpy as np\nprint('from test')")
    assert out["stdout"] == "from test\n"
    assert kernel_eval(jupyter_server, relpath, "np.arange(3) * x") == [0, 42, 84]
    with pytest.raises(KernelError, match="ZeroDivisionError"):
        kernel_execute(jupyter_server, relpath, "1 / 0")
    with pytest.raises(KernelError, match="JSON-serialisable"):
        kernel_eval(jupyter_server, relpath, "object()")

    path = screenshot(lab_page, "infrastructure_jupyterlab")
    assert path.exists() and path.parent.name == "artifacts"
    assert _png_size(path) == (1400, 1000)
    assert path.stat().st_size > 20_000  # a rendered lab, not a blank page


def test_jupyterlab_error_outputs_are_reported(lab_page, jupyter_server):
    relpath = "infra/failing.ipynb"
    _write_notebook(
        jupyter_server,
        relpath,
        [
            nbformat.v4.new_code_cell(BROKEN_WIDGET),
            nbformat.v4.new_code_cell("import sys\nprint('careful', file=sys.stderr)"),
            nbformat.v4.new_code_cell("1 / 0"),
            nbformat.v4.new_code_cell("never = True"),
        ],
    )

    open_notebook(lab_page, jupyter_server, relpath)
    run_all_cells(lab_page, timeout=120)
    errors = error_outputs(lab_page)
    assert len(errors) == 2
    assert errors[0].strip() == "careful"
    assert "ZeroDivisionError" in errors[1] and "\x1b[" not in errors[1]
    assert error_outputs(lab_page, stderr=False) == errors[1:]
    assert kernel_eval(jupyter_server, relpath, "'never' in globals()") is False  # run stopped

    # A widget module that throws leaves an empty output; the browser console has the error.
    for _ in range(100):
        if any("render exploded" in e for e in console_errors(lab_page)):
            break
        lab_page.wait_for_timeout(100)
    assert any("render exploded" in e for e in console_errors(lab_page)), console_errors(lab_page)
