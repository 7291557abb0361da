"""Approximation rates: each construction against its oracle (np.interp, scikit-learn, SciPy) and order."""
from deepgrad.lab.represent import approximation_rates as ar


def test_constructions_match_their_oracles_and_known_orders():
    r = ar.run(quick=True)
    assert r.deep_narrow_vs_interp < 1e-4     # width-3 ReLU net = piecewise-linear interpolant
    assert r.knn_vs_sklearn == 0.0            # same neighbour, same value as KNeighborsRegressor
    assert r.rbf_vs_scipy < 1e-8              # = scipy's RBFInterpolator(kernel="linear")
    for name, order in {"deep_narrow": -2, "sigmoid": -1, "knn": -0.5, "rbf": -2}.items():
        assert abs(r.slopes[name] - order) < 0.25, (name, r.slopes[name])
    net = ar.deep_narrow_net(ar.target, 8)
    widths = {m.out_features for m in net if hasattr(m, "out_features")}
    assert widths == {3, 1}                   # width d + 2 everywhere, then the output
    assert ar.plot(r).axes
