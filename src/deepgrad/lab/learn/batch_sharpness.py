"""Batch size and sharpness: the top Hessian eigenvalue of the minima SGD reaches at each batch size.

Lecture: Lawrence, "Generalization and neural networks" (batch size "affects gradient noise and
implicit regularisation"). Papers: Keskar et al. (2017), "On large-batch training for deep
learning: generalization gap and sharp minima"; Wu, Ma & E (2018), "How SGD selects the global
minima in over-parameterized learning" (a minimum is linearly stable for GD only if
lambda_max <= 2 / lr, and SGD's noise makes the bound tighter the smaller the batch); Cohen et al.
(2021), "Gradient descent on neural networks typically occurs at the edge of stability".

A tanh net with one hidden layer (P = 33 parameters: 2 inputs, 8 units) fits 64 noisy points
with plain SGD at a fixed step, from the same start, with batch sizes 1 to 64 (full batch) for
the same number of epochs. At the point each run ends, the sharpness (the top eigenvalue of the
full-data Hessian) comes from Lanczos on the engine's Hessian-vector products
(lab.autodiff.curvature.top_eigenvalues); a dense Hessian (PyTorch float64 in the test) is the oracle.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad.engine.transforms import grad
from deepgrad.lab.autodiff.curvature import top_eigenvalues

INPUTS, WIDTH = 2, 8
P = INPUTS * WIDTH + WIDTH + WIDTH + 1


@dataclass
class BatchSharpnessResult:
    batch_sizes: np.ndarray
    sharpness: np.ndarray     # top Hessian eigenvalue (Lanczos on HVPs) at each final point
    final_loss: np.ndarray    # full-data MSE at each final point
    lr: float
    epochs: int
    stability_bound: float    # 2 / lr: GD cannot rest at a minimum sharper than this
    final_params: np.ndarray  # (len(batch_sizes), P), for the dense-Hessian oracle


def data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, INPUTS))
    return X, np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.1 * rng.standard_normal(n)


def net(w, X):
    """f(x) = v . tanh(W x + b) + c with w = (W, b, v, c) flattened (a Tensor of length P)."""
    W = dg.reshape(w[:INPUTS * WIDTH], (INPUTS, WIDTH))
    b = w[INPUTS * WIDTH:INPUTS * WIDTH + WIDTH]
    v = w[INPUTS * WIDTH + WIDTH:P - 1]
    return dg.matmul(dg.tanh(dg.matmul(X, W) + b), v) + w[P - 1]


def mse(X, y):
    """The full-data (or one batch's) loss as a function of the flat parameters."""
    return lambda w: dg.mean((net(w, X) - y) ** 2)


def sgd(w0, X, y, batch, lr, epochs, seed):
    """Plain SGD with reshuffled batches; gradients from the engine's grad transform."""
    rng = np.random.default_rng(seed)
    w = w0.copy()
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for s in range(0, len(X), batch):
            idx = order[s:s + batch]
            w = w - lr * np.asarray(grad(mse(X[idx], y[idx]))(w).data)
    return w


def run(*, quick: bool = False, seed: int = 0, lr: float = 0.2, epochs: int = 0,
        batch_sizes: tuple = (1, 4, 16, 64)) -> BatchSharpnessResult:
    """epochs = 0: 40 when quick, 300 else."""
    epochs = epochs or (40 if quick else 300)
    X, y = data(64, seed)
    w0 = 0.5 * np.random.default_rng(seed + 1).standard_normal(P)
    sharp, loss, finals = [], [], []
    for b in batch_sizes:
        w = sgd(w0, X, y, b, lr, epochs, seed)
        sharp.append(float(top_eigenvalues(mse(X, y), w, k=1)[0]))
        loss.append(float(mse(X, y)(dg.tensor(w)).data))
        finals.append(w)
    return BatchSharpnessResult(
        batch_sizes=np.array(batch_sizes), sharpness=np.array(sharp), final_loss=np.array(loss),
        lr=lr, epochs=epochs, stability_bound=2 / lr, final_params=np.array(finals))


def plot(result: BatchSharpnessResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    ax1.semilogx(result.batch_sizes, result.sharpness, "o-", label="top Hessian eigenvalue")
    ax1.axhline(result.stability_bound, color="k", ls="--", label=f"2 / lr = {2 / result.lr:g}")
    ax1.set_xscale("log", base=2)
    ax1.set(xlabel="batch size", ylabel=r"sharpness $\lambda_{max}$",
            title=f"sharpness of the point SGD reaches (lr = {result.lr:g})")
    ax1.legend(fontsize=8)
    ax2.semilogx(result.batch_sizes, result.final_loss, "s-")
    ax2.set_xscale("log", base=2)
    ax2.set(xlabel="batch size", ylabel="full-data training MSE",
            title=f"training loss after {result.epochs} epochs")
    return fig
