"""Activations: deepgrad's autodiff derivatives against closed forms (SciPy/NumPy)."""

import numpy as np
from scipy.special import expit
from scipy.stats import norm

from deepgrad.lab.represent import activations


def test_derivatives_match_closed_forms():
    r = activations.run(quick=True, leaky_slope=0.2)
    x, d = r.x, r.derivatives
    s = expit(x)
    closed = {
        "sigmoid": s * (1 - s),
        "tanh": 1 - np.tanh(x) ** 2,
        "relu": (x > 0).astype(float),  # ReLU'(0) = 0
        "leaky_relu": np.where(x > 0, 1.0, 0.2),  # derivative at 0: the left slope
        "softplus": s,
        "gelu": norm.cdf(x) + x * norm.pdf(x),
        "sign": np.zeros_like(x),
    }
    assert set(r.names) == set(closed)
    for name, expected in closed.items():
        np.testing.assert_allclose(d[name], expected, rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(r.values["gelu"], x * norm.cdf(x), rtol=1e-10, atol=1e-12)
    assert r.max_derivative["sigmoid"] == 0.25 == r.sigmoid_bound  # attained at x = 0
    assert r.derivative_at_zero["relu"] == 0.0 and r.derivative_at_zero["leaky_relu"] == 0.2
    assert activations.plot(r).axes
