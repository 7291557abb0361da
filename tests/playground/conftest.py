"""Fixtures for the playground's tests: a real server on a free loopback port, and headless
chromium driven by Playwright (the browser tests skip, with one reason, when no chromium is found)."""

import shutil
import socket
import threading
import time

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server_url():
    """A playground server on 127.0.0.1 for the module's tests, stopped after."""
    uvicorn = pytest.importorskip("uvicorn")
    from deepgrad.playground.server import create_app
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(max_sessions=4), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the playground server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    """Headless chromium (Debian's), closed after the module."""
    if CHROMIUM is None:
        pytest.skip("browser tests skipped: no chromium found (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
