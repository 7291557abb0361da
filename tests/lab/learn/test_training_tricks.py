"""Training tricks: the engine's Hessian conditioning vs eigvalsh, ZCA vs scipy's sqrtm, Bottou's trick."""
import numpy as np
from scipy.linalg import sqrtm

from deepgrad.lab.learn import training_tricks as tt


def test_zca_is_the_inverse_square_root_of_the_covariance():
    X, _ = tt.data(500, 1)
    Xc = X - X.mean(0)
    C = Xc.T @ Xc / len(X)
    np.testing.assert_allclose(tt.preprocess(X, "zca"), Xc @ np.linalg.inv(sqrtm(C).real),
                               atol=1e-8)
    np.testing.assert_allclose(np.cov(tt.preprocess(X, "pca"), rowvar=False, bias=True),
                               np.eye(6), atol=1e-10)


def test_whitening_conditions_the_hessian_and_the_subsample_picks_the_step():
    r = tt.run(quick=True)
    for kind in tt.PREPROCESSING:
        assert np.isclose(r.condition[kind], r.condition_closed[kind], rtol=1e-6)
    assert r.condition["raw"] > r.condition["centred"] > 100 * r.condition["zca"]
    assert np.isclose(r.condition["zca"], 1.0) and np.isclose(r.condition["pca"], 1.0)
    assert r.gd_steps["zca"] <= 2 and r.gd_steps["centred"] > 1000
    i, j = list(r.lrs).index(r.chosen_lr), list(r.lrs).index(r.best_lr)
    assert abs(i - j) <= 1 and r.full_loss[i] < 1.5 * r.full_loss[j]
    assert tt.plot(r).axes
