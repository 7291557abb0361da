import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import gd_dynamics


def test_quick_run_threshold_is_two_over_lambda_max():
    result = gd_dynamics.run(quick=True)
    lam_max = np.linalg.eigvalsh(result.A).max()           # oracle: NumPy, not the engine
    assert abs(result.lr_threshold - 2 / lam_max) < 1e-10
    assert result.converged_below and result.diverged_above
    below = result.sweep_lr_ratio < 0.999
    above = result.sweep_lr_ratio > 1.001
    assert np.all(result.sweep_final_ratio[below] < 1)
    assert np.all(result.sweep_final_ratio[above] > 1)
    assert isinstance(gd_dynamics.plot(result), matplotlib.figure.Figure)


def test_quick_run_lecture_frames():
    result = gd_dynamics.run(quick=True)
    local, global_, diverged = (p[-1] for p in result.paths_1d)
    # minima of theta^4 - 3 theta^2 + theta: roots of 4 theta^3 - 6 theta + 1
    roots = np.sort(np.roots([4, 0, -6, 1]).real)
    assert abs(local - roots[2]) < 1e-3 and abs(global_ - roots[0]) < 1e-3
    assert abs(diverged) > 10
    assert gd_dynamics.loss_1d(global_) < gd_dynamics.loss_1d(local)
    assert np.abs(result.paths_2d[2][-1]).max() > 10
