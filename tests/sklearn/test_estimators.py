"""MLPClassifier / MLPRegressor against scikit-learn: losses, accuracy, and its tooling."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_digits, make_multilabel_classification
from sklearn.exceptions import NotFittedError
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import deepgrad as dg
from deepgrad.sklearn import MLPClassifier, MLPRegressor

warnings.filterwarnings("ignore", category=UserWarning)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16, y[:600]


def test_loss_curve_is_sklearns_log_loss_plus_penalty(digits):
    """One full-batch epoch from weights W reports sklearn's log_loss(W) + alpha/2 ||W||^2 / n."""
    X, y = digits
    est = MLPClassifier((16,), alpha=0.1, batch_size=len(X), max_iter=1, warm_start=True,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        proba, coefs = est.predict_proba(X), [c.copy() for c in est.coefs_]
        est.fit(X, y)
    expected = log_loss(y, proba) + 0.05 * sum((c ** 2).sum() for c in coefs) / len(X)
    assert est.loss_curve_[-1] == pytest.approx(expected, rel=1e-5)
    assert [c.shape for c in est.coefs_] == [(64, 16), (16, 10)]
    assert est.n_layers_ == 3 and est.n_outputs_ == 10 and est.out_activation_ == "softmax"
    assert est.t_ == 2 * len(X) and est.n_iter_ == 1 and len(est.loss_curve_) == 2


def test_accuracy_matches_sklearns_mlp(digits):
    X, y = digits
    kwargs = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=40, random_state=0)
    ours = cross_val_score(MLPClassifier(**kwargs), X, y, cv=3)
    theirs = cross_val_score(SkMLPClassifier(**kwargs), X, y, cv=3)
    assert ours.mean() > 0.85 and abs(ours.mean() - theirs.mean()) < 0.05


def test_sample_weight_two_equals_repeating_the_row():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((30, 4)), rng.integers(0, 3, 30)
    w = rng.integers(1, 3, 30)
    kwargs = dict(hidden_layer_sizes=(5,), batch_size=100, max_iter=20, random_state=0, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weighted = MLPClassifier(**kwargs).fit(X, y, sample_weight=w)
        repeated = MLPClassifier(**kwargs).fit(np.repeat(X, w, 0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=1e-5)


def test_early_stopping_keeps_validation_scores_and_best_weights(digits):
    X, y = digits
    est = MLPClassifier((16,), early_stopping=True, n_iter_no_change=3, random_state=0).fit(X, y)
    assert len(est.validation_scores_) == est.n_iter_ < 200 and est.best_loss_ is None
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_regression_skip_dropout_norm_and_poisson():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for kwargs in ({}, {"skip": "residual", "dropout": 0.1, "norm": "layer"}, {"skip": "dense"}):
        est = MLPRegressor((16, 16), learning_rate_init=0.01, max_iter=100, random_state=0,
                           **kwargs)
        assert est.fit(X, y).score(X, y) > 0.4, kwargs
    est = MLPRegressor((8,), loss="poisson", learning_rate_init=0.01, max_iter=50,
                       random_state=0).fit(X, y / 100)
    assert est.out_activation_ == "exp" and np.all(est.predict(X) > 0)
    with pytest.raises(ValueError, match="non-negative"):
        MLPRegressor(loss="poisson").fit(X, -y)


def test_multilabel_partial_fit_pandas_and_sparse():
    X, Y = make_multilabel_classification(n_samples=120, n_classes=4, random_state=0)
    est = MLPClassifier((32,), learning_rate_init=0.01, max_iter=100, random_state=0).fit(X, Y)
    assert est.predict(X).shape == Y.shape and est.out_activation_ == "logistic"
    assert np.mean(est.predict(X) == Y) > 0.8
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    est = MLPClassifier((8,), random_state=0)
    for _ in range(3):
        est.partial_fit(frame, Y[:, 0], classes=[0, 1])
    assert list(est.feature_names_in_) == list(frame.columns) and est.n_iter_ == 1
    assert len(est.loss_curve_) == 3 and est.predict_proba(frame).shape == (120, 2)
    dense = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, Y[:, 0])
    sparse = MLPClassifier((8,), max_iter=5, random_state=0).fit(scipy.sparse.csr_matrix(X), Y[:, 0])
    np.testing.assert_allclose(dense.predict_proba(X), sparse.predict_proba(X), rtol=1e-6)


def test_unfitted_and_bad_parameters_are_clear():
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(np.ones((2, 3)))
    with pytest.raises(ValueError, match="'alpha' parameter of MLPClassifier"):
        MLPClassifier(alpha=-1).fit(np.ones((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="skip='dense' cannot be combined"):
        MLPClassifier(skip="dense", dropout=0.2).fit(np.ones((4, 2)), [0, 1, 0, 1])


def test_pipeline_grid_search_clone_pickle_and_save(digits, tmp_path):
    X, y = digits
    pipe = make_pipeline(StandardScaler(), MLPClassifier((16,), learning_rate_init=0.01,
                                                       max_iter=20, random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-1]}, cv=2, n_jobs=2).fit(X, y)
    assert search.best_score_ > 0.7
    est = search.best_estimator_[-1]
    copy = clone(est)
    assert copy.get_params() == est.get_params() and not hasattr(copy, "module_")
    Xs = search.best_estimator_[0].transform(X)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.predict_proba(Xs), est.predict_proba(Xs))
    path = dg.save(est, tmp_path / "mlp.safetensors")
    network = dg.load(path)
    np.testing.assert_allclose(dg.train.predict(network, Xs), est._raw_scores(Xs), rtol=1e-6)
