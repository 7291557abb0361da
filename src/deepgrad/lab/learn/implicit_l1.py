"""Implicit L1: a diagonal linear network finds the minimum-L1 interpolator from a small start.

Lecture: Lawrence, "Regularization in Optimization" ("In particular systems, with given
initialisations, we can show L1 and L2 norms are minimised"). Paper: Woodworth, Gunasekar, Lee,
Moroshko, Savarese, Golan, Soudry & Srebro (2020), "Kernel and rich regimes in overparametrized
models" (COLT); Gunasekar et al. (2017), "Implicit regularization in matrix factorization".

Underdetermined least squares (n < d equations, a sparse truth) with the weights written as a
depth-2 diagonal network, w = u * u - v * v, u_0 = v_0 = alpha 1 (so w_0 = 0), and plain gradient
descent on L(u, v) = 1/(2n) ||X w - y||^2 (float64; the gradient rule is checked against
deepgrad.grad). Every alpha
interpolates; which interpolator it reaches depends on alpha alone:

    alpha -> 0:    w_inf = argmin ||w||_1  s.t. X w = y   (the "rich" regime; oracle: linprog)
    alpha -> inf:  w_inf = argmin ||w||_2  s.t. X w = y = X^+ y  (the "kernel" regime; oracle: pinv)

In between, w_inf minimises Woodworth et al.'s hypentropy Q_alpha(w), which blends the two. The
step size is lr / max(alpha^2, 1) * 1 / lambda_max(X^T X / n), stable in both regimes.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

import deepgrad as dg


@dataclass
class ImplicitL1Result:
    n: int
    d: int
    alphas: np.ndarray           # initial scales
    l1_distance: np.ndarray      # ||w_alpha - w_L1|| / ||w_L1|| per alpha
    l2_distance: np.ndarray      # ||w_alpha - X^+ y|| / ||X^+ y|| per alpha
    train_residual: np.ndarray   # ||X w_alpha - y|| / ||y|| per alpha
    l1_norm: np.ndarray          # ||w_alpha||_1 per alpha
    min_l1_norm: float           # ||w_L1||_1 (linprog)
    pinv_l1_norm: float          # ||X^+ y||_1
    small_alpha_l1_error: float  # l1_distance at the smallest alpha
    large_alpha_l2_error: float  # l2_distance at the largest alpha
    w_true: np.ndarray
    w_small: np.ndarray          # w at the smallest alpha
    w_large: np.ndarray          # w at the largest alpha
    w_l1: np.ndarray
    w_l2: np.ndarray


def min_l1_interpolator(X, y):
    """argmin ||w||_1 s.t. X w = y, as the linear programme w = p - q, p, q >= 0, min 1^T (p + q)."""
    d = X.shape[1]
    res = linprog(np.ones(2 * d), A_eq=np.hstack([X, -X]), b_eq=y, bounds=(0, None),
                  method="highs")
    if not res.success:
        raise RuntimeError(f"linprog failed: {res.message}")
    return res.x[:d] - res.x[d:]


def diagonal_network_loss(X, y):
    """L(u, v) = 1/(2n) ||X (u*u - v*v) - y||^2 as a function of Tensors (for deepgrad.grad)."""
    Xt, yt = dg.tensor(X), dg.tensor(y)

    def loss(u, v):
        r = Xt @ (u * u - v * v) - yt
        return 0.5 * (r * r).sum() / X.shape[0]
    return loss


def diagonal_network_grad(X, y, u, v):
    """(dL/du, dL/dv) = (2 u * g, -2 v * g) with g = X^T (X w - y) / n, in NumPy.

    The loop runs tens of thousands of tiny steps, where a graph per step costs 25x the
    arithmetic; the tests check this hand-derived rule against deepgrad.grad of the loss.
    """
    g = X.T @ (X @ (u * u - v * v) - y) / X.shape[0]
    return 2 * u * g, -2 * v * g


def diagonal_network_gd(X, y, alpha, steps, lr=0.2):
    """GD on (u, v) for w = u*u - v*v from u = v = alpha; returns the final w."""
    d = X.shape[1]
    step = lr / max(alpha**2, 1.0) / np.linalg.eigvalsh(X.T @ X / X.shape[0]).max()
    u, v = np.full(d, float(alpha)), np.full(d, float(alpha))
    for _ in range(steps):
        gu, gv = diagonal_network_grad(X, y, u, v)
        u, v = u - step * gu, v - step * gv
    return u * u - v * v


def sparse_problem(rng, n, d, k):
    """X (n, d) Gaussian, y = X w* with a k-sparse w* (entries +-1)."""
    X = rng.standard_normal((n, d))
    w = np.zeros(d)
    w[rng.choice(d, k, replace=False)] = rng.choice([-1.0, 1.0], k)
    return X, X @ w, w


def run(*, quick: bool = False, seed: int = 0, n: int = 20, d: int = 60, sparsity: int = 3,
        alphas: tuple = (1e-4, 1e-3, 1e-2, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0),
        steps: int = 0) -> ImplicitL1Result:
    """GD on the diagonal network from each alpha. steps = 0: 20,000 when quick, else 100,000."""
    rng = np.random.default_rng(seed)
    X, y, w_true = sparse_problem(rng, n, d, sparsity)
    w_l1, w_l2 = min_l1_interpolator(X, y), np.linalg.pinv(X) @ y
    alphas = np.array(sorted(alphas), dtype=np.float64)
    if quick:
        alphas = alphas[[0, len(alphas) // 2, -1]]
    T = steps or (20_000 if quick else 100_000)
    ws = np.array([diagonal_network_gd(X, y, a, T) for a in alphas])
    rel = lambda a, b: np.linalg.norm(a - b, axis=-1) / np.linalg.norm(b)  # noqa: E731
    l1d, l2d = rel(ws, w_l1), rel(ws, w_l2)
    return ImplicitL1Result(
        n=n, d=d, alphas=alphas, l1_distance=l1d, l2_distance=l2d,
        train_residual=np.linalg.norm(ws @ X.T - y, axis=1) / np.linalg.norm(y),
        l1_norm=np.abs(ws).sum(axis=1), min_l1_norm=float(np.abs(w_l1).sum()),
        pinv_l1_norm=float(np.abs(w_l2).sum()), small_alpha_l1_error=float(l1d[0]),
        large_alpha_l2_error=float(l2d[-1]), w_true=w_true, w_small=ws[0], w_large=ws[-1],
        w_l1=w_l1, w_l2=w_l2)


def plot(result: ImplicitL1Result):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    ax1.loglog(result.alphas, result.l1_distance, "o-", label="to min-$L_1$ (linprog)")
    ax1.loglog(result.alphas, result.l2_distance, "s-", label="to min-$L_2$ ($X^+y$)")
    ax1.loglog(result.alphas, np.maximum(result.train_residual, 1e-16), "k:",
               label="training residual")
    ax1.set(xlabel=r"initial scale $\alpha$ ($u_0 = v_0 = \alpha$)",
            ylabel="relative distance", title="GD on $w = u^2 - v^2$: which interpolator?")
    ax1.legend(fontsize=8)
    idx = np.arange(result.d)
    ax2.plot(idx, result.w_l2, "s", mfc="none", color="C1", label="min-$L_2$ (pinv)")
    ax2.plot(idx, result.w_large, ".", color="C1",
             label=rf"GD, $\alpha$ = {result.alphas[-1]:g}")
    ax2.plot(idx, result.w_l1, "o", mfc="none", ms=9, color="C0", label="min-$L_1$ (linprog)")
    ax2.plot(idx, result.w_small, "x", color="C0",
             label=rf"GD, $\alpha$ = {result.alphas[0]:g}")
    ax2.set(xlabel="coordinate i", ylabel="$w_i$",
            title=f"n = {result.n} equations, d = {result.d} unknowns")
    ax2.legend(fontsize=8)
    return fig
