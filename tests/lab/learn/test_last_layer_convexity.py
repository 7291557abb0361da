"""Convex in v (closed-form second derivative, finite differences), non-convex jointly (a barrier)."""
import numpy as np

from deepgrad.lab.learn import last_layer_convexity as llc


def test_v_curvature_is_the_closed_form_and_nonnegative():
    r = llc.run(quick=True, lines=3)
    np.testing.assert_allclose(r.v_curvature, r.v_curvature_closed, rtol=1e-8, atol=1e-14)
    assert r.min_v_curvature >= 0.0


def test_closed_form_matches_finite_differences():
    rng = np.random.default_rng(2)
    X, y = llc.data(50, 0)
    W, v, dv = rng.standard_normal((4, 3)), rng.standard_normal(4), rng.standard_normal(4)
    g = lambda t: np.mean(np.logaddexp(0, -y * (np.tanh(X @ W.T) @ (v + t * dv))))  # noqa: E731
    h = 1e-4
    fd = (g(h) - 2 * g(0) + g(-h)) / h**2
    assert abs(fd - llc.v_curvature_closed_form(X, y, W, v, dv)) < 1e-5


def test_joint_segment_between_permuted_minima_breaks_convexity():
    r = llc.run(quick=True, lines=1)
    assert abs(r.joint_line[0] - r.joint_line[-1]) < 1e-12   # permuting units keeps the loss
    # a convex function on a segment never exceeds the larger endpoint value
    assert r.joint_line.max() > max(r.joint_line[0], r.joint_line[-1]) + 0.1
    assert r.barrier > 0.1 and r.min_joint_curvature < 0
    assert llc.plot(r).axes
