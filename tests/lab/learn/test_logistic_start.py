"""Starting from logistic regression: step 0 is scikit-learn's LogisticRegression, then only better."""
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss

from deepgrad.lab.learn import logistic_start


def test_step_zero_is_sklearns_logistic_regression_and_gd_only_improves():
    r = logistic_start.run(quick=True)
    X, y = logistic_start.moons(200, 0)
    clf = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(r.lr_weights, np.r_[clf.coef_[0], clf.intercept_], rtol=1e-5)
    assert r.step0_loss == pytest.approx(log_loss(y, clf.predict_proba(X)), rel=1e-7)
    assert r.train_loss["from_logistic"][0] == pytest.approx(r.step0_loss, rel=1e-12)
    assert r.max_loss_increase <= 1e-12           # full-batch GD never goes above the LR loss
    assert r.final_train_loss["from_logistic"] < 0.6 * r.step0_loss
    assert r.test_error["from_logistic"][-1] < r.lr_test_error
    assert logistic_start.plot(r).axes
