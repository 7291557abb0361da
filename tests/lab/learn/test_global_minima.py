"""Best and worst global minima: the best interpolator against the KKT solve; the spread grows with N."""
import numpy as np

from deepgrad.lab.learn import global_minima as gm


def test_best_interpolator_is_the_kkt_solution():
    rng = np.random.default_rng(3)
    X, Xt = rng.uniform(-1, 1, (15, 2)), rng.uniform(-1, 1, (2000, 2))
    y = gm.target(X)
    phi = gm.random_features(60, 3)
    Phi = phi(X)
    S, b, c = gm.risk_moments(phi(Xt), gm.target(Xt))
    _, best, _ = gm.interpolators(Phi, y, S, b)
    # min theta^T S theta - 2 b^T theta  s.t. Phi theta = y, by its KKT system (lstsq: S may be singular)
    K = np.block([[2 * S, Phi.T], [Phi, np.zeros((15, 15))]])
    sol = np.linalg.lstsq(K, np.concatenate([2 * b, y]), rcond=None)[0]
    assert gm.risk(best, S, b, c) <= gm.risk(sol[:60], S, b, c) + 1e-9
    assert np.max(np.abs(Phi @ best - y)) < 1e-6
    # KKT stationarity, with the null-space projector from pinv: S theta - b in Phi's row space
    P = np.eye(60) - np.linalg.pinv(Phi) @ Phi
    assert np.linalg.norm(P @ (S @ best - b)) < 1e-8 * max(1.0, np.linalg.norm(b))


def test_spread_of_global_minima_grows_with_features():
    r = gm.run(quick=True)
    assert r.train_residual < 1e-5                   # all of them are global minima
    assert np.all(r.best <= r.min_norm) and np.all(r.min_norm <= r.worst)
    assert np.all(np.diff(r.worst / r.best) > 0)      # worst over best grows with N
    assert r.best[-1] < r.best[0] / 10
    assert gm.plot(r).axes
