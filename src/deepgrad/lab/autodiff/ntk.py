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

import numpy as np
from matplotlib.figure import Figure

from deepgrad.engine.tensor import Tensor
from deepgrad.lab.autodiff.tangent_kernel import NTKMLP, analytic_ntk, empirical_ntk
from deepgrad.lab.repeats import mean_sd, repeat


@dataclass
class NtkResult:
    widths: list
    rel_error: list  # mean over seeds of ||Theta_emp - Theta|| / ||Theta|| (Frobenius)
    rel_error_std: list  # its sample sd over seeds
    fitted_slope: float  # slope of log rel_error against log width (theory: -1/2)
    angles_test: np.ndarray
    angles_train: np.ndarray
    y_train: np.ndarray
    net_prediction: np.ndarray  # wide net trained by GD (output minus its initial output)
    ntk_prediction: np.ndarray  # the same GD run on the linearised model, with the analytic NTK
    kernel_regression: np.ndarray  # the limit t -> infinity: Theta(x*, X) Theta^{-1} y
    prediction_rel_error: float  # mean over seeds of ||net - ntk|| / ||ntk||
    train_width: int
    steps: int
    net_prediction_sd: np.ndarray  # sample sd over seeds of the trained net's prediction
    seeds: int  # repeats (seed, seed+1, ...): rel_error, net_prediction and its error are means


def _circle(angles):
    return np.stack([np.cos(angles), np.sin(angles)], axis=1) * np.sqrt(2)


def run(*, quick: bool = False, seed: int = 0, depth: int = 2, w_std: float = 1.4142135623730951,
        b_std: float = 0.1, widths: tuple = (64, 128, 256, 512, 1024, 2048), seeds: int = 4,
        train_width: int = 1024, steps: int = 1000) -> NtkResult:
    """Empirical vs analytic NTK across widths, then GD on a wide net vs NTK regression.

    Inputs lie on a circle of radius sqrt(2) (so ||x||^2 / n_0 = 1); the regression targets
    are y = sin(2 theta) + cos(theta) / 2 at 8 angles. The network is trained on
    1/2 sum_i (f(x_i) - f_0(x_i) - y_i)^2 with step eta = 1 / lambda_max(Theta), so in the
    infinite-width limit its predictions after t steps are
    f_t(x*) - f_0(x*) = Theta(x*, X) Theta^{-1} (I - (I - eta Theta)^t) y   (Lee et al., 2019).
    ``seeds`` repeats both parts for seeds seed..seed+seeds-1: the errors and the trained net's
    predictions are means over the repeats, with their sample sd (bars and a band).
    BLAS runs on one thread: these matrices are small, and threads only add overhead.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _run(quick, seed, depth, w_std, b_std, widths, seeds, train_width, steps)


def _run(quick, seed, depth, w_std, b_std, widths, seeds, train_width, steps):
    if quick:
        widths, train_width, steps = (32, 64, 128, 256, 512), 256, 200
    angles_train = np.linspace(0, 2 * np.pi, 8, endpoint=False) + 0.3
    angles_test = np.linspace(0, 2 * np.pi, 120)
    X, Xs = _circle(angles_train), _circle(angles_test)
    y = np.sin(2 * angles_train) + 0.5 * np.cos(angles_train)
    arch = lambda width: (2,) + (width,) * depth + (1,)

    _, theta = analytic_ntk(X, depth, w_std, b_std)
    errors = np.array(repeat(lambda s: [
        np.linalg.norm(empirical_ntk(NTKMLP(arch(w), w_std, b_std, 100_000 * s + w), X) - theta)
        / np.linalg.norm(theta) for w in widths], seed, seeds))  # (seeds, widths)
    error_mean, error_sd = mean_sd(errors)
    slope = float(np.polyfit(np.log(widths), np.log(error_mean), 1)[0])

    eta = 1.0 / np.linalg.eigvalsh(theta).max()
    _, theta_test = analytic_ntk(Xs, depth, w_std, b_std, X2=X)
    decay = np.eye(len(y)) - eta * theta
    ntk = theta_test @ np.linalg.solve(theta, y - np.linalg.matrix_power(decay, steps) @ y)
    kernel = theta_test @ np.linalg.solve(theta, y)
    nets = np.array(repeat(lambda s: trained_net(NTKMLP(arch(train_width), w_std, b_std, s), X, Xs,
                                                  y, eta, steps), seed, seeds))
    net, net_sd = mean_sd(nets)
    rel = np.linalg.norm(nets - ntk, axis=1) / np.linalg.norm(ntk)
    return NtkResult(list(widths), error_mean.tolist(), error_sd.tolist(), slope, angles_test,
                     angles_train, y, net, ntk, kernel, float(rel.mean()), train_width, steps,
                     net_sd, seeds)


def trained_net(model, X, Xs, y, eta, steps):
    """f_t(Xs) - f_0(Xs) of ``model`` after ``steps`` of GD with step ``eta`` on (X, y)."""
    params = list(model.parameters())
    Xt, Xst = Tensor(X), Tensor(Xs)
    f0_train, f0_test = model(Xt).data[:, 0].copy(), model(Xst).data[:, 0].copy()
    for _ in range(steps):
        residual = model(Xt)[:, 0] - (f0_train + y)
        (0.5 * (residual * residual).sum()).backward()
        for p in params:
            p.data -= eta * p.grad.data
            p.grad = None
    return model(Xst).data[:, 0] - f0_test


def plot(result: NtkResult) -> Figure:
    fig = Figure(figsize=(12, 4.5))
    ax1, ax2 = fig.subplots(1, 2)
    w, e = np.asarray(result.widths), np.asarray(result.rel_error)
    ax1.errorbar(w, e, yerr=result.rel_error_std, fmt="o-", capsize=3,
                 label=f"measured: mean ± sd over {result.seeds} seeds")
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
             label=f"net of width {result.train_width} trained by GD"
             + (f" (mean of {result.seeds} seeds)" if result.seeds > 1 else ""))
    if result.seeds > 1:
        ax2.fill_between(result.angles_test, result.net_prediction - result.net_prediction_sd,
                         result.net_prediction + result.net_prediction_sd, color="C1", alpha=0.25,
                         label=f"± sd over {result.seeds} seeds")
    ax2.plot(result.angles_train, result.y_train, "o", color="C0", label="training data")
    ax2.set_xlabel("angle of x on the circle")
    ax2.set_ylabel("f(x)")
    ax2.set_title(f"Wide net vs NTK prediction: relative error {result.prediction_rel_error:.3f}")
    ax2.legend(fontsize=8)
    fig.tight_layout()
    return fig
