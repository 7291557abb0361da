"""Training tricks: centring and whitening (the Hessian's condition number), and Bottou's trick.

Lecture: UBC CPSC 440 (the tricks list: centre and whiten the inputs, "babysit" the step size,
pick it on a small subsample). Papers: LeCun, Bottou, Orr & Muller (1998), "Efficient backprop";
Bottou (2012), "Stochastic gradient descent tricks"; Kessy, Lewin & Strimmer (2018), "Optimal
whitening and decorrelation" (PCA vs ZCA).

Linear least squares on correlated, off-centre inputs (d = 6): its Hessian is
H = (2/n) [X 1]^T [X 1], so its condition number shows how hard GD's job is. The experiment
computes H with the engine (lab.autodiff.curvature.full_hessian) for the raw, centred, PCA-whitened and
ZCA-whitened inputs (oracle: numpy eigvalsh of the closed form) and counts the GD steps at
1/lambda_max to get within 1e-6 of the least-squares loss. Bottou's trick: choose SGD's step from
a grid by a few epochs on a 10% subsample, and compare with the best step on the full data.
A small architecture search through the sweep layer is not here (deepgrad.sweep is another
branch's work).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.lab.autodiff.curvature import full_hessian
from deepgrad.train import fit

PREPROCESSING = ("raw", "centred", "pca", "zca")


@dataclass
class TrainingTricksResult:
    condition: dict          # preprocessing -> condition number of the engine's Hessian
    condition_closed: dict   # preprocessing -> the same from eigvalsh of (2/n) [X 1]^T [X 1]
    gd_steps: dict           # preprocessing -> GD steps at 1/lambda_max to within 1e-6
    lrs: np.ndarray
    subsample_loss: np.ndarray   # training loss after the short subsample runs, per lr
    full_loss: np.ndarray        # training loss after full-data runs, per lr
    chosen_lr: float             # argmin on the subsample (Bottou's trick)
    best_lr: float               # argmin on the full data


def data(n, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((6, 6)) * np.array([3.0, 2.0, 1.0, 0.5, 0.2, 0.1])[:, None]
    X = 4.0 + rng.standard_normal((n, 6)) @ A
    return X, X @ rng.standard_normal(6) + 1.0 + 0.1 * rng.standard_normal(n)


def preprocess(X, kind):
    """raw; centred (mean removed); PCA whitening (rotate, rescale); ZCA (rotate back: the
    symmetric W = C^(-1/2), the whitened inputs closest to the originals)."""
    if kind == "raw":
        return X
    Xc = X - X.mean(0)
    if kind == "centred":
        return Xc
    evals, U = np.linalg.eigh(np.cov(Xc, rowvar=False, bias=True))
    pca = Xc @ U / np.sqrt(evals)
    return pca if kind == "pca" else pca @ U.T


def augmented(X):
    return np.hstack([X, np.ones((len(X), 1))])


def loss_of(X, y):
    Z = augmented(X)
    return lambda w: dg.mean((dg.matmul(Z, w) - y) ** 2)


def gd_steps(X, y, tol=1e-6, max_steps=20000):
    """Full-batch GD at step 1/lambda_max from w = 0 until the loss is within tol of lstsq's
    (max_steps when it never gets there)."""
    Z = augmented(X)
    H = 2 * Z.T @ Z / len(y)
    lr = 1 / np.linalg.eigvalsh(H)[-1]
    best = np.mean((Z @ np.linalg.lstsq(Z, y, rcond=None)[0] - y) ** 2)
    w = np.zeros(Z.shape[1])
    for step in range(1, max_steps + 1):
        r = Z @ w - y
        w -= lr * 2 * Z.T @ r / len(y)
        if np.mean((Z @ w - y) ** 2) - best <= tol:
            return step
    return max_steps


def sgd_loss(X, y, lr, epochs, seed):
    """Final training MSE of SGD (batch 16) on a linear model (deepgrad nn + fit)."""
    dg.manual_seed(seed)
    model = nn.Linear(X.shape[1], 1)
    hist = fit(model, nn.functional.mse_loss, optim.SGD(model.parameters(), lr=lr),
               (X.astype(np.float32), y[:, None].astype(np.float32)), epochs=epochs,
               batch_size=16, progress=False, seed=seed)
    loss = hist.history["loss"][-1]
    return float(loss) if np.isfinite(loss) else np.inf


def run(*, quick: bool = False, seed: int = 0, n: int = 0, epochs: int = 0,
        lrs: tuple = (0.003, 0.01, 0.03, 0.1, 0.3)) -> TrainingTricksResult:
    """n = 0: 1,000 when quick, 5,000 else; epochs = 0: 3 / 10 (full data; 10x on the subsample)."""
    n = n or (1000 if quick else 5000)
    epochs = epochs or (3 if quick else 10)
    X, y = data(n, seed)
    cond, closed, steps = {}, {}, {}
    for kind in PREPROCESSING:
        Xp = preprocess(X, kind)
        H = full_hessian(loss_of(Xp, y), np.zeros(Xp.shape[1] + 1))
        e = np.linalg.eigvalsh(H)
        cond[kind] = float(e[-1] / e[0])
        Z = augmented(Xp)
        e_closed = np.linalg.eigvalsh(2 * Z.T @ Z / n)
        closed[kind] = float(e_closed[-1] / e_closed[0])
        steps[kind] = gd_steps(Xp, y)
    Xw = preprocess(X, "zca")
    sub = np.random.default_rng(seed).permutation(n)[:n // 10]
    sub_loss = np.array([sgd_loss(Xw[sub], y[sub], lr, 10 * epochs, seed) for lr in lrs])
    full = np.array([sgd_loss(Xw, y, lr, epochs, seed) for lr in lrs])
    return TrainingTricksResult(
        condition=cond, condition_closed=closed, gd_steps=steps, lrs=np.array(lrs),
        subsample_loss=sub_loss, full_loss=full, chosen_lr=float(lrs[int(np.argmin(sub_loss))]),
        best_lr=float(lrs[int(np.argmin(full))]))


def plot(result: TrainingTricksResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    kinds = list(result.condition)
    pos = np.arange(len(kinds))
    ax1.bar(pos - 0.2, [result.condition[k] for k in kinds], 0.4, label="condition number of H")
    ax1.bar(pos + 0.2, [result.gd_steps[k] for k in kinds], 0.4, label="GD steps to 1e-6 (capped at 20,000)")
    ax1.set_yscale("log")
    ax1.set_xticks(pos, kinds)
    ax1.set(xlabel="input preprocessing", ylabel="condition number / steps",
            title="centring and whitening: the Hessian and GD")
    ax1.legend(fontsize=8)
    ax2.loglog(result.lrs, result.subsample_loss, "o-", label="10% subsample, 10x epochs")
    ax2.loglog(result.lrs, result.full_loss, "s-", label="full data")
    ax2.axvline(result.chosen_lr, color="k", ls=":", label=f"chosen on subsample: {result.chosen_lr:g}")
    ax2.set(xlabel="SGD step size", ylabel="final training MSE",
            title="Bottou's trick: pick the step on a subsample")
    ax2.legend(fontsize=8)
    return fig
