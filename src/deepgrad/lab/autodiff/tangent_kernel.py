"""The neural tangent kernel of a ReLU MLP: analytic (the infinite-width recursion) and empirical.

A library for the ``ntk`` experiment (docs/lab/analytic_ntk.md, empirical_ntk.md); the
recursion and the NTK parameterisation are written out in ``deepgrad.lab.autodiff.ntk``'s
docstring. Papers: Jacot, Gabriel and Hongler (2018); Cho and Saul (2009) the arc-cosine kernel;
Novak et al. (2020) Neural Tangents (the ``stax`` conventions used here).
"""
from __future__ import annotations

from itertools import pairwise

import numpy as np

from deepgrad.engine.tensor import Tensor
from deepgrad.nn.module import Module
from deepgrad.nn.parameter import Parameter


def _arccos_kernels(S, d1, d2):
    """k_1 and k_0 for covariance S between points with variances d1 (rows) and d2 (columns)."""
    norm = np.sqrt(np.outer(d1, d2))
    cos = np.clip(np.divide(S, norm, out=np.zeros_like(S), where=norm > 0), -1.0, 1.0)
    theta = np.arccos(cos)
    k1 = norm * (np.sin(theta) + (np.pi - theta) * cos) / (2 * np.pi)
    k0 = (np.pi - theta) / (2 * np.pi)
    return k1, k0


def analytic_ntk(X, depth, w_std=1.0, b_std=0.0, X2=None):
    """Infinite-width (NNGP, NTK) kernels of the ReLU net in the module docstring.

    X is (n, n_0), X2 (n2, n_0) (default X); returns ``(nngp, ntk)``, each (n, n2). Same
    convention as neural-tangents' ``stax.serial(*[Dense(., w_std, b_std), Relu()] * depth,
    Dense(., w_std, b_std))``.
    """
    X = np.asarray(X, dtype=np.float64)
    same = X2 is None
    X2 = X if same else np.asarray(X2, dtype=np.float64)
    n0, w2, b2 = X.shape[1], w_std ** 2, b_std ** 2
    S = w2 * X @ X2.T / n0 + b2
    d1 = w2 * np.sum(X * X, axis=1) / n0 + b2  # Sigma(x, x) and Sigma(x', x')
    d2 = w2 * np.sum(X2 * X2, axis=1) / n0 + b2
    T = S
    for _ in range(depth):
        if same:  # read the diagonal off S itself, so cos(theta) = 1 exactly there
            d1 = d2 = np.diag(S).copy()
        k1, k0 = _arccos_kernels(S, d1, d2)
        S = w2 * k1 + b2
        T = S + w2 * k0 * T
        d1, d2 = w2 * d1 / 2 + b2, w2 * d2 / 2 + b2
    return S, T


class NTKDense(Module):
    """z = (w_std / sqrt(n_in)) W x + b_std b with W (n_out, n_in) and b (n_out,) ~ N(0, 1), float64."""

    def __init__(self, n_in, n_out, w_std=1.0, b_std=0.0, rng=None):
        rng = np.random.default_rng(rng)
        self.w_std, self.b_std = float(w_std), float(b_std)
        self.weight = Parameter(rng.standard_normal((n_out, n_in)))
        self.bias = Parameter(rng.standard_normal(n_out))

    def forward(self, x):
        return (self.w_std / np.sqrt(self.weight.shape[1])) * (x @ self.weight.T) \
            + self.b_std * self.bias


class NTKMLP(Module):
    """The ReLU MLP of the module docstring, widths = (n_0, n_1, ..., n_L), ReLU between layers.

    The scales w_std / sqrt(n_{l-1}) and b_std live in the forward pass (Jacot et al., 2018), so
    every parameter is N(0, 1) and each layer's share of the NTK stays O(1) as the width grows.
    """

    def __init__(self, widths, w_std=1.0, b_std=0.0, seed=0):
        rng = np.random.default_rng(seed)
        self.layers = [NTKDense(i, o, w_std, b_std, rng) for i, o in pairwise(widths)]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = layer(x).relu()
        return self.layers[-1](x)


def empirical_ntk(model, X):
    """Theta = J J^T with J = d f(X) / d theta over all of ``model.parameters()``.

    J is built row by row with deepgrad's reverse mode (one backward per output). For outputs
    of shape (n, k) the result is (n, k, n, k), squeezed to (n, n) when k = 1.
    """
    params = list(model.parameters())
    out = model(Tensor(np.asarray(X, dtype=np.float64)))
    n, k = out.shape[0], int(np.prod(out.shape[1:]))
    rows = []
    for i in range(n * k):
        seed = np.zeros(n * k)
        seed[i] = 1.0
        for p in params:
            p.grad = None
        out.backward(gradient=seed.reshape(out.shape), retain_graph=True)
        rows.append(np.concatenate([np.zeros(p.numel()) if p.grad is None else
                                    np.asarray(p.grad.data).reshape(-1) for p in params]))
    J = np.stack(rows)
    for p in params:
        p.grad = None
    theta = (J @ J.T).reshape(n, k, n, k)
    return theta[:, 0, :, 0] if k == 1 else theta
