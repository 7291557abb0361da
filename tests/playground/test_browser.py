"""The playground in headless chromium: load, pick xor, add a layer, train, regions, export, bad
input, two tabs. The run also writes the README's screenshot docs/figures/playground.png."""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from deepgrad import nn
from deepgrad.lab.represent.geometry import linear_regions
from deepgrad.playground.datasets import BOX
from deepgrad.train.model_file import load

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "figures" / "playground.png"


def _pixels(page):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(page.locator("#heatmap").screenshot())).convert("RGB"),
                      dtype=np.float64)


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1500, "height": 940})
    page.goto(url)
    page.wait_for_function("document.getElementById('test-loss').textContent !== '-'")
    return page


def _epoch(page):
    return int(page.locator("#epoch").text_content().replace(",", ""))


def _train_until(page, epochs):
    page.click("#play")
    page.wait_for_function(f"Number(document.getElementById('epoch').textContent.replace(',', '')) >= {epochs}",
                           timeout=60_000)
    page.click("#play")
    page.wait_for_selector("#play:not(.playing)")


@pytest.fixture(scope="module")
def trained(browser, server_url):
    """A tab with xor, one layer added, ReLU, trained for a while (shared by the tests below)."""
    page = _open(browser, server_url)
    before = _pixels(page)
    page.click("#dataset-xor")
    page.wait_for_selector("#dataset-xor.selected")
    page.select_option("#activation", "relu")
    page.wait_for_function("location.hash.includes('activation=relu')")
    page.click("#add-layer")
    page.wait_for_function("document.getElementById('layer-count').textContent === '3 hidden layers'")
    page.fill("#learning-rate", "0.03")
    _train_until(page, 40)
    yield page, before
    page.close()


def test_xor_trains_and_the_heatmap_changes(trained):
    page, before = trained
    assert float(page.locator("#test-loss").text_content()) < 0.25
    after = _pixels(page)
    assert np.abs(after - before).mean() > 10  # the decision surface moved (mean over RGB pixels)
    assert "hidden=4%2C2%2C2" in page.evaluate("location.hash") or \
        "hidden=4,2,2" in page.evaluate("location.hash")


def test_regions_count_equals_lab_geometry_and_export_predicts(trained, tmp_path):
    page, _ = trained
    page.check("#show-regions")
    page.wait_for_function("/^[0-9]+$/.test(document.getElementById('region-count').textContent)")
    shown = int(page.locator("#region-count").text_content())
    with page.expect_download() as download:
        page.click("#export-model")
    path = tmp_path / "playground.safetensors"
    download.value.save_as(path)
    model = load(path)
    # x1, x2 only: the Features layer is the identity, so geometry sees the rest of the net as is
    regions = linear_regions(nn.Sequential(*model.layers[1:]), box=((-BOX, BOX), (-BOX, BOX)))
    assert shown == regions.count > 1
    page.check("#show-curvature")
    page.wait_for_function("document.getElementById('curvature-text').textContent.includes('max = ')")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    rng = np.random.default_rng(5)
    points = rng.uniform(-5, 5, (40, 2))
    points += np.where(points > 0, 0.3, -0.3)
    labels = (points[:, 0] * points[:, 1] >= 0).astype(int)
    csv = tmp_path / "points.csv"
    csv.write_text("x1,x2,label\n" + "".join(f"{a},{b},{c}\n" for (a, b), c in zip(points, labels)))
    out = subprocess.run([sys.executable, "-m", "deepgrad", "predict", "--model", str(path),
                          "--data", str(csv)], capture_output=True, text=True, check=True)
    predicted = np.array(out.stdout.split()[1:], dtype=int)
    expected = model(points.astype(np.float32)).data.argmax(axis=1)
    assert (predicted == expected).all()
    assert np.mean(predicted == labels) > 0.85


def test_out_of_range_parameter_shows_an_error(trained):
    page, _ = trained
    page.fill("#learning-rate", "100")
    page.locator("#learning-rate").dispatch_event("change")
    page.wait_for_selector("#error:not([hidden])")
    assert "learning_rate must be between" in page.locator("#error").text_content()
    assert page.locator("#learning-rate").input_value() == "0.03"  # the page shows the kept value
    page.click("#step")  # the page still works
    page.wait_for_function("document.getElementById('epoch').textContent !== ''")


def test_two_tabs_train_independently(browser, server_url):
    first, second = _open(browser, server_url), _open(browser, server_url)
    try:
        _train_until(first, 5)
        assert _epoch(first) >= 5 and _epoch(second) == 0
        second.click("#step")
        second.wait_for_function("document.getElementById('epoch').textContent.endsWith('1')")
        assert _epoch(second) == 1 and _epoch(first) >= 5
    finally:
        first.close()
        second.close()


def test_a_link_rebuilds_the_same_network(browser, server_url):
    page = browser.new_page()
    try:
        page.goto(server_url + "#dataset=spiral&hidden=3,5&activation=sigmoid&features=x1,x2,x1x2")
        page.wait_for_function("document.getElementById('layer-count').textContent === '2 hidden layers'")
        page.wait_for_selector("#dataset-spiral.selected")
        assert page.locator("#activation").input_value() == "sigmoid"
        assert page.locator("#columns .column .title").all_text_contents()[1:3] == ["3 neurons", "5 neurons"]
        assert page.locator("canvas.node.off").count() == 4  # 7 features, 3 of them on
    finally:
        page.close()
