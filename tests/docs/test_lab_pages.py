"""Every lab experiment at quick settings, run once: its figure follows the figure rules, and the
HTML report of all of them renders in headless chromium at phone width (390 px) with no broken
image, no sideways scroll, every experiment present and its formulas typeset.

Experiments are discovered, not listed, so one added later is checked too. The runs are shared by
both checks (one test) because they are the expensive part.
"""

import shutil

import numpy as np
import pytest

from deepgrad import nn, optim, train
from deepgrad.lab import registry, report
from deepgrad.train.curves import plot_history
from figure_rules import problems

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _browser_checks(path, names):
    """Load the report at 390 px wide; return what the page reports about itself."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(
                ("file:", "data:")) else route.continue_())  # the page must need no network
            page.goto(path.as_uri(), wait_until="load")
            return page.evaluate("""names => ({
                missing: names.filter(n => !document.getElementById(n)),
                broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length,
                images: document.images.length,
                scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
                typeset: document.querySelectorAll('.math.typeset').length,
                untypeset: [...document.querySelectorAll('.math.untypeset')].map(e => e.textContent),
                svgs: document.querySelectorAll('figure.graph svg').length,
                tops: document.querySelectorAll('a[href="#top"]').length,
                toc: document.querySelectorAll('#contents a').length,
            })""", names)
        finally:
            browser.close()


def test_every_experiment_figure_follows_the_rules_and_the_report_renders(tmp_path):
    names = registry.list_experiments()
    outcomes = report.run_all(names, quick=True)
    errors = {o.name: o.error.splitlines()[-1] for o in outcomes if o.error}
    assert not errors, errors
    found = {o.name: problems(o.figure) for o in outcomes}
    assert not {k: v for k, v in found.items() if v}, found

    path = tmp_path / "report.html"
    path.write_text(report.render_html(outcomes, quick=True, seed=0), encoding="utf-8")
    seen = _browser_checks(path, names)
    assert seen["missing"] == [] and seen["toc"] == len(names) and seen["tops"] == len(names)
    assert seen["images"] >= len(names) and seen["broken"] == 0
    assert seen["scroll"] <= 0, f"the page scrolls sideways by {seen['scroll']} px at 390 px"
    assert seen["svgs"] >= 2  # ad_examples' two computational graphs, drawn
    # a formula KaTeX cannot parse stays readable as its ASCII source; most must typeset
    assert seen["typeset"] >= 10 and len(seen["untypeset"]) <= seen["typeset"] // 5, seen["untypeset"]


def test_learning_curve_follows_the_rules():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)).astype(np.float32), rng.integers(0, 2, 40)
    model = nn.MLP([3, 8, 2], generator=0)
    history = train.fit(model, nn.functional.cross_entropy, optim.SGD(model.parameters(), lr=0.1),
                        (X, y), val=(X, y), epochs=3, batch_size=20, progress=False, seed=0)
    assert problems(plot_history(history)) == []
