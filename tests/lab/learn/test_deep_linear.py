import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import deep_linear


def test_saxe_curve_solves_the_mode_ode():
    s, u0, eta = 2.0, 1e-3, 0.01
    t = np.linspace(0, 800, 4001)
    u = deep_linear.saxe_curve(s, u0, eta, t)
    assert abs(u[0] - u0) < 1e-15
    du = np.gradient(u, t)
    np.testing.assert_allclose(du, 2 * eta * u * (s - u), atol=1e-4)


def test_imbalance_of_scaled_orthogonal_weights_is_zero():
    rng = np.random.default_rng(0)
    Q = [0.7 * np.linalg.qr(rng.standard_normal((4, 4)))[0] for _ in range(3)]
    for D in deep_linear.imbalance(Q):
        np.testing.assert_allclose(D, 0, atol=1e-12)


def test_quick_run_conservation_saxe_and_rank():
    result = deep_linear.run(quick=True)
    # GD drift of the conserved quantity is first order in the learning rate
    assert 0.9 < result.drift_slope < 1.1
    assert np.all(np.diff(result.balancedness_drift) < 0)
    # mode strengths follow Saxe et al.'s closed form at small learning rate
    assert result.saxe_max_error < 0.05
    assert np.all(result.saxe_measured[:, -1] > 0.95 * result.saxe_singular_values)
    # deeper factorisations find lower-rank completions
    assert np.all(np.diff(result.effective_rank) < 0)
    assert result.effective_rank[0] > 4 and result.effective_rank[-1] < 2.5
    assert result.recovery_error[-1] < 0.5 * result.recovery_error[0]
    assert isinstance(deep_linear.plot(result), matplotlib.figure.Figure)
