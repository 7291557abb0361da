"""Batch gradient descent vs stochastic gradient descent: paths, unbiasedness and the noise floor.

Lecture topic: stochastic gradient descent (Louppe, lecture 2: "averaging the update over all
choices i(t+1) restores batch gradient descent"; the batch vs stochastic figures; Lawrence,
"batch size affects gradient noise"). Papers: Robbins & Monro (1951), "A stochastic approximation
method"; Bottou, Curtis & Nocedal (2018), "Optimization methods for large-scale machine learning".

Problem: linear regression with two parameters theta = (a, b), per-example loss
l_i(theta) = 1/2 (a x_i + b - y_i)^2 and L = (1/N) sum_i l_i. Updates:

    batch GD:   theta_{t+1} = theta_t - gamma grad L(theta_t)
    SGD:        theta_{t+1} = theta_t - gamma (1/B) sum_{i in batch_t} grad l_i(theta_t)

(1) Unbiasedness: the per-example gradients grad l_i, computed at once with
vmap(grad(l), in_axes=(None, 0, 0)), average exactly to grad L (`unbiased_max_abs_error`).
(2) Paths of GD, minibatch SGD and SGD (B = 1) on the loss contours.
(3) Noise floor: with a constant step SGD does not converge but hovers around theta*; for a
quadratic loss with Hessian H and gradient-noise covariance C at theta* (the covariance of the
per-example gradients, again from vmap), the stationary covariance S solves
H S + S H = gamma C + O(gamma^2), so the excess loss is E[L - L*] = tr(H S) / 2 = gamma tr(C) / 4
to first order in gamma (`noise_floor` measured, `noise_floor_theory`). Many SGD chains run side
by side: their parameters are the rows of one tensor and one gradient call moves them all.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np

import deepgrad as dg


@dataclass
class SgdVsGdResult:
    unbiased_max_abs_error: float    # max |mean_i grad l_i - grad L|
    theta_star: np.ndarray
    paths: dict                      # "GD", "SGD B=10", "SGD B=1" -> (steps + 1, 2)
    learning_rates: np.ndarray
    noise_floor: np.ndarray          # measured stationary E[L - L*] per learning rate (B = 1)
    noise_floor_stderr: np.ndarray
    noise_floor_theory: np.ndarray   # gamma tr(C) / 4
    x: np.ndarray
    y: np.ndarray


def example_loss(theta, x, y):
    """l(theta; x, y) = 1/2 (a x + b - y)^2 for theta = (a, b); a sum over rows if batched."""
    r = theta[..., 0] * x + theta[..., 1] - y
    return 0.5 * (r * r).sum()


def full_loss(theta, x, y):
    return example_loss(theta, x, y) / len(x)


def sgd_chains(theta0, x, y, lrs, batch, steps, rng):
    """Run one SGD chain per entry of lrs (rows of theta) for `steps`; returns (steps+1, R, 2)."""
    xt, yt = dg.tensor(x), dg.tensor(y)
    grad = dg.grad(lambda th, i: example_loss(th[:, None, :], xt[i], yt[i]) / batch)
    theta = np.array(theta0, dtype=np.float64)
    path = [theta]
    for _ in range(steps):
        idx = rng.integers(0, len(x), (len(theta), batch))
        theta = theta - lrs[:, None] * grad(dg.tensor(theta), idx).data
        path.append(theta)
    return np.array(path)


def run(*, quick: bool = False, seed: int = 0, n: int = 100, path_steps: int = 60,
        path_lr: float = 0.2, learning_rates: tuple = (0.005, 0.01, 0.02, 0.04),
        chains: int = 0, floor_steps: int = 0) -> SgdVsGdResult:
    """chains / floor_steps = 0: 50 / 1,500 when quick, else 200 / 4,000."""
    chains = chains or (50 if quick else 200)
    floor_steps = floor_steps or (1500 if quick else 4000)
    rng = np.random.default_rng(seed)
    x = 1.0 + rng.standard_normal(n)
    y = 2.0 * x - 1.0 + 0.5 * rng.standard_normal(n)
    A = np.stack([x, np.ones(n)], axis=1)
    theta_star = np.linalg.lstsq(A, y, rcond=None)[0]
    H = A.T @ A / n
    # (1) per-example gradients at a point away from the optimum
    theta = dg.tensor(np.array([-1.0, 2.0]))
    per_example = dg.vmap(dg.grad(example_loss), in_axes=(None, 0, 0))(
        theta, dg.tensor(x), dg.tensor(y)).data
    full = dg.grad(full_loss)(theta, dg.tensor(x), dg.tensor(y)).data
    error = np.abs(per_example.mean(axis=0) - full).max()
    # gradient-noise covariance at the optimum, from the same per-example gradients
    g_star = dg.vmap(dg.grad(example_loss), in_axes=(None, 0, 0))(
        dg.tensor(theta_star), dg.tensor(x), dg.tensor(y)).data
    C = np.cov(g_star.T, bias=True)
    # (2) paths from one start
    start = np.array([[-1.0, 2.0]])
    gd = [start[0]]
    for _ in range(path_steps):
        gd.append(gd[-1] - path_lr * dg.grad(full_loss)(dg.tensor(gd[-1]), dg.tensor(x),
                                                          dg.tensor(y)).data)
    paths = {"GD": np.array(gd)}
    for B in (10, 1):
        paths[f"SGD B={B}"] = sgd_chains(start, x, y, np.array([path_lr]), B, path_steps, rng)[:, 0]
    # (3) noise floor of constant-step SGD, many chains per learning rate, started at theta*
    lrs = np.repeat(np.array(learning_rates), chains)
    traj = sgd_chains(np.tile(theta_star, (len(lrs), 1)), x, y, lrs, 1, floor_steps, rng)
    d = traj[floor_steps // 2:] - theta_star                    # second half: stationary
    excess = 0.5 * np.einsum("tri,ij,trj->tr", d, H, d)
    per_chain = excess.mean(axis=0).reshape(len(learning_rates), chains)
    return SgdVsGdResult(
        unbiased_max_abs_error=float(error), theta_star=theta_star, paths=paths,
        learning_rates=np.array(learning_rates), noise_floor=per_chain.mean(axis=1),
        noise_floor_stderr=per_chain.std(axis=1, ddof=1) / np.sqrt(chains),
        noise_floor_theory=np.array(learning_rates) * np.trace(C) / 4, x=x, y=y)


def plot(result: SgdVsGdResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(14, 4.5), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    a, b = np.meshgrid(np.linspace(-1.5, 3.5, 200), np.linspace(-2.5, 2.5, 200))
    r = a[..., None] * result.x + b[..., None] - result.y
    ax1.contour(a, b, 0.5 * (r * r).mean(axis=-1), levels=np.geomspace(0.13, 20, 20),
                colors="grey", linewidths=0.5)
    for name, path in result.paths.items():
        ax1.plot(path[:, 0], path[:, 1], ".-", ms=3, lw=0.8, label=name)
    ax1.plot(*result.theta_star, "k*", ms=12, label=r"$\theta^*$")
    ax1.set_xlabel("a (slope)")
    ax1.set_ylabel("b (intercept)")
    ax1.set_title(f"paths; per-example gradients average to the full one "
                  f"(max error {result.unbiased_max_abs_error:.1e})", fontsize=10)
    ax1.legend(fontsize=8)
    lr = result.learning_rates
    ax2.errorbar(lr, result.noise_floor, yerr=2 * result.noise_floor_stderr, fmt="o",
                 capsize=3, label="SGD (B = 1), measured")
    ax2.plot(lr, result.noise_floor_theory, "k--", label=r"$\gamma\,\mathrm{tr}(C)/4$")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel(r"constant step $\gamma$")
    ax2.set_ylabel(r"stationary $E[L(\theta_t) - L^*]$")
    ax2.set_title("the noise floor of constant-step SGD grows with the step", fontsize=10)
    ax2.legend(fontsize=8)
    return fig
