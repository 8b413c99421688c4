"""``%%dato --backend xrt`` in a real JupyterLab at 1280 px, on this machine, which has no
pyxrt: the panel says in one line what is missing, the simulated views are all there, and
nothing overflows; the cell has one output, the panel, in the place its progress bar had."""

from __future__ import annotations

import nbformat

from .lab import error_outputs, kernel_eval, notebook, open_notebook, run_all_cells, screenshot

RELPATH = "device/missing_device.ipynb"
CELL = """%%dato --target npu1_4col --backend xrt
import datobench as dato
from datobench import Stream, float32

@dato.region
def scaled(A: float32[256], B: float32[256]):
    pipe: Stream[float32[32], 2]

    @dato.task(args=[A])
    def producer(a: float32[256]):
        for i in range(8):
            pipe.put(a[i * 32:(i + 1) * 32])

    @dato.task(args=[B])
    def consumer(b: float32[256]):
        for i in range(8):
            b[i * 32:(i + 1) * 32] = pipe.get() * 2.0
"""


def _write_notebook(server):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell("%load_ext datobench"), nbformat.v4.new_code_cell(CELL)]
    path = server.root / RELPATH
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def test_the_missing_device_line_renders_in_the_panel_at_1280px(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    _write_notebook(jupyter_server)
    open_notebook(page, jupyter_server, RELPATH)
    run_all_cells(page)
    assert error_outputs(page) == []
    if kernel_eval(jupyter_server, RELPATH, "__import__('importlib').util.find_spec('pyxrt')"):
        raise AssertionError("this test expects a machine without pyxrt")

    panel = notebook(page).locator("[data-dato-panel]").last
    panel.wait_for(state="visible")
    panel.scroll_into_view_if_needed()
    line = panel.locator(".dato-device.dato-missing")
    assert line.inner_text() == (
        "not run on the device: pyxrt (the Python binding of AMD XRT) cannot be imported: "
        "No module named 'pyxrt'; simulated views below"
    )
    # the simulated views are there below it
    assert panel.locator("[data-tile]").count() == 24 and panel.locator("[data-task]").count() == 2
    assert panel.locator(".dato-graph svg").count() == 1
    text = panel.text_content()  # the section titles as written (CSS shows them upper-case)
    assert "Tiles over time" in text and "busy" in text

    geometry = panel.evaluate(
        """(panel) => {
          const line = panel.querySelector('.dato-device');
          const style = getComputedStyle(line);
          const box = (el) => el.getBoundingClientRect();
          const bars = [...panel.querySelectorAll('.dato-progress')];
          const head = panel.querySelector('.dato-head');
          return {
            head: box(head).height, headLine: parseFloat(getComputedStyle(head).fontSize),
            lineHeight: parseFloat(style.lineHeight) || 1.4 * parseFloat(style.fontSize),
            line: box(line).height, lineRight: box(line).right, panelRight: box(panel).right,
            overflow: panel.scrollWidth - panel.clientWidth,
            bars: bars.map((b) => getComputedStyle(b).visibility),
          };
        }"""
    )
    assert geometry["line"] < 1.6 * geometry["lineHeight"], geometry  # one line at 1280 px
    assert geometry["lineRight"] <= geometry["panelRight"] and geometry["overflow"] <= 1, geometry
    assert geometry["bars"] == ["hidden"], geometry  # the panel's own bar, idle
    assert geometry["head"] < 2.5 * geometry["headLine"], geometry  # the header: one line

    # the magic's progress bar gave its place to the panel: the cell has that one output
    cell = notebook(page).locator(".jp-Notebook-cell.jp-CodeCell").nth(1)
    assert cell.locator(".jp-OutputArea-output").count() == 1
    screenshot(panel, "workbench-missing-device-1280")
