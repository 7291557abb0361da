"""The neural tangent kernel: analytic vs empirical, and kernel regression vs a trained wide net.

Lecture: Lawrence, *Deep Architectures*, "Neural Tangent Kernel" (very wide networks with a
particular initialisation regularise with a particular kernel). Papers: Jacot, Gabriel and
Hongler (2018) Neural tangent kernel (NeurIPS); Lee et al. (2019) Wide neural networks of any
depth evolve as linear models under gradient descent; Arora et al. (2019) On exact computation
with an infinitely wide neural net; Cho and Saul (2009) Kernel methods for deep learning (the
arc-cosine kernel); Novak et al. (2020) Neural Tangents (the ``stax`` conventions used here).

NTK parameterisation of a fully connected ReLU net with ``depth`` hidden layers and a Dense output:

    z^1 = (w_std / sqrt(n_0)) W^1 x + b_std b^1,   z^{l+1} = (w_std / sqrt(n_l)) W^{l+1} relu(z^l)
    + b_std b^{l+1},   all W, b ~ N(0, 1).

As the widths n_l -> infinity the output is a Gaussian process with covariance Sigma (the NNGP
kernel) and the tangent kernel Theta(x, x') = <df(x)/dtheta, df(x')/dtheta> becomes deterministic:

    Sigma^1 = w_std^2 x.x' / n_0 + b_std^2,   Theta^1 = Sigma^1,
    Sigma^{l+1} = w_std^2 k_1(Sigma^l) + b_std^2,   Theta^{l+1} = Sigma^{l+1} + w_std^2 k_0(Sigma^l) Theta^l,

with the arc-cosine expectations over (u, v) ~ N(0, Sigma^l), cos(theta) = Sigma(x, x') /
sqrt(Sigma(x, x) Sigma(x', x')):

    k_1 = E[relu(u) relu(v)] = sqrt(Sigma(x, x) Sigma(x', x')) (sin theta + (pi - theta) cos theta) / (2 pi)
    k_0 = E[relu'(u) relu'(v)] = (pi - theta) / (2 pi).

With w_std^2 = 2 the diagonal is preserved: Sigma^{l+1}(x, x) = Sigma^l(x, x) + b_std^2.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from matplotlib.figure import Figure

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


@dataclass
class NtkResult:
    widths: list
    rel_error: list  # mean over seeds of ||Theta_emp - Theta|| / ||Theta|| (Frobenius)
    rel_error_std: list
    fitted_slope: float  # slope of log rel_error against log width (theory: -1/2)
    angles_test: np.ndarray
    angles_train: np.ndarray
    y_train: np.ndarray
    net_prediction: np.ndarray  # wide net trained by GD (output minus its initial output)
    ntk_prediction: np.ndarray  # the same GD run on the linearised model, with the analytic NTK
    kernel_regression: np.ndarray  # the limit t -> infinity: Theta(x*, X) Theta^{-1} y
    prediction_rel_error: float
    train_width: int
    steps: int


def _circle(angles):
    return np.stack([np.cos(angles), np.sin(angles)], axis=1) * np.sqrt(2)


def run(*, quick: bool = False, seed: int = 0, depth: int = 2, w_std: float = 1.4142135623730951,
        b_std: float = 0.1, widths: tuple = (64, 128, 256, 512, 1024, 2048), n_seeds: int = 4,
        train_width: int = 1024, steps: int = 1000) -> NtkResult:
    """Empirical vs analytic NTK across widths, then GD on a wide net vs NTK regression.

    Inputs lie on a circle of radius sqrt(2) (so ||x||^2 / n_0 = 1); the regression targets
    are y = sin(2 theta) + cos(theta) / 2 at 8 angles. The network is trained on
    1/2 sum_i (f(x_i) - f_0(x_i) - y_i)^2 with step eta = 1 / lambda_max(Theta), so in the
    infinite-width limit its predictions after t steps are
    f_t(x*) - f_0(x*) = Theta(x*, X) Theta^{-1} (I - (I - eta Theta)^t) y   (Lee et al., 2019).
    BLAS runs on one thread: these matrices are small, and threads only add overhead.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _run(quick, seed, depth, w_std, b_std, widths, n_seeds, train_width, steps)


