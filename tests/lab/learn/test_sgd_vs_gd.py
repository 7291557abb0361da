import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import sgd_vs_gd


def test_quick_run_unbiased_gradients_and_noise_floor():
    result = sgd_vs_gd.run(quick=True)
    assert result.unbiased_max_abs_error < 1e-12
    # batch GD with a small step decreases the loss at every step; SGD does not
    def loss(path):
        return [sgd_vs_gd.full_loss(p, result.x, result.y) for p in path]
    assert np.all(np.diff(loss(result.paths["GD"])) < 0)
    assert np.any(np.diff(loss(result.paths["SGD B=1"])) > 0)
    # noise floor: first order in the step, gamma tr(C) / 4 at small steps
    floor, theory = result.noise_floor, result.noise_floor_theory
    np.testing.assert_allclose(floor[:2], theory[:2], rtol=0.15)
    slope = np.polyfit(np.log(result.learning_rates), np.log(floor), 1)[0]
    assert 0.85 < slope < 1.2
    assert isinstance(sgd_vs_gd.plot(result), matplotlib.figure.Figure)
