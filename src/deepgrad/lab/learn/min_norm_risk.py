"""Risk of minimum-norm least squares: the double-descent curve in closed form.

Lecture topic: implicit regularisation and double descent (UBC CPSC 440 deep-learning review;
Lawrence, "Double Descent"). Papers: Belkin, Hsu & Xu (2020), "Two models of double descent for
weak features"; Hastie, Montanari, Rosset & Tibshirani (2022), "Surprises in high-dimensional
ridgeless least squares interpolation".

Model: x ~ N(0, I_d), y = x^T beta + eps with eps ~ N(0, sigma^2) and ||beta|| = 1. From n
examples the least-squares estimate of minimum norm is beta_hat = X^+ y (what gradient descent from
0 converges to; see `implicit_regularization`). Its risk on a fresh example is

    R = E[(y - x^T beta_hat)^2] = E||beta_hat - beta||^2 + sigma^2,

and, by the moments of the (inverse) Wishart distribution,

    d < n - 1:  R = sigma^2 (1 + d / (n - d - 1))
    d > n + 1:  R = ||beta||^2 (1 - n/d) + sigma^2 (1 + n / (d - n - 1)).

Below n the estimator is unbiased and only the noise is amplified; above n the part of beta
outside the row space of X is lost (the bias term) while the noise is spread over d > n
directions. The risk is infinite at d = n (the interpolation threshold) and falls again beyond it.

The experiment measures R by Monte Carlo over `trials` draws of (X, beta, eps) and reports how
many standard errors the mean lies from the closed form at each d/n (`max_standard_errors`).
The grid skips 0.8 < d/n < 1.25, where the risk's variance is infinite or nearly so and a
standard error means little.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np

from deepgrad.lab.repeats import mean_sd, repeat


@dataclass
class MinNormRiskResult:
    n_train: int
    sigma: float
    dims: np.ndarray            # d for each grid point
    risk_mean: np.ndarray       # Monte Carlo mean of R
    risk_stderr: np.ndarray     # its standard error
    risk_theory: np.ndarray     # the closed form
    standard_errors: np.ndarray  # (mean - theory) / stderr
    max_standard_errors: float
    risk_sd: np.ndarray         # sample sd over seeds of each seed's Monte Carlo mean
    seeds: int                  # repeats (seed, seed+1, ...), pooled into risk_mean


def theory_risk(n, d, sigma, beta_norm2=1.0):
    """Closed-form risk of minimum-norm least squares under an isotropic Gaussian design."""
    if d < n - 1:
        return sigma**2 * (1 + d / (n - d - 1))
    if d > n + 1:
        return beta_norm2 * (1 - n / d) + sigma**2 * (1 + n / (d - n - 1))
    return np.inf


def min_norm_solution(X, y):
    """beta_hat = X^+ y for a stack of full-rank designs X (T, n, d) and targets y (T, n).

    Solved through the normal equations of whichever side is smaller:
    (X^T X)^{-1} X^T y when d < n, and X^T (X X^T)^{-1} y when d > n.
    """
    Xt = np.swapaxes(X, 1, 2)
    if X.shape[2] < X.shape[1]:
        return np.linalg.solve(Xt @ X, (Xt @ y[..., None]))[..., 0]
    return (Xt @ np.linalg.solve(X @ Xt, y[..., None]))[..., 0]


def measured_risk(n, d, trials, sigma, rng):
    """R = ||beta_hat - beta||^2 + sigma^2 for `trials` independent draws (exact given beta_hat)."""
    X = rng.standard_normal((trials, n, d))
    beta = rng.standard_normal((trials, d))
    beta /= np.linalg.norm(beta, axis=1, keepdims=True)
    y = (X @ beta[..., None])[..., 0] + sigma * rng.standard_normal((trials, n))
    beta_hat = min_norm_solution(X, y)
    return ((beta_hat - beta) ** 2).sum(axis=1) + sigma**2


def run(*, quick: bool = False, seed: int = 0, n_train: int = 0, trials: int = 0,
        sigma: float = 0.5,
        ratios: tuple = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.25, 1.5, 2.0, 3.0, 4.0, 6.0),
        seeds: int = 1) -> MinNormRiskResult:
    """Monte Carlo risk at d = ratio * n for each ratio, against the closed form; ``seeds``
    repeats it for seeds seed..seed+seeds-1, the trials of all repeats pooled into the mean."""
    n = n_train or (40 if quick else 100)
    trials = trials or (200 if quick else 1000)
    dims = np.array([round(r * n) for r in ratios])

    def one_seed(s):
        rng = np.random.default_rng(s)
        return [measured_risk(n, d, trials, sigma, rng) for d in dims]

    draws = np.array(repeat(one_seed, seed, seeds))  # (seeds, dims, trials)
    pooled = np.moveaxis(draws, 1, 0).reshape(len(dims), -1)
    mean = pooled.mean(axis=1)
    stderr = pooled.std(axis=1, ddof=1) / np.sqrt(pooled.shape[1])
    theory = np.array([theory_risk(n, d, sigma) for d in dims])
    risk_sd = mean_sd(draws.mean(axis=2))[1]
    z = (mean - theory) / stderr
    return MinNormRiskResult(n_train=n, sigma=sigma, dims=dims, risk_mean=mean,
                             risk_stderr=stderr, risk_theory=theory, standard_errors=z,
                             max_standard_errors=float(np.abs(z).max()), risk_sd=risk_sd,
                             seeds=seeds)


def plot(result: MinNormRiskResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    n, sigma = result.n_train, result.sigma
    gamma = np.concatenate([np.linspace(0.02, 0.97, 200), np.linspace(1.03, 6.5, 300)])
    curve = [theory_risk(n, g * n, sigma) if abs(g * n - n) > 1 else np.nan for g in gamma]
    ax.plot(gamma, curve, color="k", lw=1.5, label="closed form")
    ax.errorbar(result.dims / n, result.risk_mean, yerr=2 * result.risk_stderr, fmt="o",
                color="C1", capsize=3, label="Monte Carlo mean ± 2 s.e.")
    if result.seeds > 1:
        ax.fill_between(result.dims / n, result.risk_mean - result.risk_sd,
                        result.risk_mean + result.risk_sd, color="C1", alpha=0.2,
                        label=f"± sd of the mean over {result.seeds} seeds")
    ax.axvline(1.0, color="grey", ls=":", lw=1)
    ax.axhline(sigma**2, color="grey", ls="--", lw=1, label=r"noise $\sigma^2$")
    ax.set_ylim(0, 4 * max(1.0, sigma**2))
    ax.set_xlabel("d / n  (features per training example)")
    ax.set_ylabel("test risk  E[(y - x$^T\\hat\\beta$)$^2$]")
    ax.set_title(f"Minimum-norm least squares, n = {n}: "
                 f"max |mean - theory| = {result.max_standard_errors:.1f} s.e.")
    ax.legend()
    return fig
