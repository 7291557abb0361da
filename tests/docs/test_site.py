"""The docs site builds with --strict (a broken link or reference fails) and reads offline:
in headless chromium no page asks the network for anything, and its maths is typeset by KaTeX."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_lab_pages import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]


def test_site_builds_strict_and_works_offline(tmp_path):
    pytest.importorskip("mkdocs_jupyter")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    pages = ["index.html", "engine/index.html", "api/index.html",
             "tutorials/autodiff_scalars_to_tensors/index.html"]
    assert all((site / p).exists() for p in pages)
    assert "deepgrad.engine.transforms.hvp" in (site / "api/index.html").read_text()

    sync_api = pytest.importorskip("playwright.sync_api")
    outside, maths = [], {}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()

            def route(r):
                if r.request.url.startswith(("file:", "data:", "blob:")):
                    return r.continue_()
                outside.append(r.request.url)
                return r.abort()

            page.route("**/*", route)
            for name in pages:
                page.goto((site / name).as_uri(), wait_until="load")
                page.wait_for_timeout(200)
                maths[name] = page.evaluate("document.querySelectorAll('.katex').length")
        finally:
            browser.close()
    assert outside == []
    assert maths["index.html"] >= 2 and maths["tutorials/autodiff_scalars_to_tensors/index.html"] >= 2, maths
