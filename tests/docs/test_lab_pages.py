"""Every lab experiment at quick settings follows the figure rules (one test each, so they spread
over the test workers), and the HTML report renders in headless chromium at phone width (390 px)
with no broken image, no sideways scroll, every experiment present and its formulas typeset.

Experiments are discovered, not listed, so one added later is checked too. The report test runs
and draws a representative set (the graphs of ad_examples, and experiments whose key numbers are
lists) for real; every other experiment enters the page with its real title and docstring (the
prose and formulas under test) and one shared figure, since its own figure and run are checked
by its figure-rules test: the costly part, every run and every PNG, is done once, not twice.
"""

import shutil

import numpy as np
import pytest

from deepgrad import nn, optim, train
from deepgrad.lab import registry, report
from deepgrad.train.curves import plot_history
from figure_rules import problems

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")  # None: browser checks skip
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
NAMES = registry.list_experiments()
# run for real in the report: drawn graphs (ad_examples), lists of key numbers, a wide figure
REPRESENTATIVE = ["ad_examples", "ad_kinks", "regions", "min_norm_risk", "random_units"]


def _browser_checks(path, names):
    """Load the report at 390 px wide; return what the page reports about itself."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if CHROMIUM is None:
        pytest.skip("no chromium found (.ci/run installs Debian's)")
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


@pytest.mark.parametrize("name", NAMES)
def test_experiment_figure_follows_the_rules(name):
    experiment = registry.get(name)
    result = experiment.run(quick=True, seed=0)
    registry.to_jsonable(result)  # its numbers can be written as NAME.json
    assert problems(experiment.plot(result)) == []


def test_the_report_renders_every_experiment_at_phone_width(tmp_path):
    real = [n for n in REPRESENTATIVE if n in NAMES]
    assert "ad_examples" in real and len(real) >= 4, real  # renamed? update REPRESENTATIVE
    outcomes = {o.name: o for o in report.run_all(real, quick=True)}
    errors = {n: o.error.splitlines()[-1] for n, o in outcomes.items() if o.error}
    assert not errors, errors
    assert any(isinstance(v, list) for o in outcomes.values() for v in o.numbers.values())
    shared_png = outcomes[real[-1]].png
    for name in NAMES:
        if name not in outcomes:
            e = registry.get(name)
            outcomes[name] = report.Outcome(name, e.title, e.doc, {}, 0, True, png=shared_png)
    page = report.render_html([outcomes[n] for n in NAMES], quick=True, seed=0)
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    seen = _browser_checks(path, NAMES)
    assert seen["missing"] == [] and seen["toc"] == len(NAMES) and seen["tops"] == len(NAMES)
    assert seen["images"] >= len(NAMES) and seen["broken"] == 0
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
