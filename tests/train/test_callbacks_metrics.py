"""ModelCheckpoint, the quiet progress bar, learning curves and the metrics."""

import numpy as np
import pytest
from fit_helpers import mlp, small_problem
from matplotlib.figure import Figure

from deepgrad import nn, optim, train

CE = nn.functional.cross_entropy


def test_model_checkpoint_saves_the_best_epoch(tmp_path):
    X, y = small_problem()
    model = mlp()
    path = tmp_path / "best.safetensors"
    history = train.fit(model, CE, optim.Adam(model.parameters(), lr=0.05), (X, y), val=(X, y),
                        epochs=8, progress=False, callbacks=[train.ModelCheckpoint(path)])
    best = int(np.argmin(history["val_loss"]))
    assert train.evaluate(train.load(path), CE, (X, y))["loss"] == pytest.approx(
        history["val_loss"][best], rel=1e-6)


def test_progress_is_quiet_when_not_a_terminal(capsys):
    X, y = small_problem()
    model = mlp()
    train.fit(model, CE, optim.SGD(model.parameters()), (X, y), epochs=2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_plot_history_draws_loss_and_accuracy():
    history = train.History()
    for epoch in (1, 2, 3):
        history.append({"epoch": epoch, "loss": 1.0 / epoch, "accuracy": 0.5 + 0.1 * epoch,
                        "val_loss": 1.2 / epoch, "val_accuracy": 0.4 + 0.1 * epoch})
    history.best_epoch = 3
    fig = train.plot_history(history)
    assert isinstance(fig, Figure)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert [line.get_label() for line in fig.axes[0].lines] == ["train", "validation",
                                                                "best epoch"]
    assert "3 epochs" in repr(history) and history.last["loss"] == pytest.approx(1 / 3)


def test_metrics():
    scores = np.array([[2.0, 1.0, 0.0], [0.0, 0.5, 3.0], [1.0, 4.0, 0.0]])
    assert train.accuracy(scores, [0, 2, 0]) == pytest.approx(2 / 3)
    assert train.accuracy(np.array([[2.0], [-1.0], [0.5]]), [1, 0, 0]) == pytest.approx(2 / 3)
    assert train.mse(np.array([[1.0], [3.0]]), np.array([0.0, 1.0])) == pytest.approx(2.5)
