"""Fixtures for tests that drive the workbench in a real browser.

``browser``        (session) headless Chromium from Debian's ``chromium`` package, via Playwright.
``jupyter_server`` (session) a JupyterLab server on a free loopback port; see ``lab.LabServer``.
``lab_page``       a fresh browser page (1400x1000) with JupyterLab loaded and ready.
``stand_in_page``  a fresh blank page (1000x800) for the front-end module harness (stand_in.py).

Every test in this folder gets the ``ui`` marker (``pytest -m "not ui"`` leaves them out). When a
test that used a page fails, the page's screenshot, its browser console and (for JupyterLab) the
server's log are saved under ``artifacts/`` as ``<test name>-failure.png``, ``-console.log``,
``-jupyter.log``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from .lab import ARTIFACTS, REPO, LabServer, wait_for_lab

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium keeps trying to reach Google's hosts.  Playwright gives
# every launch a fresh temporary profile (--user-data-dir) of its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # CI containers often have a tiny /dev/shm
]
SERVER_START_TIMEOUT = 120.0
HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "ui: drives JupyterLab or front-end modules in Chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.ui)
            # under pytest-xdist's --dist loadgroup, one worker runs every browser test (one
            # JupyterLab, one Chromium) while the others run the rest
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so page fixtures can tell at teardown whether the
    # test failed and save a screenshot of what the browser showed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --------------------------------------------------------------------------------------------
# browser


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (``/usr/bin/chromium``) driven by Playwright; one per test session."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"{CHROMIUM} not found: the UI tests need Debian's chromium package "
            "(`make sysdeps` as root, or `apt-get update && apt-get install -y chromium`)"
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield b
        finally:
            b.close()


def _new_page(browser, viewport):
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(30_000)
    page = context.new_page()
    console: list[tuple[str, str]] = []  # (type, text); lab.console_errors reads it
    page.on("console", lambda m: console.append((m.type, m.text)))
    page.on("pageerror", lambda e: console.append(("pageerror", f"{e}\n{e.stack or ''}")))
    page.console_messages = console
    return context, page, console


def _failed(request) -> bool:
    rep = getattr(request.node, "rep_call", None)
    return rep is not None and rep.failed


def _save_failure(request, page, console, server=None, suffix="failure"):
    """Keep what a failed test's page showed: a screenshot, its console, the server's log."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name) + f"-{suffix}"
    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"))
    except Exception:  # the page may be gone; the logs are still worth keeping
        pass
    text = "".join(f"[{kind}] {message}\n" for kind, message in console)
    (ARTIFACTS / f"{stem}-console.log").write_text(text)
    if server is not None:
        (ARTIFACTS / f"{stem}-jupyter.log").write_text(server.log()[-200_000:])


@pytest.fixture
def stand_in_page(browser, request):
    """A blank page for ``stand_in.open_module``; closed (and kept on failure) after the test."""
    context, page, console = _new_page(browser, {"width": 1000, "height": 800})
    yield page
    if _failed(request):
        _save_failure(request, page, console)
    context.close()


# --------------------------------------------------------------------------------------------
# JupyterLab


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _isolated_env(base: Path) -> dict[str, str]:
    """Environment for the server and its kernels: every Jupyter/IPython directory is private,
    so the user's settings, workspaces and history neither leak in nor get written."""
    env = dict(os.environ)
    dirs = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
        "MPLCONFIGDIR": "matplotlib",
    }
    for var, name in dirs.items():
        (base / name).mkdir(parents=True, exist_ok=True)
        env[var] = str(base / name)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("JUPYTER_TOKEN", None)
    settings = {
        # The news/update toast would cover part of every screenshot; nothing may go online.
        "apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}',
        # Every cell attached and laid out, also off screen: widgets there can be measured,
        # located and screenshot (the default, contentVisibility, skips their layout).
        "notebook-extension/tracker": '{"windowingMode": "none"}',
    }
    for name, text in settings.items():
        path = base / "lab-settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    return env


def _start_server(root: Path, base: Path, env: dict[str, str]) -> LabServer:
    token = secrets.token_hex(24)
    port = _free_port()
    log_path = base / f"jupyter-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # fail rather than silently move to another port
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True",  # CI runs as root
        "--ServerApp.terminals_enabled=False",
        "--LabApp.extension_manager=readonly",  # no PyPI look-ups from the extension manager
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, for tests that need it
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = open(log_path, "wb")  # closed by LabServer.stop
    proc = subprocess.Popen(
        cmd,
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the kernels can be reaped with it
    )
    return LabServer(
        url=f"http://127.0.0.1:{port}/",
        token=token,
        root=root,
        port=port,
        log_path=log_path,
        proc=proc,
        log_file=log,
    )


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a temporary copy of tutorials/ and notebooks/.

    Tests may write more files under ``jupyter_server.root``.  Kernels use this interpreter
    (the venv), and see the repository's ``datobench`` since it is installed editable.
    """
    base = tmp_path_factory.mktemp("jupyter")
    root = base / "root"
    root.mkdir()
    for folder in ("tutorials", "notebooks"):
        if (REPO / folder).is_dir():
            shutil.copytree(
                REPO / folder,
                root / folder,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
    env = _isolated_env(base / "home")

    server = None
    for attempt in range(3):  # the free port can be taken between probing and binding it
        server = _start_server(root, base, env)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                break
            if server.is_up():
                break
            time.sleep(0.2)
        if server.is_up():
            break
        code = server.proc.poll()
        server.stop()
        log = server.log()
        if "already in use" not in log or attempt == 2:
            state = "still running" if code is None else f"exited with code {code}"
            command = " ".join(server.proc.args).replace(server.token, "<token>")
            raise RuntimeError(
                f"JupyterLab did not answer {server.url}api/status within "
                f"{SERVER_START_TIMEOUT:g} s ({state}); command: {command}\n"
                f"--- server log ---\n{log[-8000:]}"
            )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def lab_page(browser, jupyter_server, request):
    """A new page (1400x1000) with JupyterLab loaded (token in the URL) and its splash gone.

    Each page has its own lab workspace (no tabs left over from earlier tests); the kernels it
    started are shut down after the test."""
    yield from _lab_page(browser, jupyter_server, request, _failed)


@pytest.fixture(scope="module")
def module_lab_page(browser, jupyter_server, request):
    """``lab_page`` shared by the tests of one module, which read one notebook run in turn
    (running a tutorial is most of a browser test's time); kept when any of them failed."""
    failed_before = request.session.testsfailed
    yield from _lab_page(
        browser, jupyter_server, request, lambda _: request.session.testsfailed > failed_before
    )


def _lab_page(browser, jupyter_server, request, failed):
    context, page, console = _new_page(browser, {"width": 1400, "height": 1000})
    try:
        page.goto(jupyter_server.lab_url(workspace=f"test-{uuid.uuid4().hex[:12]}"))
        wait_for_lab(page)
    except Exception:
        _save_failure(request, page, console, jupyter_server, suffix="setup-failure")
        context.close()
        raise
    yield page
    if failed(request):
        _save_failure(request, page, console, jupyter_server)
    context.close()
    jupyter_server.shutdown_kernels()  # the next test starts with no kernels running
