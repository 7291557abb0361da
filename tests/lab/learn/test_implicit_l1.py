"""Implicit L1: GD on a diagonal network against linprog's min-L1 and pinv's min-L2 interpolators."""
import numpy as np

import deepgrad as dg
from deepgrad.lab.learn import implicit_l1


def test_hand_gradient_is_deepgrads():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((5, 8)), rng.standard_normal(5)
    u, v = rng.standard_normal(8), rng.standard_normal(8)
    gu, gv = dg.grad(implicit_l1.diagonal_network_loss(X, y), argnums=(0, 1))(
        dg.tensor(u), dg.tensor(v))
    hu, hv = implicit_l1.diagonal_network_grad(X, y, u, v)
    np.testing.assert_allclose(hu, gu.data, rtol=1e-12)
    np.testing.assert_allclose(hv, gv.data, rtol=1e-12)


def test_small_start_reaches_linprog_large_start_reaches_pinv():
    r = implicit_l1.run(quick=True)
    rng = np.random.default_rng(0)
    X, y, _ = implicit_l1.sparse_problem(rng, r.n, r.d, 3)
    # the oracles, computed here independently of the run
    w_l2 = np.linalg.pinv(X) @ y
    w_l1 = implicit_l1.min_l1_interpolator(X, y)
    np.testing.assert_allclose(X @ w_l1, y, atol=1e-8)
    assert np.abs(w_l1).sum() <= np.abs(w_l2).sum()
    rel = lambda a, b: np.linalg.norm(a - b) / np.linalg.norm(b)  # noqa: E731
    assert rel(r.w_small, w_l1) < 0.02      # small alpha: the minimum-L1 interpolator
    assert rel(r.w_small, w_l2) > 0.5       # ... and not the minimum-L2 one
    assert rel(r.w_large, w_l2) < 1e-6      # large alpha: the minimum-L2 interpolator
    assert rel(r.w_large, w_l1) > 0.5
    assert np.all(r.train_residual < 1e-2)  # every start interpolates
    assert implicit_l1.plot(r).axes
