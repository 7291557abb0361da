"""Autodiff at kinks: what reverse mode returns vs the lexicographic derivative.

Lecture: UBC CPSC 440 review, "Failure of AD on ReLUs". Papers: Kakade and Lee (2018) Provably
correct automatic subdifferentiation for qualified programs (NeurIPS), whose f1..f4 these are;
Nesterov (2005) Lexicographic differentiation of nonsmooth functions; Khan and Barton (2015) A
vector forward mode of automatic differentiation for generalized derivative evaluation.

Four ways to write the identity, all with derivative 1 at x = 0:

    f1 = x,   f2 = relu(x) - relu(-x),   f3 = 10 f1 - 9 f2,   f4 = relu(relu(x)) - relu(-x).

With ReLU'(0) = 0 (PyTorch, JAX, deepgrad) reverse mode returns 1, 0, 10, 0; no single choice of
ReLU'(0) fixes all four (f4 would need (sqrt 5 - 1)/2). ``deepgrad.ld_derivative`` returns 1 for
all of them. The same holds on ReLU networks evaluated exactly on a kink: a bias-free net
f(x) = w^T relu(W_2 relu(W_1 x)) is positively homogeneous, so its one-sided derivatives at 0 are
f(1) (right) and -f(-1) (left) and its Clarke subdifferential is the interval between them.
Reverse mode returns 0, which is usually outside it; the LD-derivative along +1 is f(1).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from deepgrad.engine.lexicographic import ld_derivative
from deepgrad.engine.primitives import matmul, relu
from deepgrad.engine.transforms import grad

FUNCTIONS = {
    "f1": lambda x: x * 1.0,
    "f2": lambda x: relu(x) - relu(-x),
    "f3": lambda x: 10 * x - 9 * (relu(x) - relu(-x)),
    "f4": lambda x: relu(relu(x)) - relu(-x),
}


@dataclass
class AdKinksResult:
    reverse: dict  # name -> reverse-mode derivative at 0
    ld: dict  # name -> LD-derivative at 0
    left: np.ndarray  # per network: left derivative -f(-1)
    right: np.ndarray  # per network: right derivative f(1)
    net_reverse: np.ndarray  # per network: reverse mode at 0
    net_ld: np.ndarray  # per network: LD-derivative at 0 along +1
    reverse_outside_clarke: float  # fraction of networks where reverse mode is not in [left, right]
    ld_outside_clarke: float
    max_ld_error: float  # max |LD - f(1)|


def _network(rng, width, depth):
    Ws = [rng.standard_normal((width, 1))] + [rng.standard_normal((width, width))
                                              for _ in range(depth - 1)]
    w = rng.standard_normal((1, width))

    def f(x):
        h = x.reshape((1, 1)) if hasattr(x, "reshape") else np.full((1, 1), x)
        for W in Ws:
            h = relu(matmul(W, h))
        return matmul(w, h).sum()

    return f


def run(*, quick: bool = False, seed: int = 0, n_networks: int = 200, width: int = 8,
        depth: int = 3) -> AdKinksResult:
    reverse = {k: float(grad(f)(0.0).data) for k, f in FUNCTIONS.items()}
    ld = {k: float(ld_derivative(f, 0.0)) for k, f in FUNCTIONS.items()}
    rng = np.random.default_rng(seed)
    n = 40 if quick else n_networks
    left, right, net_rev, net_ld = (np.zeros(n) for _ in range(4))
    for i in range(n):
        f = _network(rng, width, depth)
        right[i] = f(np.ones(1)).item()
        left[i] = -f(-np.ones(1)).item()
        net_rev[i] = float(grad(f)(np.zeros(1)).data[0])
        net_ld[i] = float(ld_derivative(f, np.zeros(1))[0])
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    tol = 1e-12 * (1 + np.abs(hi))
    outside = lambda g: float(np.mean((g < lo - tol) | (g > hi + tol)))
    return AdKinksResult(reverse, ld, left, right, net_rev, net_ld, outside(net_rev),
                         outside(net_ld), float(np.abs(net_ld - right).max()))


def plot(result: AdKinksResult) -> Figure:
    fig = Figure(figsize=(12, 4.5))
    ax1, ax2 = fig.subplots(1, 2)
    names = list(result.reverse)
    x = np.arange(len(names))
    ax1.bar(x - 0.2, [result.reverse[k] for k in names], 0.4, label="reverse mode (ReLU'(0) = 0)")
    ax1.bar(x + 0.2, [result.ld[k] for k in names], 0.4, label="ld_derivative")
    ax1.axhline(1.0, color="k", ls="--", lw=1, label="true derivative")
    ax1.set_xticks(x)
    ax1.set_xticklabels(names)
    ax1.set_xlabel("way of writing f(x) = x")
    ax1.set_ylabel("derivative at x = 0")
    ax1.set_title("Four ways to write the identity, derivative at x = 0")
    ax1.legend()
    k = min(30, result.left.size)
    idx = np.arange(k)
    ax2.vlines(idx, np.minimum(result.left, result.right)[:k],
               np.maximum(result.left, result.right)[:k], color="grey", lw=4, alpha=0.5,
               label="Clarke subdifferential [left, right]")
    ax2.plot(idx, result.net_reverse[:k], "x", color="C0", label="reverse mode")
    ax2.plot(idx, result.net_ld[:k], "o", mfc="none", color="C1", label="ld_derivative")
    ax2.set_xlabel("random bias-free ReLU network")
    ax2.set_ylabel("derivative at x = 0")
    ax2.set_title(f"Reverse mode outside the subdifferential in "
                  f"{100 * result.reverse_outside_clarke:.0f}% of nets, LD in "
                  f"{100 * result.ld_outside_clarke:.0f}%", fontsize=10)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig
