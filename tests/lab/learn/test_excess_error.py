"""Excess error decomposition: E_app by closed form vs quad, h_n vs scikit-learn, E_est vs sigma^2 (k+1)/n."""
import numpy as np
from sklearn.linear_model import LinearRegression

from deepgrad.lab.learn import excess_error as ee


def test_terms_against_their_oracles_and_sgd_wins_at_equal_compute():
    r = ee.run(quick=True)
    assert r.e_app_quadrature_vs_quad < 1e-12 and r.e_app > 1e-3
    # the estimation error of least squares: E[R(h_n) - R(h_F)] ~ sigma^2 (k + 1) / n
    for method, n in (("batch", r.budgets[1:] // r.batch_steps), ("sgd", r.budgets[1:])):
        ratio = r.e_est[method][1:] / (r.sigma ** 2 * (r.degree + 1) / n)
        assert np.all((ratio > 0.4) & (ratio < 2.5)), (method, ratio)
    assert np.all(r.excess["sgd"] < r.excess["batch"])     # Bottou & Bousquet's large-scale regime
    assert ee.plot(r).axes


def test_exact_risk_and_empirical_minimiser_against_scipy_and_sklearn():
    from numpy.polynomial import legendre
    from scipy.integrate import quad

    c = np.array([0.3, -1.0, 0.2, 0.7])
    h = legendre.Legendre(c)
    expected = quad(lambda x: 0.5 * (h(x) - ee.bayes(x)) ** 2, -1, 1, limit=200)[0]
    assert abs(ee.risk_gap(c) - expected) < 1e-12
    x, y = ee.sample(300, 0.5, np.random.default_rng(0))
    Phi = ee.features(x, 3)
    gd = ee.batch_gd(Phi, y, 2000)   # run to convergence it reaches the least-squares fit
    np.testing.assert_allclose(gd, LinearRegression(fit_intercept=False).fit(Phi, y).coef_,
                               atol=1e-4)
