"""Helpers for driving JupyterLab from Playwright and talking to a notebook's kernel.

The fixtures in ``conftest.py`` provide the server (``LabServer``) and a ready page; the
functions here act on them:

    open_notebook(page, server, "tutorials/01_first_stream.ipynb")
    run_all_cells(page)                       # Run > Run All Cells, then wait until idle
    assert error_outputs(page) == []
    assert kernel_eval(server, "tutorials/01_first_stream.ipynb", "x") == 42
    screenshot(page, "01_first_stream")       # artifacts/01_first_stream.png
"""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import nbformat

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"

LAB_TIMEOUT = 60.0  # seconds for JupyterLab to load or open a document
RUN_TIMEOUT = 300.0  # default seconds for Run All Cells to finish


# --------------------------------------------------------------------------------------------
# the server


@dataclass
class LabServer:
    """A running JupyterLab server (the ``jupyter_server`` fixture).

    ``url`` ends with a slash (``http://127.0.0.1:PORT/``); ``root`` is the server's root
    directory, a temporary copy of tutorials/ and notebooks/ that tests may add files to.
    """

    url: str
    token: str
    root: Path
    port: int
    log_path: Path
    proc: subprocess.Popen = field(repr=False)
    log_file: IO[bytes] | None = field(default=None, repr=False)

    def lab_url(self, relpath: str | None = None, workspace: str | None = None) -> str:
        """The address of the lab (or of a document opened in it), token included.  A named
        ``workspace`` keeps the layout (open tabs) of one page from leaking into the next."""
        path = "lab" if workspace is None else f"lab/workspaces/{workspace}"
        if relpath is not None:
            path += "/tree/" + urllib.parse.quote(relpath)
        return f"{self.url}{path}?token={self.token}"

    def api(self, method: str, path: str, body: Any = None, timeout: float = 10.0) -> Any:
        """Call the REST API (``path`` like ``"api/sessions"``) and return the decoded JSON."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path.lstrip("/"),
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read()
        return json.loads(text) if text else None

    def is_up(self) -> bool:
        try:
            self.api("GET", "api/status", timeout=2.0)
            return True
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def log(self) -> str:
        """The server's output so far (its log, and anything its kernels printed)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def sessions(self) -> list[dict]:
        return self.api("GET", "api/sessions")

    def kernel_id(self, relpath: str, timeout: float = LAB_TIMEOUT) -> str:
        """The id of the kernel of the session for notebook ``relpath`` (waits for it)."""
        deadline = time.monotonic() + timeout
        while True:
            seen = []
            for s in self.sessions():
                path = s.get("path") or s.get("notebook", {}).get("path")
                seen.append(path)
                if path == relpath and s.get("kernel"):
                    return s["kernel"]["id"]
            if time.monotonic() > deadline:
                raise TimeoutError(f"no kernel session for {relpath!r}; sessions: {seen}")
            time.sleep(0.2)

    def shutdown_kernels(self) -> None:
        """End every session and its kernel (what a test opened), leaving the server up."""
        for s in self.sessions():
            try:
                self.api("DELETE", f"api/sessions/{s['id']}", timeout=30.0)
            except urllib.error.HTTPError:
                pass  # already gone

    def stop(self, timeout: float = 15.0) -> None:
        """Shut the server down with its kernels: /api/shutdown, then SIGTERM, then SIGKILL."""
        if self.proc.poll() is None:
            try:
                self.api("POST", "api/shutdown", timeout=timeout)
                self.proc.wait(timeout)
            except (OSError, urllib.error.URLError, ValueError, subprocess.TimeoutExpired):
                pass  # not up yet, or stuck: stop it the hard way
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        # Whatever is left of the server's own process group (kernels it did not reap).
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


def wait_for_lab(page, timeout: float = LAB_TIMEOUT) -> None:
    """Wait until JupyterLab has started in ``page``: the shell is there and the splash gone."""
    page.wait_for_selector("#jp-main-dock-panel", timeout=timeout * 1000)
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=timeout * 1000)


# --------------------------------------------------------------------------------------------
# the page

# JavaScript shared by the helpers: the current notebook panel and the state of its cells.
_JS_PANEL = """
() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  if (w && w.node && w.node.classList.contains('jp-NotebookPanel')) return w.node;
  const visible = [...document.querySelectorAll('.jp-NotebookPanel')]
    .filter(p => p.getClientRects().length && !p.closest('.lm-mod-hidden'));
  return visible.length ? visible[visible.length - 1] : null;
}
"""

