import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import bias_variance


def test_decompose_is_an_exact_identity():
    rng = np.random.default_rng(0)
    predictions, truth = rng.standard_normal((30, 7)), rng.standard_normal(7)
    bias2, variance = bias_variance.decompose(predictions, truth)
    np.testing.assert_allclose(bias2 + variance, ((predictions - truth) ** 2).mean(axis=0),
                               rtol=1e-12)


def test_fit_polynomials_matches_polyfit():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, 1, (2, 12)), rng.standard_normal((2, 12))
    xt = np.linspace(0, 1, 9)
    pred = bias_variance.fit_polynomials(x, y, 4, xt)
    for r in range(2):
        np.testing.assert_allclose(pred[r], np.polyval(np.polyfit(x[r], y[r], 4), xt), atol=1e-8)


def test_quick_run_sum_matches_measured_error_and_draws_a_u_curve():
    result = bias_variance.run(quick=True)
    assert result.decomposition_max_standard_errors < 3
    assert result.decomposition_max_gap < 0.03
    # U-curve: bias falls and variance grows with the degree; the best degree is in between
    assert result.bias2[0] > 10 * result.bias2[result.best_degree]
    assert result.variance[-1] > 10 * result.variance[result.best_degree]
    assert 0 < result.best_degree < result.degrees[-1]
    assert isinstance(bias_variance.plot(result), matplotlib.figure.Figure)
