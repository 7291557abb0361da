"""Decision boundaries: the no-hidden-layer model matches scikit-learn's logistic regression; hidden
layers solve what a line cannot."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from deepgrad.lab.represent import decision_boundaries as db


def test_quick_run_against_logistic_regression():
    r = db.run(quick=True)
    assert r.models == ["linear", "3x32 relu"] and r.datasets == ["moons", "xor", "spirals"]
    for name in r.datasets:
        X_tr, y_tr, X_te, y_te = db.split_standardised(name, 400, 0)
        np.testing.assert_array_equal(X_tr, r.X_train[name])
        sk = LogisticRegression(C=np.inf, max_iter=10_000).fit(X_tr, y_tr)
        assert abs(r.train_accuracy[name]["linear"] - sk.score(X_tr, y_tr)) <= 0.03
        assert abs(r.test_accuracy[name]["linear"] - sk.score(X_te, y_te)) <= 0.05
        assert r.train_accuracy[name]["3x32 relu"] >= 0.95
        assert np.asarray(r.grid_class[name]["linear"]).shape == (60, 60)
    for name in ("xor", "spirals"):  # no line separates these
        assert r.test_accuracy[name]["3x32 relu"] > r.test_accuracy[name]["linear"] + 0.15
    assert db.plot(r).axes
