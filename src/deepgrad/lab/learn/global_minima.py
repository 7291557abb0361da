"""Best and worst global minima: the spread of test error among interpolating solutions.

Lecture: UBC CPSC 440 (the "gap between 'worst' and 'best' global min can grow with model
complexity"). Papers: Zhang et al. (2017), "Understanding deep learning requires rethinking
generalization"; Belkin et al. (2019), "Reconciling modern machine-learning practice and the
bias-variance trade-off" (random features).

Random ReLU features phi(x) = relu(W x + c) (deepgrad nn.Linear + ReLU, frozen) with N > n on n
noisy samples of a smooth target in 2-D. Every theta = theta_min + B z (theta_min = pinv's
min-norm interpolator, B an orthonormal basis of the null space of Phi) fits the training data
exactly. The test risk is the quadratic R(theta) = theta^T S theta - 2 b^T theta + c with S, b, c
the moments of (phi(x), f*(x)) over a large test sample (closed form in theta), so the best
interpolator is one linear solve in z, and the worst one within the norm ball
||theta|| <= 2 ||theta_min|| lies along the top eigenvector of B^T S B. The test checks the best
one against the KKT system of min R s.t. Phi theta = y, solved directly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import null_space

import deepgrad as dg
from deepgrad import nn


@dataclass
class GlobalMinimaResult:
    widths: np.ndarray       # N, number of random features
    n_train: int
    best: np.ndarray         # test risk of the best interpolator, per N
    min_norm: np.ndarray     # test risk of the min-norm interpolator
    worst: np.ndarray        # test risk of the worst interpolator with ||theta|| <= 2 ||theta_min||
    train_residual: float    # max |Phi theta - y| over all the interpolators built


def target(X):
    return np.sin(2 * X[:, 0]) + X[:, 1] ** 2


def random_features(N, seed):
    """The frozen first layer: Linear(2, N) with N(0, 1) weights and biases, then ReLU."""
    rng = np.random.default_rng(seed)
    layer = nn.Sequential(nn.Linear(2, N), nn.ReLU())
    layer[0].weight.data[...] = rng.standard_normal((N, 2))
    layer[0].bias.data[...] = rng.standard_normal(N)

    def phi(X):
        with dg.no_grad():
            return np.asarray(layer(dg.tensor(X.astype(np.float32))).data, np.float64) / np.sqrt(N)

    return phi


def risk_moments(F, t):
    """S, b, c of R(theta) = mean((F theta - t)^2) = theta^T S theta - 2 b^T theta + c."""
    return F.T @ F / len(t), F.T @ t / len(t), float(t @ t / len(t))


def interpolators(Phi, y, S, b, radius=2.0):
    """(min-norm, best, worst-in-ball) interpolating theta."""
    theta0 = np.linalg.pinv(Phi) @ y
    B = null_space(Phi)
    A = B.T @ S @ B
    g = B.T @ (S @ theta0 - b)
    best = theta0 - B @ np.linalg.lstsq(A, g, rcond=None)[0]
    evals, V = np.linalg.eigh(A)
    v = V[:, -1] * (1.0 if g @ V[:, -1] >= 0 else -1.0)
    worst = theta0 + B @ v * np.sqrt(radius ** 2 - 1) * np.linalg.norm(theta0)
    return theta0, best, worst


def risk(theta, S, b, c):
    return float(theta @ S @ theta - 2 * b @ theta + c)


def run(*, quick: bool = False, seed: int = 0, n_train: int = 0,
        widths: tuple = ()) -> GlobalMinimaResult:
    """n_train = 0: 40 when quick, 100 else; widths = (): 2n, 4n, 8n, 16n."""
    n = n_train or (40 if quick else 100)
    widths = widths or tuple(int(f * n) for f in (2, 4, 8, 16))
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = target(X) + 0.1 * rng.standard_normal(n)
    X_test = rng.uniform(-1, 1, (4000, 2))
    t = target(X_test)
    out = {"best": [], "min_norm": [], "worst": []}
    resid = 0.0
    for N in widths:
        phi = random_features(N, seed + N)
        Phi = phi(X)
        S, b, c = risk_moments(phi(X_test), t)
        thetas = interpolators(Phi, y, S, b)
        resid = max(resid, max(float(np.max(np.abs(Phi @ th - y))) for th in thetas))
        for key, th in zip(("min_norm", "best", "worst"), thetas):
            out[key].append(risk(th, S, b, c))
    return GlobalMinimaResult(widths=np.array(widths), n_train=n, best=np.array(out["best"]),
                              min_norm=np.array(out["min_norm"]), worst=np.array(out["worst"]),
                              train_residual=resid)


def plot(result: GlobalMinimaResult):
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    N = result.widths
    ax.loglog(N, result.worst, "v-", label=r"worst with $\|\theta\| \leq 2\|\theta_{min}\|$")
    ax.loglog(N, result.min_norm, "o-", label="minimum norm (pinv)")
    ax.loglog(N, result.best, "^-", label="best (closed form)")
    ax.fill_between(N, result.best, result.worst, alpha=0.15, label="spread of global minima")
    ax.set_xticks(N, [str(w) for w in N])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set(xlabel="number of random features N", ylabel="test risk (training error 0)",
           title=f"interpolating solutions on n = {result.n_train} points")
    ax.legend(fontsize=8)
    return fig
