"""End to end: a notebook with a workbench panel, saved and opened again, in a real JupyterLab.

Opened untrusted (run elsewhere, as the shipped tutorials are) it shows the panel's picture, not
the task graph's label text; run, saved and reopened on a new kernel (trusted, the widget's model
gone) it shows the picture, not "Error displaying widget: model not found"; while the panel is
live, the picture below it is not shown."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from .lab import error_outputs, notebook, open_notebook, run_all_cells, screenshot, wait_for_lab

CELL = """%%dato --target npu1_4col
import datobench as dato
from datobench import Stream, float32

@dato.region
def pipeline(A: float32[64], B: float32[64]):
    pipe: Stream[float32[16], 2]

    @dato.task(args=[A])
    def producer(a: float32[64]):
        for i in range(4):
            pipe.put(a[i * 16 : (i + 1) * 16])

    @dato.task(args=[B])
    def consumer(b: float32[64]):
        for i in range(4):
            b[i * 16 : (i + 1) * 16] = pipe.get() + 1.0
"""


def write(server, relpath: str, run: bool = False) -> str:
    """A two-cell notebook under the server's root; with ``run``, executed outside the lab
    (its outputs unsigned: the lab opens it untrusted)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext datobench"), nbformat.v4.new_code_cell(CELL)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = server.root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if run:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute(cwd=str(path.parent))
    nbformat.write(nb, path)
    return relpath


def picture(page):
    return notebook(page).locator(".dato-snapshot img")


def assert_the_picture_shows(page):
    image = picture(page)
    image.wait_for(state="visible")
    assert image.evaluate("img => img.complete && img.naturalWidth") > 800  # a decoded PNG
    assert not notebook(page).get_by_text("Error displaying widget").is_visible()
    assert not notebook(page).get_by_text("Loading widget").is_visible()
    assert notebook(page).locator("[data-dato-panel]").count() == 0


def test_an_untrusted_notebook_shows_the_panels_picture(lab_page, jupyter_server):
    page = lab_page
    relpath = write(jupyter_server, "saved/untrusted.ipynb", run=True)
    open_notebook(page, jupyter_server, relpath)
    trusted = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.trusted"
    )
    assert trusted is False
    assert_the_picture_shows(page)
    assert not notebook(page).get_by_text("producer -> consumer").is_visible()  # no label text
    screenshot(notebook(page).locator(".jp-Cell").nth(1), "saved-untrusted")


def test_a_saved_notebook_reopened_on_a_new_kernel_shows_the_picture(lab_page, jupyter_server):
    page = lab_page
    relpath = write(jupyter_server, "saved/reopened.ipynb")
    open_notebook(page, jupyter_server, relpath)
    run_all_cells(page)
    assert error_outputs(page) == []
    panel = notebook(page).locator("[data-dato-panel]")
    panel.wait_for(state="visible")
    picture(page).wait_for(state="attached")
    assert not picture(page).is_visible()  # the live panel hides its picture
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000
    )
    saved = nbformat.read(jupyter_server.root / relpath, as_version=4)
    kinds = [set(o.get("data", {})) for o in saved.cells[1].outputs]
    assert any("image/png" in k for k in kinds), kinds

    jupyter_server.shutdown_kernels()  # the widget models die with the kernel
    page.reload()
    wait_for_lab(page)
    open_notebook(page, jupyter_server, relpath)  # a new kernel, which has no such models
    assert page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.trusted"
    )
    assert_the_picture_shows(page)
    screenshot(notebook(page).locator(".jp-Cell").nth(1), "saved-reopened")


def test_a_shipped_tutorial_shows_its_panel_before_it_is_run(lab_page, jupyter_server):
    page = lab_page
    open_notebook(page, jupyter_server, "tutorials/01_first_stream.ipynb")
    image = picture(page).first
    image.scroll_into_view_if_needed()
    image.wait_for(state="visible")
    assert image.evaluate("img => img.complete && img.naturalWidth") > 800
    assert not notebook(page).get_by_text("Error displaying widget").first.is_visible()
    screenshot(image, "tutorial-before-running")
