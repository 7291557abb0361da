import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import implicit_regularization as ir


def test_closest_interpolator_interpolates_and_is_closest():
    rng = np.random.default_rng(0)
    X, y, w0 = rng.standard_normal((5, 9)), rng.standard_normal(5), rng.standard_normal(9)
    w = ir.closest_interpolator(X, y, w0)
    np.testing.assert_allclose(X @ w, y, atol=1e-10)
    # w - w0 lies in the row space of X: orthogonal to its null space
    null = np.linalg.svd(X)[2][5:]
    np.testing.assert_allclose(null @ (w - w0), 0, atol=1e-10)


def test_quick_run_gd_reaches_pinv_formula_and_svm_direction():
    result = ir.run(quick=True)
    assert result.min_norm_rel_error < 1e-8
    assert result.closest_rel_error < 1e-8
    angle = result.svm_angle
    assert angle[-1] < 0.1
    assert angle[-1] < angle[0] / 2
    assert angle[-1] < angle[len(angle) // 2]          # still falling at the end
    assert np.all(np.diff(result.w_norm[len(angle) // 2:]) > 0)  # ||w_t|| keeps growing
    assert isinstance(ir.plot(result), matplotlib.figure.Figure)
