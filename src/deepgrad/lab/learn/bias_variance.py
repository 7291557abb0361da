"""Bias-variance decomposition of polynomial regression: the classical U-curve.

Lecture topic: generalisation error and its decomposition (Lawrence, deep-architecture notes:
"bias[f*(x)]^2 + variance[f*(x)] + sigma^2"; Louppe, lecture 2, under- and over-fitting). Papers:
Geman, Bienenstock & Doursat (1992), "Neural networks and the bias/variance dilemma"; Belkin, Hsu,
Ma & Mandal (2019), "Reconciling modern machine-learning practice and the classical bias-variance
trade-off".

Data: y = f(x) + eps with f(x) = sin(2 pi x), x ~ U[0, 1], eps ~ N(0, sigma^2). A training set D
of n examples is drawn `datasets` times; on each a polynomial f_D of degree k is fitted by least
squares (in the Legendre basis on [-1, 1], which keeps the fit well conditioned). At each test
point x, with E_D the average over training sets,

    E_D,eps[(y - f_D(x))^2] = (E_D[f_D(x)] - f(x))^2  +  E_D[(f_D(x) - E_D[f_D(x)])^2]  +  sigma^2
                            =        bias^2           +          variance             +  noise.

Bias and variance are measured from the fitted curves; the left side is measured separately
with fresh noisy targets. Averaged over test points the two sides agree up to Monte Carlo error:
`decomposition_max_gap` is the largest relative gap |error - (bias^2 + variance + noise)| / error
over the degrees, `decomposition_max_standard_errors` the same gap in standard errors of the
average over training sets of the terms that make it (eps^2 - sigma^2 + 2 eps (f - f_D)).
Low degrees underfit (bias), high degrees overfit (variance): the U-curve.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np

from deepgrad.lab.repeats import mean_sd, repeat


@dataclass
class BiasVarianceResult:
    degrees: np.ndarray
    bias2: np.ndarray         # per degree, averaged over test points
    variance: np.ndarray
    noise: float              # sigma^2
    test_error: np.ndarray    # measured E[(y - f_D(x))^2] with fresh noisy targets
    decomposition_max_gap: float
    decomposition_max_standard_errors: float  # the same gap in Monte Carlo standard errors
    best_degree: int          # degree with the smallest measured test error
    n_train: int
    x_test: np.ndarray
    mean_fit: np.ndarray      # E_D[f_D(x_test)] per degree, (degrees, test points)
    example_fits: np.ndarray  # a few f_D(x_test) per degree, (degrees, examples, test points)
    bias2_sd: np.ndarray      # sample sd over seeds of bias^2, variance and the test error
    variance_sd: np.ndarray
    test_error_sd: np.ndarray
    seeds: int                # repeats (seed, seed+1, ...); the curves are their means


def target(x):
    return np.sin(2 * np.pi * x)


def decompose(predictions, truth):
    """bias^2 and variance per test point from predictions (datasets, points) and f(x) (points).

    With variance taken over datasets (ddof = 0), bias^2 + variance equals the mean over datasets
    of (f(x) - f_D(x))^2 exactly, point by point.
    """
    mean = predictions.mean(axis=0)
    return (mean - truth) ** 2, predictions.var(axis=0)


def fit_polynomials(x, y, degree, x_test):
    """Least-squares polynomial fits of one degree to a stack of training sets x, y (R, n).

    Returns predictions at x_test, (R, len(x_test)).
    """
    V = np.polynomial.legendre.legvander(2 * x - 1, degree)           # (R, n, k+1)
    coef = (np.linalg.pinv(V) @ y[..., None])[..., 0]                  # (R, k+1)
    return coef @ np.polynomial.legendre.legvander(2 * x_test - 1, degree).T


def run(*, quick: bool = False, seed: int = 0, n_train: int = 50, max_degree: int = 15,
        sigma: float = 0.3, datasets: int = 0, test_points: int = 200,
        seeds: int = 1) -> BiasVarianceResult:
    """Fit degrees 0..max_degree on `datasets` training sets (200 if quick, else 2000); ``seeds``
    repeats the whole decomposition for seeds seed..seed+seeds-1 (mean and sample sd)."""
    R = datasets or (200 if quick else 2000)
    x_test = np.linspace(0, 1, test_points)
    degrees = np.arange(max_degree + 1)
    runs = repeat(lambda s: one_seed(s, R, n_train, degrees, sigma, x_test), seed, seeds)
    (bias2, bias2_sd), (variance, variance_sd), (error, error_sd) = (
        mean_sd([r[k] for r in runs]) for k in range(3))
    stderr = np.sqrt(sum(r[3] ** 2 for r in runs)) / len(runs)  # of the mean over seeds
    gap = np.abs(error - (bias2 + variance + sigma**2))
    return BiasVarianceResult(degrees=degrees, bias2=bias2, variance=variance, noise=sigma**2,
                              test_error=error, decomposition_max_gap=float((gap / error).max()),
                              decomposition_max_standard_errors=float((gap / stderr).max()),
                              best_degree=int(degrees[np.argmin(error)]), n_train=n_train,
                              x_test=x_test, mean_fit=np.mean([r[4] for r in runs], axis=0),
                              example_fits=runs[0][5], bias2_sd=bias2_sd, variance_sd=variance_sd,
                              test_error_sd=error_sd, seeds=seeds)


def one_seed(seed, R, n_train, degrees, sigma, x_test):
    """One seed's bias^2, variance, test error, the gap's standard error, mean fit and examples."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (R, n_train))
    y = target(x) + sigma * rng.standard_normal((R, n_train))
    y_test = target(x_test) + sigma * rng.standard_normal((R, len(x_test)))  # fresh noise per D
    bias2, variance, error, stderr, mean_fit, examples = [], [], [], [], [], []
    for k in degrees:
        pred = fit_polynomials(x, y, k, x_test)
        b2, var = decompose(pred, target(x_test))
        bias2.append(b2.mean())
        variance.append(var.mean())
        error.append(((y_test - pred) ** 2).mean())
        # the gap is an average over D of iid zero-mean terms: eps^2 - sigma^2 + 2 eps (f - f_D)
        residual = (y_test - target(x_test)) ** 2 - sigma**2 + 2 * (y_test - target(x_test)) * (
            target(x_test) - pred)
        stderr.append(residual.mean(axis=1).std(ddof=1) / np.sqrt(R))
        mean_fit.append(pred.mean(axis=0))
        examples.append(pred[:5])
    return tuple(map(np.array, (bias2, variance, error, stderr, mean_fit, examples)))


