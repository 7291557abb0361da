"""Universal approximation: sup errors within the closed-form bounds, rates -1 (steps), -2 (ReLU)."""

import numpy as np

import deepgrad
from deepgrad.lab.represent import universal_approximation as ua
from deepgrad.lab.represent.geometry import count_pieces


def test_errors_within_bounds_and_rates():
    r = ua.run(quick=True)
    assert np.all(np.array(r.step_error) <= np.array(r.step_bound) * (1 + 1e-9))
    assert np.all(np.array(r.relu_error) <= np.array(r.relu_bound) * (1 + 1e-9))
    assert abs(r.step_slope + 1) < 0.1 and abs(r.relu_slope + 2) < 0.15
    assert abs(r.lipschitz - 2 * np.pi) < 1e-6 and abs(r.curvature - 4 * np.pi**2) < 1e-4
    assert ua.plot(r).axes


def test_step_net_is_f_at_cell_midpoints():
    f, _, _, a, b = ua.TARGETS["runge"]
    q = 10
    h = (b - a) / q
    mids = a + h * (np.arange(q) + 0.5)
    x = (mids[:, None] + np.linspace(-0.49, 0.49, 7) * h).ravel()
    out = ua.step_net(f, a, b, q)(deepgrad.tensor(x[:, None])).data[:, 0]
    np.testing.assert_allclose(out, np.repeat(f(mids), 7), atol=1e-6)


def test_relu_net_is_the_interpolant_through_the_knots():
    f, _, _, a, b = ua.TARGETS["sin"]
    net = ua.relu_net(f, a, b, 16)
    knots = np.linspace(a, b, 17)
    slopes = np.diff(f(knots)) / np.diff(knots)
    kinks = np.abs(np.diff(slopes)) > 1e-9 * np.abs(slopes).max()  # none at the inflection 1/2
    assert count_pieces(net, a, b) == 1 + np.count_nonzero(kinks) == 15
    np.testing.assert_allclose(net(deepgrad.tensor(knots[:, None])).data[:, 0], f(knots), atol=1e-5)
