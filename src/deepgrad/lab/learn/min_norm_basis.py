"""Minimum-norm interpolation depends on the basis: Legendre against monomials, degree 25.

Lecture: UBC CPSC 440 review, "Many global minima: degree 25" (the figure with "min-norm,
Legendre basis" against "min-norm, Vandermonde basis") and "Extreme overparameterization:
degree 1000". Paper: Belkin, Hsu, Ma & Mandal (2019), "Reconciling modern machine-learning
practice and the classical bias-variance trade-off".

n noisy samples of f(x) = sin(pi x) on [-1, 1]; a polynomial of degree p > n - 1 interpolates them
in infinitely many ways. Gradient descent from zero (any basis) picks the coefficient vector of
least Euclidean norm, beta = Phi^+ y, and that choice depends on the basis the coefficients are
written in: with Phi_ij = P_j(x_i) (Legendre, nearly orthogonal on [-1, 1]) the interpolant is
smooth; with Phi_ij = x_i^j (monomials) the same rule gives another polynomial, because the
monomials' Gram matrix on [-1, 1] is far from the identity. Both fit the samples exactly; their
test errors on a dense grid differ. Fits use np.linalg.lstsq (its solution is the minimum-norm
one); the tests check it against the pseudo-inverse and the row-space characterisation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import legendre

BASES = ("legendre", "monomial")


@dataclass
class MinNormBasisResult:
    n_samples: int
    degree: int                  # the degree drawn in the figure
    x_train: np.ndarray
    y_train: np.ndarray
    x_grid: np.ndarray
    truth: np.ndarray            # f on the grid
    fit: dict                    # basis -> the min-norm interpolant of `degree` on the grid
    train_residual: dict         # basis -> max |Phi beta - y| at `degree`
    test_error: dict             # basis -> mean squared error on the grid at `degree`
    degrees: np.ndarray          # the degree sweep
    test_error_by_degree: dict   # basis -> test MSE per degree


def design(basis: str, x: np.ndarray, degree: int) -> np.ndarray:
    """Phi (len(x), degree + 1): Legendre P_0..P_degree or monomials 1, x, .., x^degree."""
    if basis == "legendre":
        return legendre.legvander(x, degree)
    if basis == "monomial":
        return np.vander(x, degree + 1, increasing=True)
    raise ValueError(f"unknown basis {basis!r}; known: {', '.join(BASES)}")


def min_norm_fit(basis: str, x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """beta = argmin ||beta|| among least-squares solutions of Phi beta = y (lstsq)."""
    return np.linalg.lstsq(design(basis, x, degree), y, rcond=None)[0]


def run(*, quick: bool = False, seed: int = 0, n_samples: int = 12, degree: int = 25,
        noise: float = 0.1, max_degree: int = 0) -> MinNormBasisResult:
    """max_degree = 0: a sweep up to 40 when quick, else 200."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-1, 1, n_samples))
    y = np.sin(np.pi * x) + noise * rng.standard_normal(n_samples)
    grid = np.linspace(-1, 1, 1001)
    truth = np.sin(np.pi * grid)
    fits, residual, error = {}, {}, {}
    for basis in BASES:
        beta = min_norm_fit(basis, x, y, degree)
        fits[basis] = design(basis, grid, degree) @ beta
        residual[basis] = float(np.abs(design(basis, x, degree) @ beta - y).max())
        error[basis] = float(np.mean((fits[basis] - truth) ** 2))
    top = max_degree or (40 if quick else 200)
    degrees = np.unique(np.r_[np.arange(1, min(top, 30) + 1), np.geomspace(30, top, 12).astype(int)])
    sweep = {basis: np.array([np.mean((design(basis, grid, p) @ min_norm_fit(basis, x, y, p)
                                       - truth) ** 2) for p in degrees]) for basis in BASES}
    return MinNormBasisResult(
        n_samples=n_samples, degree=degree, x_train=x, y_train=y, x_grid=grid, truth=truth,
        fit=fits, train_residual=residual, test_error=error, degrees=degrees,
        test_error_by_degree=sweep)


def plot(result: MinNormBasisResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(result.x_grid, result.truth, "k--", label="ground truth $\\sin(\\pi x)$")
    for basis in BASES:
        ax1.plot(result.x_grid, result.fit[basis],
                 label=f"min-norm, {basis} basis (test MSE {result.test_error[basis]:.3g})")
    ax1.plot(result.x_train, result.y_train, "ko", label="samples")
    spread = np.abs(result.y_train).max()
    ax1.set(xlabel="x", ylabel="y", ylim=(-3 * spread, 3 * spread),
            title=f"degree {result.degree}, n = {result.n_samples}: both interpolate")
    ax1.legend(fontsize=8)
    for basis in BASES:
        ax2.loglog(result.degrees, result.test_error_by_degree[basis], "o-", ms=3, label=basis)
    ax2.axvline(result.n_samples - 1, color="grey", ls=":", label="degree n - 1")
    ax2.set(xlabel="polynomial degree p", ylabel="test mean squared error",
            title="min-norm interpolants against degree")
    ax2.legend(fontsize=8)
    return fig