def _run(quick, seed, depth, w_std, b_std, widths, n_seeds, train_width, steps):
    if quick:
        widths, n_seeds, train_width, steps = (32, 64, 128, 256, 512), 6, 256, 200
    angles_train = np.linspace(0, 2 * np.pi, 8, endpoint=False) + 0.3
    angles_test = np.linspace(0, 2 * np.pi, 120)
    X, Xs = _circle(angles_train), _circle(angles_test)
    y = np.sin(2 * angles_train) + 0.5 * np.cos(angles_train)
    arch = lambda width: (2,) + (width,) * depth + (1,)

    _, theta = analytic_ntk(X, depth, w_std, b_std)
    errors = np.array([[np.linalg.norm(empirical_ntk(NTKMLP(arch(w), w_std, b_std, seed + 100 * s + w),
                                                     X) - theta) / np.linalg.norm(theta)
                        for s in range(n_seeds)] for w in widths])
    slope = float(np.polyfit(np.log(widths), np.log(errors.mean(axis=1)), 1)[0])

    eta = 1.0 / np.linalg.eigvalsh(theta).max()
    model = NTKMLP(arch(train_width), w_std, b_std, seed)
    params = list(model.parameters())
    Xt, Xst = Tensor(X), Tensor(Xs)
    f0_train, f0_test = model(Xt).data[:, 0].copy(), model(Xst).data[:, 0].copy()
    for _ in range(steps):
        residual = model(Xt)[:, 0] - (f0_train + y)
        (0.5 * (residual * residual).sum()).backward()
        for p in params:
            p.data -= eta * p.grad.data
            p.grad = None
    net = model(Xst).data[:, 0] - f0_test

    _, theta_test = analytic_ntk(Xs, depth, w_std, b_std, X2=X)
    decay = np.eye(len(y)) - eta * theta
    ntk = theta_test @ np.linalg.solve(theta, y - np.linalg.matrix_power(decay, steps) @ y)
    kernel = theta_test @ np.linalg.solve(theta, y)
    return NtkResult(list(widths), errors.mean(axis=1).tolist(), errors.std(axis=1).tolist(),
                     slope, angles_test, angles_train, y, net, ntk, kernel,
                     float(np.linalg.norm(net - ntk) / np.linalg.norm(ntk)), train_width, steps)


def plot(result: NtkResult) -> Figure:
    fig = Figure(figsize=(12, 4.5))
    ax1, ax2 = fig.subplots(1, 2)
    w, e = np.asarray(result.widths), np.asarray(result.rel_error)
    ax1.errorbar(w, e, yerr=result.rel_error_std, fmt="o-", capsize=3, label="measured")
    ax1.loglog(w, e[0] * (w / w[0]) ** -0.5, "k--", lw=1, label="width$^{-1/2}$")
    ax1.set_xticks(w, [str(v) for v in w], minor=False)
    ax1.set_xticks([], minor=True)
    ax1.set_xlabel("width")
    ax1.set_ylabel("||Theta_emp - Theta||_F / ||Theta||_F")
    ax1.set_title(f"Empirical vs analytic NTK: fitted slope {result.fitted_slope:.2f}")
    ax1.legend()
    ax2.plot(result.angles_test, result.kernel_regression, color="grey", lw=1,
             label="NTK regression (t = inf)")
    ax2.plot(result.angles_test, result.ntk_prediction, "k--", label=f"linearised GD, t = {result.steps}")
    ax2.plot(result.angles_test, result.net_prediction, color="C1",
             label=f"net of width {result.train_width} trained by GD")
    ax2.plot(result.angles_train, result.y_train, "o", color="C0", label="training data")
    ax2.set_xlabel("angle of x on the circle")
    ax2.set_ylabel("f(x)")
    ax2.set_title(f"Wide net vs NTK prediction: relative error {result.prediction_rel_error:.3f}")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig
