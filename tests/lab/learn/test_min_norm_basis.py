"""Min-norm interpolation in two bases: lstsq against pinv and the row-space (KKT) condition."""
import numpy as np
import pytest
from numpy.polynomial import Legendre, Polynomial

from deepgrad.lab.learn import min_norm_basis


@pytest.mark.parametrize("basis", min_norm_basis.BASES)
def test_fit_is_the_minimum_norm_interpolator(basis):
    rng = np.random.default_rng(3)
    x, y = np.sort(rng.uniform(-1, 1, 8)), rng.standard_normal(8)
    beta = min_norm_basis.min_norm_fit(basis, x, y, 15)
    Phi = min_norm_basis.design(basis, x, 15)
    np.testing.assert_allclose(beta, np.linalg.pinv(Phi) @ y, rtol=1e-6, atol=1e-8)
    # minimum norm <=> interpolates and lies in the row space: beta = Phi^T a, Phi Phi^T a = y
    a = np.linalg.solve(Phi @ Phi.T, y)
    np.testing.assert_allclose(beta, Phi.T @ a, rtol=1e-6, atol=1e-8)
    # the design matrix is the basis NumPy's polynomial classes evaluate
    series = Legendre if basis == "legendre" else Polynomial
    np.testing.assert_allclose(Phi @ beta, series(beta)(x), rtol=1e-10, atol=1e-10)


def test_two_bases_interpolate_with_different_functions():
    r = min_norm_basis.run(quick=True)
    for basis in min_norm_basis.BASES:
        assert r.train_residual[basis] < 1e-8
    assert r.test_error["monomial"] > 100 * r.test_error["legendre"]
    assert np.abs(r.fit["legendre"] - r.fit["monomial"]).max() > 1.0
    # below the interpolation threshold the two bases span the same polynomials: same fit
    under = r.degrees < r.n_samples - 1
    np.testing.assert_allclose(r.test_error_by_degree["legendre"][under],
                               r.test_error_by_degree["monomial"][under], rtol=1e-6)
    assert min_norm_basis.plot(r).axes
