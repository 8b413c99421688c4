"""A harness for front-end module tests: an anywidget ES module rendered in a plain page.

``serve_module(esm, state)`` writes the module to a ``.js`` file next to a small HTML page and
serves both on loopback (``http.server`` in a thread); the page imports the module and calls
its default export's ``initialize({model, signal, experimental})`` and
``render({model, el, signal, experimental})`` with a stand-in model written in JavaScript
(``stand_in.js``): ``get`` / ``set`` / ``on`` / ``off`` / ``send`` / ``save_changes``, with
``change:<name>`` / ``change`` / ``msg:custom`` events as in ipywidgets.  What the module sends
is recorded in the page: ``window.__sent`` (``model.send`` contents), ``window.__saved``
(``save_changes`` updates) and ``window.__outbox`` (both, in order).

Typical use, with the ``stand_in_page`` fixture (a blank Playwright page):

    open_module(stand_in_page, MyWidget._esm, {"placement": {...}}, css=MyWidget._css)
    stand_in_page.locator('[data-task="pe_0_0"]').drag_to(...)
    assert sent(stand_in_page) == [{"kind": "drop", ...}]

or ``open_widget(page, widget)`` for an anywidget instance (its ``_esm``, ``_css`` and state),
with ``forward_to_python(page, widget)`` to deliver what the page sent to the Python object.
"""

from __future__ import annotations

import atexit
import functools
import html
import http.server
import itertools
import json
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

HARNESS_JS = Path(__file__).with_name("stand_in.js")

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>stand-in: {title}</title>
<style>
  body {{ margin: 16px; font-family: system-ui, sans-serif; background: #fff; }}
  .stand-in-view {{ margin-bottom: 16px; }}
</style>
<style id="widget-css">{css}</style>
</head>
<body>
<div id="views"></div>
<script type="module">
import {{ mount }} from "./stand_in.js";
mount({config});
</script>
</body>
</html>
"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
    }

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format, *args):  # keep the test output clean
        pass


class _Server:
    """One loopback HTTP server for the whole test session, serving a temporary directory in
    which every ``serve_module`` call gets a folder of its own."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="dato-stand-in-"))
        handler = functools.partial(_Handler, directory=str(self.root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name="stand-in-http", daemon=True
        )
        self.thread.start()
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.root, ignore_errors=True)


_server: _Server | None = None
_server_lock = threading.Lock()


def _get_server() -> _Server:
    global _server
    with _server_lock:
        if _server is None:
            _server = _Server()
            atexit.register(_server.close)
        return _server


def _read(source: str | Path) -> str:
    """An ES module or CSS given as text, or as a path to a file holding it."""
    if isinstance(source, Path):
        return source.read_text()
    return str(source)


def serve_module(
    esm: str | Path,
    state: dict[str, Any] | None = None,
    *,
    css: str | Path = "",
    views: int = 1,
    title: str = "module",
) -> str:
    """Serve a page rendering the ES module ``esm`` (its source text, or a ``Path`` to it)
    with a stand-in model holding ``state`` (JSON-serialisable), ``views`` times (each view
    in its own ``div.stand-in-view[data-view=i]`` sharing the model).  ``css`` is the widget's
    stylesheet.  Returns the page's URL."""
    server = _get_server()
    with server.lock:
        folder = server.root / f"{next(server.counter):04d}"
    folder.mkdir()
    (folder / "widget.js").write_text(_read(esm))
    shutil.copyfile(HARNESS_JS, folder / "stand_in.js")
    config = {"moduleUrl": "./widget.js", "state": state or {}, "views": int(views)}
    # JSON inside <script>: keep "</script>" in a string from ending the element.
    config_js = json.dumps(config).replace("</", "<\\/")
    (folder / "index.html").write_text(
        _PAGE.format(title=html.escape(title), css=_read(css), config=config_js)
    )
    return f"{server.url}{folder.name}/index.html"


def widget_state(widget) -> dict[str, Any]:
    """The synced state of an ipywidgets/anywidget instance as the front end receives it
    (serialised traits), without the module source and the widget-manager bookkeeping."""
    skip = {"_esm", "_css", "_anywidget_id", "layout", "_dom_classes", "tabbable", "tooltip"}
    state = {
        k: v
        for k, v in widget.get_state().items()
        if k not in skip and not k.startswith(("_model_", "_view_"))
    }
    try:
        json.dumps(state)
    except TypeError as exc:
        raise TypeError(
            f"widget state is not JSON (binary traits are not supported): {exc}"
        ) from exc
    return state


class StandInError(AssertionError):
    """The module failed to load or render in the stand-in page."""


def wait_until_rendered(page, timeout: float = 15.0) -> None:
    """Wait until the stand-in page has rendered every view; raise ``StandInError`` with the
    page's errors if loading or rendering failed."""
    page.wait_for_function(
        "() => ['ready', 'error'].includes(document.body && document.body.dataset.standIn)",
        timeout=timeout * 1000,
    )
    errors = page.evaluate("window.__errors")
    if errors:
        raise StandInError("the module failed in the stand-in page:\n" + "\n".join(errors))


def open_module(page, esm: str | Path, state: dict[str, Any] | None = None, **kwargs) -> str:
    """``serve_module(esm, state, **kwargs)``, load it in ``page`` and wait until rendered."""
    url = serve_module(esm, state, **kwargs)
    page.goto(url)
    wait_until_rendered(page)
    return url


def open_widget(page, widget, *, views: int = 1) -> str:
    """Render an anywidget instance's ``_esm`` (and ``_css``) with its current state."""
    return open_module(
        page,
        widget._esm,
        widget_state(widget),
        css=getattr(widget, "_css", "") or "",
        views=views,
        title=type(widget).__name__,
    )


def sent(page) -> list:
    """The contents of every ``model.send`` so far, in order."""
    return page.evaluate("window.__sent")


def saved(page) -> list[dict]:
    """Every ``model.save_changes()`` so far, as the attributes it would sync to Python."""
    return page.evaluate("window.__saved")


def model_state(page) -> dict[str, Any]:
    """The stand-in model's whole state now."""
    return page.evaluate("window.__standIn.state()")


def update_from_python(page, **changes) -> None:
    """Change model attributes as a Python-side trait change would (fires ``change:*``)."""
    page.evaluate("(c) => window.__standIn.fromPython.update(c)", changes)


def send_from_python(page, content: Any) -> None:
    """Deliver a custom message as ``widget.send(content)`` from Python would (``msg:custom``)."""
    page.evaluate("(c) => window.__standIn.fromPython.send(c)", content)


def forward_to_python(page, widget) -> int:
    """Deliver to the Python ``widget`` what the page sent since the last call, in order, as
    the kernel would: ``save_changes`` updates through ``widget.set_state`` and ``model.send``
    contents to its ``on_msg`` handlers.  Returns how many messages were delivered."""
    outbox = page.evaluate("window.__outbox.splice(0)")
    for msg in outbox:
        if msg["kind"] == "update":
            widget.set_state(msg["state"])
        else:
            widget._handle_custom_msg(msg["content"], [])
    return len(outbox)
