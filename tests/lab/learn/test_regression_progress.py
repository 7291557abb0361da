"""Regression progress: the final fit sits just above the lstsq output layer and matches MLPRegressor."""
import numpy as np

from deepgrad.lab.learn import regression_progress


def test_final_fit_against_least_squares_and_sklearn():
    r = regression_progress.run(quick=True)
    # lstsq on the final hidden features is a lower bound no output layer can beat
    assert r.lstsq_mse <= r.final_mse <= 3 * r.lstsq_mse
    assert r.final_mse <= 1.5 * r.sklearn_mse      # scikit-learn's same net, same Adam budget
    assert r.final_mse < 2 * 0.1 ** 2              # within twice the noise variance
    assert r.snapshot_mse[0] > 10 * r.final_mse    # the early fit is far from it
    assert np.isclose(r.snapshot_mse[-1], r.final_mse, rtol=0.05)   # the last snapshot is the net
    assert regression_progress.plot(r).axes
