import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import min_norm_risk


def test_min_norm_solution_is_the_pseudoinverse():
    rng = np.random.default_rng(1)
    for n, d in [(10, 4), (4, 10)]:
        X = rng.standard_normal((3, n, d))
        y = rng.standard_normal((3, n))
        expected = np.einsum("tdn,tn->td", np.linalg.pinv(X), y)
        np.testing.assert_allclose(min_norm_risk.min_norm_solution(X, y), expected, atol=1e-10)


def test_quick_run_matches_closed_form_within_three_standard_errors():
    result = min_norm_risk.run(quick=True)
    assert result.max_standard_errors < 3
    assert np.all(np.isfinite(result.risk_theory))
    # the curve has its two descents: risk grows towards d = n from both sides
    below, above = result.dims < result.n_train, result.dims > result.n_train
    assert np.all(np.diff(result.risk_theory[below]) > 0)
    assert result.risk_theory[above][0] > result.risk_theory[above][1]
    assert isinstance(min_norm_risk.plot(result), matplotlib.figure.Figure)
