"""The Hessian spectrum of an overparameterised MLP after training: a bulk at zero, a few outliers.

Lecture: Lawrence, *Deep Architectures*, "Overparameterised Systems" (at the optimum the Hessian
has very low or negative eigenvalues, the parameters are badly determined) and "Example:
Hessian-vector product". Papers: Sagun, Bottou and LeCun (2016) Eigenvalues of the Hessian in deep
learning: singularity and beyond; Sagun et al. (2017) Empirical analysis of the Hessian of
over-parametrized neural networks; Papyan (2019) Measurements of three-level hierarchical structure
in the outliers in the spectrum of deepnet Hessians; Keskar et al. (2017) On large-batch training
for deep learning: generalization gap and sharp minima.

A tanh MLP with P parameters is trained by Adam on n points of K Gaussian classes (P > n K), and
at the end the Hessian H of the mean cross-entropy is computed three ways: densely (``full_
hessian``, forward-over-reverse, eigvalsh), by Lanczos on Hessian-vector products
(``top_eigenvalues``) and through its trace (``hutchinson_trace``). Decomposing
H = G + sum_i (dE/dz_i) d^2 z_i / dw^2, the Gauss-Newton part G = J^T H_z J has rank at most
n (K - 1) (each softmax block diag(p) - p p^T has rank K - 1): most directions of parameter
space are flat. Finally the sharpness (the top eigenvalue) of the loss on minibatches of size b
is measured at the same point, averaged over the n / b batches of random partitions of the data:
the batch Hessians of a partition average to H and lambda_max is convex, so the mean sharpness
is at least lambda_max(H) for every partition (Jensen): smaller batches see sharper losses.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from matplotlib.figure import Figure

import deepgrad.engine.primitives as P
from deepgrad.engine.transforms import value_and_grad
from deepgrad.lab.autodiff.curvature import full_hessian, gauss_newton, hutchinson_trace, top_eigenvalues


@dataclass
class HessianSpectrumResult:
    eigenvalues: np.ndarray  # of the full Hessian, ascending
    top_eigenvalues: list  # Lanczos, descending
    lanczos_max_rel_error: float  # against the same eigenvalues from eigvalsh
    fraction_near_zero: float  # |lambda| < 1e-3 lambda_max
    n_negative: int  # lambda < -1e-9 lambda_max (numerical error is ~1e-15)
    min_eigenvalue: float
    trace: float
    hutchinson_trace: float
    hutchinson_stderr: float
    gn_rank: int
    gn_rank_bound: int  # n (K - 1)
    n_params: int
    final_loss: float
    grad_norm: float
    batch_sizes: list
    sharpness: list  # mean top eigenvalue of the minibatch losses over partitions of the data
    gn_rank_init: int  # rank of G at the initial weights (generic point)


def _blobs(rng, n, K):
    centres = 2.0 * rng.standard_normal((K, 2))
    y = np.arange(n) % K
    return centres[y] + rng.standard_normal((n, 2)), y


def _mlp(widths):
    shapes = [s for i, o in pairwise(widths) for s in ((o, i), (o,))]
    sizes = [int(np.prod(s)) for s in shapes]

    def logits(w, X):
        h, start = X, 0
        for k in range(0, len(shapes), 2):
            W = P.reshape(w[start:start + sizes[k]], shapes[k])
            b = w[start + sizes[k]:start + sizes[k] + sizes[k + 1]]
            start += sizes[k] + sizes[k + 1]
            h = h @ W.T + b
            h = P.tanh(h) if k < len(shapes) - 2 else h
        return h

    return logits, sum(sizes)


def _gn_rank(logits, X, y, w):
    """Numerical rank of the Gauss-Newton matrix (eigenvalues above 1e-9 of the largest)."""
    eig = np.linalg.eigvalsh(gauss_newton(lambda w: logits(w, X), lambda z: P.cross_entropy(z, y), w))
    return int(np.sum(eig > 1e-9 * eig.max()))


def run(*, quick: bool = False, seed: int = 0, n: int = 30, classes: int = 3, hidden: int = 16,
        steps: int = 3000, lr: float = 0.01, batch_sizes: tuple = (1, 2, 5, 15, 30),
        partitions: int = 2) -> HessianSpectrumResult:
    rng = np.random.default_rng(seed)
    if quick:
        n, hidden, steps, partitions = 20, 10, 600, 1
        batch_sizes = (1, 2, 5, 20)
    X, y = _blobs(rng, n, classes)
    logits, n_params = _mlp((2, hidden, hidden, classes))
    loss_on = lambda idx: (lambda w: P.cross_entropy(logits(w, X[idx]), y[idx]))
    loss = loss_on(np.arange(n))

    w = rng.standard_normal(n_params) * 0.5  # Adam, written out on the flat vector
    gn_rank_init = _gn_rank(logits, X, y, w)
    m, v = np.zeros_like(w), np.zeros_like(w)
    step = value_and_grad(loss)
    for t in range(1, steps + 1):
        value, g = step(w)
        g = np.asarray(g.data)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        w = w - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    value, g = step(w)

    H = full_hessian(loss, w)
    eig = np.linalg.eigvalsh(H)
    top = top_eigenvalues(loss, w, k=5)
    scale = eig.max()
    tr, se = hutchinson_trace(loss, w, n_samples=30 if quick else 100, seed=seed)
    sharpness = []
    for b in batch_sizes:
        if n % b:
            raise ValueError(f"batch size {b} does not divide n = {n}")
        draws = [top_eigenvalues(loss_on(batch), w)[0] for _ in range(partitions)
                 for batch in rng.permutation(n).reshape(n // b, b)]
        sharpness.append(float(np.mean(draws)))
    return HessianSpectrumResult(
        eig, top.tolist(), float(np.max(np.abs(top - eig[::-1][:5]) / np.abs(eig[::-1][:5]))),
        float(np.mean(np.abs(eig) < 1e-3 * scale)), int(np.sum(eig < -1e-9 * scale)), float(eig[0]),
        float(np.trace(H)), float(tr), float(se), _gn_rank(logits, X, y, w), n * (classes - 1),
        n_params, float(value.data), float(np.linalg.norm(g.data)), list(batch_sizes), sharpness,
        gn_rank_init)


def plot(result: HessianSpectrumResult) -> Figure:
    fig = Figure(figsize=(12, 4.5))
    ax1, ax2 = fig.subplots(1, 2)
    eig = result.eigenvalues
    ax1.plot(np.arange(eig.size), eig, "o", ms=3, label="eigvalsh of the full Hessian")
    ax1.plot(np.arange(eig.size)[::-1][:len(result.top_eigenvalues)], result.top_eigenvalues, "x",
             color="C3", ms=8, label="Lanczos on HVPs")
    linthresh = 1e-4 * max(eig.max(), 1e-12)
    ax1.set_yscale("symlog", linthresh=linthresh)
    # ticks at 0 and at every other decade beyond 10 * linthresh: the ones at +-linthresh sat on 0
    decades = 10.0 ** np.arange(np.ceil(np.log10(linthresh)) + 1, np.log10(np.abs(eig).max()) + 1, 2)
    ax1.set_yticks(np.concatenate([-decades[::-1][decades[::-1] <= -eig.min()], [0.0], decades]))
    ax1.axhline(0, color="k", lw=0.5)
    ax1.set_xlabel("index")
    ax1.set_ylabel("eigenvalue")
    ax1.set_title(f"P = {result.n_params}: {100 * result.fraction_near_zero:.0f}% near zero, "
                  f"{result.n_negative} negative (min {result.min_eigenvalue:.1e}); rank G = {result.gn_rank} (at init "
                  f"{result.gn_rank_init}, n(K-1) = {result.gn_rank_bound})\ntrace {result.trace:.3g}, Hutchinson "
                  f"{result.hutchinson_trace:.3g} ± {result.hutchinson_stderr:.2g}", fontsize=9)
    ax1.legend(fontsize=8)
    ax2.plot(result.batch_sizes, result.sharpness, "o-")
    ax2.set_xscale("log")
    ax2.set_xlabel("batch size b")
    ax2.set_ylabel("top eigenvalue of the minibatch loss")
    ax2.set_title("Sharpness vs batch size (at the trained weights)")
    fig.tight_layout()
    return fig
