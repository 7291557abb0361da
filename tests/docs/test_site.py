"""The docs site builds with --strict (a broken link or reference fails) and covers what it must:
every public module of deepgrad (found here by walking the source tree) has its reference on an
API page, every page under docs/ is in the nav, a tutorial shows its executed outputs; and in
headless chromium no page asks the network for anything and the maths is typeset by KaTeX.

The build uses mkdocs.yml as it is, except that one tutorial is executed instead of all eight
(each is executed, and its outputs checked, by test_notebooks.py) and the notebook cache is
a temporary folder.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from test_lab_pages import ARGS, CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXECUTED = "tutorials/forward_and_reverse_mode.ipynb"  # the quickest tutorial (about 4 s)


def _modules():
    """deepgrad's public modules: every .py under a package folder, no _private part or __main__."""
    found = []
    for folder, dirs, files in os.walk(ROOT / "src" / "deepgrad"):
        dirs[:] = [d for d in dirs if (Path(folder) / d / "__init__.py").exists()]
        package = Path(folder).relative_to(ROOT / "src").parts
        for name in files:
            stem = name[:-3]
            if name.endswith(".py") and not stem.startswith("_"):
                found.append(".".join(package + (stem,)))
        if not any(p.startswith("_") for p in package):
            found.append(".".join(package))
    return sorted(m for m in found if not any(p.startswith("_") for p in m.split(".")))


def _url(page):
    """The site URL of a docs page (relative to the site root), as MkDocs' directory URLs."""
    path = Path(page).with_suffix("")
    if path.name in ("index", "README"):
        return "." if path.parent == Path(".") else f"{path.parent.as_posix()}/"
    return f"{path.as_posix()}/"


def _config(tmp_path):
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    config["docs_dir"] = str(DOCS)
    config["hooks"] = [str(ROOT / h) for h in config["hooks"]]
    notebooks = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.ipynb")]
    for plugin in config["plugins"]:
        options = plugin.get("mkdocs-jupyter") if isinstance(plugin, dict) else None
        if options is not None:
            assert options["execute"] is True  # make docs renders every tutorial's outputs
            options["execute_ignore"] = [n for n in notebooks if n != EXECUTED]
            options["cache_dir"] = str(tmp_path / "notebook-cache")
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            plugin["mkdocstrings"]["handlers"]["python"]["paths"] = [str(ROOT / "src")]
    path = tmp_path / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_site_builds_strict_covers_every_module_and_page_and_works_offline(tmp_path):
    pytest.importorskip("mkdocs_jupyter")
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(_config(tmp_path)), "-d", str(site)],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]

    reference = "".join(p.read_text() for p in (site / "api").rglob("index.html"))
    missing = [m for m in _modules() if f'id="{m}"' not in reference]
    assert not missing, f"public modules without an API reference: {missing}"
    assert 'id="deepgrad.engine.transforms.hvp"' in reference or "transforms.hvp" in reference

    home = (site / "index.html").read_text()
    nav = set(re.findall(r'<a href="([^"#]*)" class="md-nav__link', home))
    pages = [p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*")
             if p.suffix in (".md", ".ipynb") and ".ipynb_checkpoints" not in p.parts]
    assert not [p for p in pages if _url(p) not in nav], sorted(nav)

    executed = (site / _url(EXECUTED) / "index.html").read_text()
    assert executed.count("jp-OutputArea-output") >= 3 and 'class="deepgrad-tensor"' in executed
    assert "adjoint identity &lt;u, Jv&gt; = &lt;J^T u, v&gt;: " in executed

    checked = ["index.html", "engine/index.html", "api/engine/index.html", _url(EXECUTED)
               + "index.html", "tutorials/autodiff_scalars_to_tensors/index.html"]
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no chromium found (.ci/run installs Debian's)")
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
            for name in checked:
                page.goto((site / name).as_uri(), wait_until="load")
                page.wait_for_timeout(200)
                maths[name] = page.evaluate("document.querySelectorAll('.katex').length")
        finally:
            browser.close()
    assert outside == []
    assert maths["index.html"] >= 2 and maths[checked[-1]] >= 2, maths
