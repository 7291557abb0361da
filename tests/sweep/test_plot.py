"""`deepgrad sweep plot` on a real 12-cell sweep: the drawn means and bands are the seeds' mean ± sd
(computed here with NumPy from the stored rows), and the figure follows the lab's figure rules."""

import sys
from pathlib import Path

import numpy as np
import pytest

from deepgrad import sweep
from deepgrad.cli import main
from deepgrad.sweep.plot import plot_sweep

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
from figure_rules import problems  # noqa: E402

GRID = {"data": ["moons"], "n_samples": [120], "epochs": [2], "hidden": [[4]],
        "lr": [0.003, 0.03, 0.3], "activation": ["relu", "tanh"]}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    db = tmp_path_factory.mktemp("plot") / "lr.db"
    rows = sweep.run("train", GRID, seeds=2, results=db, progress=False)
    assert len(rows) == 12 and {r["status"] for r in rows} == {"ok"}
    return db, rows


def test_lines_and_bands_are_the_mean_and_sd_over_seeds(results):
    _, rows = results
    fig = plot_sweep(rows, "test_accuracy", "lr")
    ax = fig.axes[0]
    assert problems(fig) == []
    assert ax.get_xlabel() == "lr" and "mean ± sd over 2 seeds" in ax.get_ylabel()
    assert ax.get_xscale() == "log"  # 0.003 .. 0.3 spans a factor of 100
    lines = {line.get_label(): line for line in ax.get_lines()}
    bands = {c.get_label(): c for c in ax.collections}
    assert set(lines) == {"activation=relu, data=moons, epochs=2, hidden=[4], n_samples=120",
                          "activation=tanh, data=moons, epochs=2, hidden=[4], n_samples=120"}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted([*lines, *bands])
    for activation in ("relu", "tanh"):
        label = next(k for k in lines if k.startswith(f"activation={activation}"))
        values = np.array([[r["metrics"]["test_accuracy"] for r in rows
                            if r["params"]["activation"] == activation and r["params"]["lr"] == lr]
                           for lr in GRID["lr"]])
        mean, sd = values.mean(1), values.std(1, ddof=1)
        np.testing.assert_allclose(lines[label].get_xdata(), GRID["lr"])
        np.testing.assert_allclose(lines[label].get_ydata(), mean)
        band = bands[f"± 1 sd ({label})"].get_paths()[0].vertices
        for x, low, high in zip(GRID["lr"], mean - sd, mean + sd):
            ys = band[np.isclose(band[:, 0], x), 1]
            assert np.isclose(ys.min(), low) and np.isclose(ys.max(), high)
    assert sd.max() > 0  # seeds differ, so the band is a band


def test_plot_command_writes_a_png_and_names_what_is_wrong(results, tmp_path, capsys):
    db, _ = results
    out = tmp_path / "acc.png"
    assert main(["sweep", "plot", str(db), "--metric", "test_accuracy", "--param", "activation",
                 "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert main(["sweep", "plot", str(db), "--metric", "accuracy", "--param", "lr"]) == 2
    assert "metric 'accuracy' is not in the sweep; its metrics are: test_accuracy, test_loss" in \
        capsys.readouterr().err
    assert main(["sweep", "plot", str(db), "--metric", "test_loss", "--param", "width"]) == 2
    assert "parameter 'width' is not in the sweep; its parameters are: activation" in \
        capsys.readouterr().err
    assert main(["sweep", "plot", str(tmp_path / "none.db"), "--metric", "test_loss",
                 "--param", "lr"]) == 2
    assert not (tmp_path / "none.db").exists()  # nothing created by a mistyped name
