"""Regression training progress: the fitted function of a one-hidden-layer net, drawn over epochs.

Lecture: Lawrence, "Generalization and neural networks" (the nn-regression-training-progress
figure: a small network's fit to 1-D data, redrawn as training goes on). Paper: Rumelhart,
Hinton & Williams (1986), "Learning representations by back-propagating errors".

y = sin(2 pi x) + 0.5 x + noise (sd 0.1) on 40 points of [-1, 1]; a tanh net with 20 hidden units
trained with Adam (deepgrad's fit) records its function on a grid at a few epochs: first a line,
then the broad bump, then the wiggles. Oracle for the final fit: with the hidden layer as it ends,
the least-squares output layer (numpy lstsq on [tanh(W x + b), 1]) is the best any output layer
can do, so the net's training MSE must be at or just above it; scikit-learn's MLPRegressor with
the same architecture and optimiser is the peer it must roughly match.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.train import fit
from deepgrad.train.callbacks import Callback


@dataclass
class RegressionProgressResult:
    x: np.ndarray            # training inputs
    y: np.ndarray            # training targets
    grid: np.ndarray         # where the fitted function is drawn
    snapshot_epochs: np.ndarray
    snapshots: np.ndarray    # (len(snapshot_epochs), len(grid)) fitted function per snapshot
    snapshot_mse: np.ndarray  # training MSE per snapshot
    final_mse: float
    lstsq_mse: float         # best output layer on the final hidden features (lower bound)
    sklearn_mse: float       # scikit-learn MLPRegressor, same width, tanh, Adam
    width: int
    epochs: int


def data(n, seed):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, n))
    return x, np.sin(2 * np.pi * x) + 0.5 * x + 0.1 * rng.standard_normal(n)


class Snapshots(Callback):
    """Records the model's output on `grid` at the chosen epochs (1-based)."""

    def __init__(self, grid, epochs):
        self.grid, self.epochs, self.curves = grid, set(epochs), {}

    def on_epoch_end(self, model, epoch, logs):
        if epoch in self.epochs:
            with dg.no_grad():
                self.curves[epoch] = model(dg.tensor(self.grid[:, None])).data[:, 0].copy()
        return False


def hidden_features(net, x):
    """[tanh(W x + b), 1] of the hidden layer, (n, width + 1)."""
    with dg.no_grad():
        H = net[1](net[0](dg.tensor(x[:, None]))).data
    return np.hstack([H, np.ones((len(x), 1))]).astype(np.float64)


def run(*, quick: bool = False, seed: int = 0, width: int = 20, epochs: int = 0,
        lr: float = 0.05) -> RegressionProgressResult:
    """epochs = 0: 600 when quick, 3,000 else (full batch, Adam)."""
    epochs = epochs or (600 if quick else 3000)
    x, y = data(40, seed)
    dg.manual_seed(seed)
    net = nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))
    grid = np.linspace(-1.1, 1.1, 200)
    marks = sorted({1, max(1, epochs // 30), max(1, epochs // 10), epochs // 3, epochs})
    snap = Snapshots(grid, marks)
    X, Y = x[:, None].astype(np.float32), y[:, None].astype(np.float32)
    fit(net, nn.functional.mse_loss, optim.Adam(net.parameters(), lr=lr), (X, Y), epochs=epochs,
        batch_size=len(x), callbacks=[snap], progress=False, seed=seed)
    curves = np.array([snap.curves[e] for e in marks])
    snap_mse = np.array([np.mean((np.interp(x, grid, c) - y) ** 2) for c in curves])
    with dg.no_grad():
        final_mse = float(np.mean((net(dg.tensor(X)).data[:, 0] - y) ** 2))
    H = hidden_features(net, x)
    coef = np.linalg.lstsq(H, y, rcond=None)[0]
    lstsq_mse = float(np.mean((H @ coef - y) ** 2))
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    sk = MLPRegressor(hidden_layer_sizes=(width,), activation="tanh", solver="adam", learning_rate_init=lr,
                      batch_size=len(x), max_iter=epochs, alpha=0.0, tol=0.0,
                      n_iter_no_change=epochs, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk.fit(x[:, None], y)
    sklearn_mse = float(np.mean((sk.predict(x[:, None]) - y) ** 2))
    return RegressionProgressResult(
        x=x, y=y, grid=grid, snapshot_epochs=np.array(marks), snapshots=curves,
        snapshot_mse=snap_mse, final_mse=final_mse, lstsq_mse=lstsq_mse, sklearn_mse=sklearn_mse,
        width=width, epochs=epochs)


def plot(result: RegressionProgressResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(result.x, result.y, "k.", label="training data")
    colours = [f"C{i}" for i in range(len(result.snapshot_epochs))]
    for e, c, col in zip(result.snapshot_epochs, result.snapshots, colours):
        ax1.plot(result.grid, c, color=col, label=f"epoch {e}")
    ax1.set(xlabel="x", ylabel="f(x)", title=f"fitted function over training ({result.width} "
            "tanh units, Adam)")
    ax1.legend(fontsize=8)
    ax2.loglog(result.snapshot_epochs, result.snapshot_mse, "o-", label="deepgrad net")
    ax2.axhline(result.lstsq_mse, color="k", ls="--",
                label="lstsq output layer on final features")
    ax2.axhline(result.sklearn_mse, color="gray", ls=":", label="scikit-learn MLPRegressor")
    ax2.set(xlabel="epoch", ylabel="training MSE", title="training MSE at the snapshots")
    ax2.legend(fontsize=8)
    return fig
