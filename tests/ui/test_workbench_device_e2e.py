"""``%%dato --backend xrt`` in a real JupyterLab at 1280 px. On this machine, which has no
pyxrt, the panel says in one line what is missing, the simulated views are all there, and
nothing overflows; the cell has one output, the panel, in the place its progress bar had.
With ``RecordingPyxrt`` (tests/test_xrt.py: NOT XRT, a stand-in with pyxrt's names that records
every call) injected as ``pyxrt`` in the kernel, the row shows measured beside predicted."""

from __future__ import annotations

from .lab import (
    REPO,
    error_outputs,
    kernel_eval,
    notebook,
    open_notebook,
    run_all_cells,
    screenshot,
    write_notebook,
)

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


STAND_IN = f"""# a recording stand-in for pyxrt (NOT XRT) from tests/test_xrt.py, and a fake xclbin
import sys
sys.path.insert(0, {str(REPO / "tests")!r})
from test_xrt import RecordingPyxrt
sys.modules["pyxrt"] = RecordingPyxrt(kernels=("scaled",))
open("scaled.xclbin", "wb").write(b"xclbin2\\0 stand-in contents")
"""


def test_the_missing_device_line_renders_in_the_panel_at_1280px(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    write_notebook(jupyter_server, RELPATH, "%load_ext datobench", CELL)
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

    # the magic's progress bar gave its place to the panel: the cell shows that one output
    # (and below it, hidden while the panel is live, the panel's picture)
    cell = notebook(page).locator(".jp-Notebook-cell.jp-CodeCell").nth(1)
    outputs = cell.locator(".jp-OutputArea-output")
    assert outputs.count() == 2 and outputs.nth(1).locator(".dato-snapshot").count() == 1
    assert outputs.nth(0).is_visible() and not outputs.nth(1).is_visible()
    screenshot(panel, "workbench-missing-device-1280")


def test_the_measured_row_renders_beside_the_prediction(lab_page, jupyter_server):
    page = lab_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    relpath = "device/stand_in_device.ipynb"
    cell = CELL.replace(
        "--target npu1_4col --backend xrt", "--target u280 --backend xrt --xclbin scaled.xclbin"
    )
    write_notebook(jupyter_server, relpath, "%load_ext datobench", STAND_IN, cell)
    open_notebook(page, jupyter_server, relpath)
    run_all_cells(page)
    assert error_outputs(page) == []
    kernel = 'sys.modules["pyxrt"].names().count("kernel()")'
    assert kernel_eval(jupyter_server, relpath, kernel) == 4  # a warm-up and three timed runs

    panel = notebook(page).locator("[data-dato-panel]").last
    panel.wait_for(state="visible")
    row = panel.locator(".dato-device")
    text = row.inner_text()
    assert text.startswith("on the device: measured ") and "(best of 3 after a warm-up, " in text
    assert " · predicted " in text and " · ratio " in text and text.endswith("×")
    assert panel.locator(".dato-missing").count() == 0
    assert row.bounding_box()["height"] < 40  # one line
    screenshot(panel, "workbench-measured-1280")
