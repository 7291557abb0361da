import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import double_descent


def test_min_norm_least_squares_is_the_pseudoinverse():
    rng = np.random.default_rng(0)
    for shape in [(20, 7), (7, 20), (10, 10)]:
        Phi, Y = rng.standard_normal(shape), rng.standard_normal((shape[0], 3))
        beta, s = double_descent.min_norm_least_squares(Phi, Y)
        np.testing.assert_allclose(beta, np.linalg.pinv(Phi) @ Y, atol=1e-8)
        np.testing.assert_allclose(s, np.linalg.svd(Phi, compute_uv=False), rtol=1e-10)


def test_quick_run_peaks_at_the_interpolation_threshold():
    result = double_descent.run(quick=True)
    n, N = result.n_train, result.n_features
    for kind in double_descent.KINDS:
        assert result.peak_n_features[kind] == n == result.interpolation_threshold[kind]
        assert N[np.argmax(result.norm[kind])] == n
        test = result.test_error[kind]
        # interpolation beyond the threshold, and a second descent below the first
        assert np.all(result.train_error[kind][N >= n] < 1e-12)
        assert test[-1] < test[N < n].min()
        assert test.max() > 10 * test[-1]
    assert isinstance(double_descent.plot(result), matplotlib.figure.Figure)