_JS_STATE = """
(panel) => {
  if (!panel) return {panel: false};
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const cells = [...panel.querySelectorAll('.jp-Notebook-cell.jp-CodeCell')].map(c => {
    const prompt = c.querySelector('.jp-InputArea-prompt, .jp-InputPrompt');
    const editor = c.querySelector('.jp-InputArea-editor');
    return {prompt: prompt ? prompt.textContent.trim() : '',
            empty: !(editor && editor.textContent.trim())};
  });
  return {panel: true, status: indicator ? indicator.dataset.status : null, cells};
}
"""


def _panel(page):
    handle = page.evaluate_handle(_JS_PANEL)
    if handle.evaluate("p => p === null"):
        raise AssertionError("no notebook is open in the current JupyterLab tab")
    return handle


def notebook(page):
    """A Playwright ``Locator`` for the current notebook panel.  Scope element look-ups to it:
    notebooks opened earlier stay in the page (in hidden tabs) with their own outputs."""
    panel_id = page.evaluate(f"(() => {{ const p = ({_JS_PANEL})(); return p ? p.id : null; }})()")
    if not panel_id:
        raise AssertionError("no notebook is open in the current JupyterLab tab")
    return page.locator(f'[id="{panel_id}"]')


def notebook_state(page) -> dict:
    """``{"status": kernel status shown in the toolbar, "cells": [{"prompt", "empty"}, ...]}``
    for the current notebook (code cells only)."""
    return page.evaluate(f"({_JS_STATE})(({_JS_PANEL})())")


_JS_READY = f"""
() => {{
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  const s = ({_JS_STATE})(({_JS_PANEL})());
  if (w && w.sessionContext && w.context) {{
    // The lab's own view: document loaded, kernel connected and idle, every cell rendered.
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    s.kernel = k ? k.status : null;
    s.connection = k ? k.connectionStatus : null;
    s.ready = w.context.isReady && !!k && k.status === 'idle' && k.connectionStatus === 'connected'
      && w.content.widgets.length === w.content.model.cells.length && s.status === 'idle';
  }} else {{
    const name = document.querySelector('.jp-mod-current .jp-Toolbar-kernelName, '
                                        + '.jp-NotebookPanel .jp-Toolbar-kernelName');
    const kernelName = name ? name.textContent.trim() : '';
    s.ready = s.status === 'idle' && kernelName !== '' && kernelName !== 'No Kernel';
  }}
  return s;
}}
"""