def plot(result: BiasVarianceResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(16, 4), layout="constrained")
    axes = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1.5, 1, 1, 1]})
    ax, k = axes[0], result.degrees
    ax.semilogy(k, result.bias2, "o-", label="bias$^2$")
    ax.semilogy(k, result.variance, "s-", label="variance")
    ax.semilogy(k, np.full(k.shape, result.noise), "--", color="grey", label=r"noise $\sigma^2$")
    ax.semilogy(k, result.bias2 + result.variance + result.noise, "-", color="k", lw=4, alpha=0.3,
                label="bias$^2$ + variance + noise")
    ax.semilogy(k, result.test_error, "x", color="C3", ms=8, mew=2, label="measured test error")
    if result.seeds > 1:
        for m, sd, c, name in ((result.bias2, result.bias2_sd, "C0", "bias$^2$"),
                               (result.variance, result.variance_sd, "C1", "variance"),
                               (result.test_error, result.test_error_sd, "C3", "test error")):
            ax.fill_between(k, np.maximum(m - sd, 1e-6), m + sd, color=c, alpha=0.2,
                            label=f"{name} ± sd over {result.seeds} seeds")
    ax.set_ylim(1e-4, 3 * result.test_error.max())
    ax.set_xlabel("polynomial degree")
    ax.set_ylabel("squared error")
    ax.set_title(f"n = {result.n_train}: the sum matches the error "
                 f"to {100 * result.decomposition_max_gap:.2f}%", fontsize=10)
    ax.legend(fontsize=8)
    for ax, degree in zip(axes[1:], (1, result.best_degree, int(k[-1]))):
        ax.plot(result.x_test, target(result.x_test), color="k", lw=2, label="f(x)")
        for j, fit in enumerate(result.example_fits[degree]):
            ax.plot(result.x_test, fit, color="C0", alpha=0.5, lw=1,
                    label="fits on resampled D" if j == 0 else None)
        ax.plot(result.x_test, result.mean_fit[degree], color="C3", lw=2, label="$E_D[f_D(x)]$")
        ax.set_ylim(-2, 2)
        ax.set_title(f"degree {degree}")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x) and fits $f_D(x)$")
        ax.legend(fontsize=7, loc="lower left")
    return fig
