"""Perceptron within Novikoff's bound; LDA equal to scikit-learn's; logistic regression at the MLE."""

import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression

from deepgrad.lab.represent import linear_classifiers as lc


def test_quick_run_against_oracles():
    r = lc.run(quick=True)
    # perceptron: converges, separates, and makes at most (R / gamma)^2 mistakes
    Z = np.hstack([r.perceptron_X, np.ones((len(r.perceptron_X), 1))])
    assert r.perceptron_converged and np.all(r.perceptron_y * (Z @ r.perceptron_w) > 0)
    assert r.margin > 0 and r.perceptron_mistakes <= r.mistake_bound
    # LDA: w = Sigma^-1 (mu_1 - mu_0) and b as scikit-learn computes them
    sk = LinearDiscriminantAnalysis(solver="lsqr").fit(r.X, r.y)
    np.testing.assert_allclose(r.lda_w, sk.coef_[0], rtol=1e-8)
    np.testing.assert_allclose(r.lda_b, sk.intercept_[0], rtol=1e-8, atol=1e-10)
    # logistic regression: deepgrad's Adam reaches the unpenalised maximum likelihood
    mle = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(r.X, r.y)
    p = np.clip(mle.predict_proba(r.X)[:, 1], 1e-12, 1 - 1e-12)
    best = -np.mean(r.y * np.log(p) + (1 - r.y) * np.log(1 - p))
    assert best - 1e-6 <= r.logreg_loss <= best + 5e-3
    w = mle.coef_[0]
    assert r.logreg_w @ w / np.linalg.norm(r.logreg_w) / np.linalg.norm(w) > 0.999
    assert r.cosine > 0.99  # the two sigma(w^T x + b) lines nearly agree on Gaussian classes
    assert lc.plot(r).axes


def test_perceptron_rule_on_a_tiny_example():
    X = np.array([[2.0, 1.0], [-1.0, -2.0]])
    w, mistakes, epochs, converged = lc.perceptron(X, np.array([1, -1]))
    np.testing.assert_array_equal(w, [2.0, 1.0, 1.0])  # one update: w = y_1 (x_1, 1)
    assert (mistakes, epochs, converged) == (1, 2, True)