def _accept_kernel_dialog(page) -> None:
    """Accept a 'Select Kernel' dialog (a notebook without kernelspec metadata)."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count() and "kernel" in dialog.first.inner_text().lower():
        dialog.first.locator(".jp-Dialog-button.jp-mod-accept").click()


def open_notebook(page, server: LabServer, relpath: str, timeout: float = LAB_TIMEOUT) -> None:
    """Open ``relpath`` (relative to ``server.root``) as the current tab and wait until it is
    loaded and its kernel connected and idle.  Uses the lab's own ``docmanager:open`` command
    when the lab is already loaded in ``page``, otherwise loads ``lab/tree/<relpath>``."""
    if not (server.root / relpath).exists():
        raise FileNotFoundError(server.root / relpath)
    on_lab = page.url.startswith(server.url + "lab") and page.evaluate("!!window.jupyterapp")
    if on_lab:
        page.evaluate(
            "async (path) => { const app = window.jupyterapp;"
            " const w = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});"
            " app.shell.activateById(w.id); }",
            relpath,
        )
    else:
        ws = re.search(r"/lab/workspaces/([^/?#]+)", page.url)
        page.goto(server.lab_url(relpath, workspace=ws.group(1) if ws else None))
        wait_for_lab(page, timeout)
    name = relpath.rsplit("/", 1)[-1]
    tab = page.locator(".jp-mod-current .lm-TabBar-tabLabel", has_text=name)
    tab.first.wait_for(timeout=timeout * 1000)

    deadline = time.monotonic() + timeout
    state: dict = {}
    while time.monotonic() < deadline:
        _accept_kernel_dialog(page)
        state = page.evaluate(_JS_READY)
        if state.get("ready"):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{relpath} is not open with an idle kernel after {timeout:.0f} s: {state}")


def run_all_cells(page, timeout: float = RUN_TIMEOUT) -> dict:
    """Run > Run All Cells in the current notebook, then wait until the run is over: the kernel
    shows idle and no cell prompt is ``[*]``.  Returns ``notebook_state(page)``.

    A run stops at the first cell that raises (as in JupyterLab); check ``error_outputs``.
    """
    panel = _panel(page)
    state = notebook_state(page)
    if not any(not c["empty"] for c in state["cells"]):
        return state  # nothing to run: no kernel activity to wait for
    # Record in the page whether the run started (a queued cell's prompt turns to [*] at once,
    # and the kernel goes busy), so a fast run is not mistaken for one that never began.
    panel.evaluate(
        """(panel) => {
          window.__datoRun = {started: false};
          const check = () => {
            const busy = panel.querySelector('.jp-Notebook-ExecutionIndicator[data-status="busy"]');
            const queued = [...panel.querySelectorAll('.jp-InputPrompt')]
              .some(p => p.textContent.includes('*'));
            if (busy || queued) { window.__datoRun.started = true; obs.disconnect(); }
          };
          const obs = new MutationObserver(check);
          obs.observe(panel, {subtree: true, childList: true, characterData: true,
                              attributes: true, attributeFilter: ['data-status']});
        }"""
    )
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    try:
        page.wait_for_function(
            f"""() => {{
              if (!window.__datoRun || !window.__datoRun.started) return false;
              const s = ({_JS_STATE})(({_JS_PANEL})());
              return s.status === 'idle' && !s.cells.some(c => c.prompt.includes('*'));
            }}""",
            timeout=timeout * 1000,
            polling=100,
        )
    except Exception as exc:
        started = page.evaluate("!!(window.__datoRun && window.__datoRun.started)")
        raise TimeoutError(
            f"Run All Cells did not finish within {timeout:.0f} s (started: {started}); "
            f"notebook: {notebook_state(page)}"
        ) from exc
    return notebook_state(page)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def error_outputs(page, stderr: bool = True) -> list[str]:
    """Texts of the error outputs (tracebacks) in the current notebook, and with ``stderr``
    (the default) also of its stderr stream outputs, in cell order; ``[]`` if there are none.
    Widgets whose front end failed ("Error displaying widget", ipywidgets' error view) are
    listed after those."""
    found = page.evaluate(
        f"""(stderr) => {{
          const out = [];
          const app = window.jupyterapp;
          const w = app && app.shell.currentWidget;
          if (w && w.content && w.content.widgets) {{
            for (const cell of w.content.widgets) {{
              if (cell.model.type !== 'code') continue;
              for (const o of cell.model.outputs.toJSON()) {{
                if (o.output_type === 'error') out.push([].concat(o.traceback || []).join('\\n')
                                                         || `${{o.ename}}: ${{o.evalue}}`);
                else if (stderr && o.output_type === 'stream' && o.name === 'stderr')
                  out.push([].concat(o.text).join(''));
              }}
            }}
          }} else {{
            const panel = ({_JS_PANEL})() || document;
            const sel = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"],'
                      + '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]';
            for (const el of panel.querySelectorAll(sel)) out.push(el.innerText);
          }}
          // Widgets whose front end failed: "Error displaying widget..." in place of the
          // widget, or ipywidgets' error view (a module that failed to load or render).
          const panel = ({_JS_PANEL})() || document;
          for (const el of panel.querySelectorAll('.jp-OutputArea-output')) {{
            const text = el.innerText.trim();
            if (text.startsWith('Error displaying widget')) out.push(text);
            else if (el.querySelector('.jupyter-widgets-error-widget'))
              out.push('widget error: ' + text);
          }}
          return out;
        }}""",
        stderr,
    )
    return [_ANSI.sub("", text) for text in found]


def console_errors(page) -> list[str]:
    """Errors the page logged to its console so far, and its uncaught exceptions (pages from
    the ``lab_page`` / ``stand_in_page`` fixtures record them).  A widget whose ES module
    fails to load or render in JupyterLab shows nothing in the notebook; it shows up here."""
    messages = getattr(page, "console_messages", None)
    if messages is None:
        raise AssertionError("this page does not record its console (use the page fixtures)")
    return [text for kind, text in messages if kind in ("error", "pageerror")]


def write_notebook(server: LabServer, relpath: str, *sources: str) -> Path:
    """A notebook of code cells with ``sources`` under the server's root, for the Python 3
    kernel (the browser tests open and run it)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = server.root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def screenshot(target, name: str, full_page: bool = False) -> Path:
    """Save a PNG of a page, or of one element (a Playwright ``Locator``, e.g. a workbench
    panel), as ``artifacts/<name>.png`` at the repository root; returns its path.

    An element taller than the window is shot whole: the window is enlarged for the shot
    (JupyterLab scrolls inside the notebook, so the page itself cannot scroll to it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name.removesuffix(".png"))
    path = ARTIFACTS / f"{stem}.png"
    if hasattr(target, "goto"):  # a Page
        target.screenshot(path=str(path), full_page=full_page)
        return path
    page = target.page
    viewport = page.viewport_size
    box = target.bounding_box()
    tall = viewport and box and box["height"] > viewport["height"] - 150
    if tall:
        height = min(int(box["height"]) + 400, 12_000)
        page.set_viewport_size({"width": viewport["width"], "height": height})
    try:
        target.scroll_into_view_if_needed()
        target.screenshot(path=str(path), animations="disabled")
    finally:
        if tall:
            page.set_viewport_size(viewport)
    return path


# --------------------------------------------------------------------------------------------
# the kernel


class KernelError(AssertionError):
    """Code or an expression sent with ``kernel_execute`` / ``kernel_eval`` raised."""


def kernel_execute(
    server: LabServer,
    relpath: str,
    code: str = "",
    expressions: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> dict:
    """Run ``code`` in the kernel of notebook ``relpath`` (as one more client of it, through
    the server's websocket) and evaluate ``expressions`` ({key: Python expression}) after it.

    Returns ``{"stdout": str, "stderr": str, "expressions": {key: user_expression reply}}``
    where each reply is ``{"status": "ok", "data": {"text/plain": ...}}`` or an error.  Raises
    ``KernelError`` if ``code`` raises.  Widgets changed here update in the open page.
    """
    import websocket  # websocket-client

    kernel = server.kernel_id(relpath)
    session = uuid.uuid4().hex
    ws_url = server.url.replace("http://", "ws://", 1)
    ws = websocket.create_connection(
        f"{ws_url}api/kernels/{kernel}/channels?session_id={session}",
        header=[f"Authorization: token {server.token}"],
        timeout=timeout,
    )
    msg_id = uuid.uuid4().hex
    ws.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "username": "tests",
                    "session": session,
                    "date": datetime.now(UTC).isoformat(),
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "content": {
                    "code": code,
                    "silent": False,
                    "store_history": False,
                    "user_expressions": expressions or {},
                    "allow_stdin": False,
                    "stop_on_error": True,
                },
                "channel": "shell",
                "buffers": [],
            }
        )
    )
    out = {"stdout": "", "stderr": "", "expressions": {}}
    reply = None
    idle = False
    deadline = time.monotonic() + timeout
    try:
        while reply is None or not idle:  # the reply, and every output before 'idle'
            ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                msg = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                raise TimeoutError(
                    f"the kernel of {relpath} did not answer within {timeout:.0f} s"
                ) from None
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "execute_reply":
                reply = content
            elif kind == "stream":
                out[content["name"]] += content["text"]
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
    finally:
        ws.close()
    if reply["status"] != "ok":
        tb = _ANSI.sub("", "\n".join(reply.get("traceback", [])))
        raise KernelError(f"{reply.get('ename')}: {reply.get('evalue')}\n{tb}")
    out["expressions"] = reply.get("user_expressions", {})
    return out


def kernel_eval(server: LabServer, relpath: str, expression: str, timeout: float = 60.0) -> Any:
    """The value of a Python ``expression`` in the kernel of notebook ``relpath``.

    The value travels as JSON: tuples come back as lists, dict keys as strings; numpy arrays
    and scalars are converted with ``.tolist()``.  Anything else that JSON cannot carry raises
    ``KernelError`` (ask for ``repr(...)`` or ``str(...)`` of it instead).
    """
    wrapped = (
        "(lambda json: json.dumps(("
        + expression
        + "), default=lambda o: o.tolist()))(__import__('json'))"
    )
    result = kernel_execute(server, relpath, expressions={"value": wrapped}, timeout=timeout)
    value = result["expressions"]["value"]
    if value.get("status") != "ok":
        raise KernelError(
            f"evaluating {expression!r} in the kernel of {relpath}: "
            f"{value.get('ename')}: {value.get('evalue')} (is the value JSON-serialisable?)"
        )
    return json.loads(ast.literal_eval(value["data"]["text/plain"]))
