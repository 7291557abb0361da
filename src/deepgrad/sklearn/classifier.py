"""MLPClassifier: scikit-learn's MLPClassifier, trained by deepgrad (softmax or logistic outputs)."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import _check_partial_fit_first_call, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d, validate_data

from deepgrad.nn import functional as F
from deepgrad.sklearn.base import BaseMLP


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multilayer perceptron classifier minimising the log-loss, as sklearn.neural_network's.

    Multiclass targets get a softmax output and the categorical log-loss; binary and multilabel
    (an indicator matrix y) targets get one logistic output per label and the binary log-loss
    summed over labels. Parameters and fitted attributes have scikit-learn's names and meanings
    (coefs_[i] is the (fan_in, fan_out) matrix of layer i); deepgrad adds skip (None, "residual",
    "dense"), dropout (a drop probability for hidden layers) and norm (None, "batch", "layer").
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, skip=None,
                 dropout=0.0, norm=None):
        self.hidden_layer_sizes, self.activation, self.solver = hidden_layer_sizes, activation, solver
        self.alpha, self.batch_size, self.learning_rate = alpha, batch_size, learning_rate
        self.learning_rate_init, self.power_t, self.max_iter = learning_rate_init, power_t, max_iter
        self.shuffle, self.random_state, self.tol, self.verbose = shuffle, random_state, tol, verbose
        self.warm_start, self.momentum = warm_start, momentum
        self.nesterovs_momentum, self.early_stopping = nesterovs_momentum, early_stopping
        self.validation_fraction, self.beta_1, self.beta_2 = validation_fraction, beta_1, beta_2
        self.epsilon, self.n_iter_no_change = epsilon, n_iter_no_change
        self.skip, self.dropout, self.norm = skip, dropout, norm

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and set(classes) != set(self.classes_):
                raise ValueError("warm_start can only be used where `y` has the same classes as "
                                 f"in the previous call to fit. Previously got {self.classes_}, "
                                 f"`y` has {classes}")
            if len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                                 f"{self.classes_}. 'y' has {classes}.")
        return X, self._label_binarizer.transform(y).astype(np.float32)

    def _output_activation(self):
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _sample_losses(self, scores, Y):
        if self.out_activation_ == "softmax":
            return -(Y * F.log_softmax(scores, axis=1)).sum(axis=1)
        return F.binary_cross_entropy_with_logits(scores, Y, reduction="none").sum(axis=1)

    def _stratify_labels(self, Y):
        return Y.argmax(axis=1) if Y.shape[1] > 1 and self.out_activation_ == "softmax" else \
            (Y[:, 0] if Y.shape[1] == 1 else None)

    def _probabilities(self, scores):
        """Class (or label) probabilities from output scores, in float64."""
        if self.out_activation_ == "softmax":
            scores = scores - scores.max(axis=1, keepdims=True)
            p = np.exp(scores)
            return p / p.sum(axis=1, keepdims=True)
        return 1.0 / (1.0 + np.exp(-scores))

    def _labels(self, scores):
        p = self._probabilities(scores)
        return self._label_binarizer.inverse_transform(p.ravel() if self.n_outputs_ == 1 else p)

    def _validation_score(self, X, Y, sample_weight):
        truth = self._label_binarizer.inverse_transform(Y.ravel() if Y.shape[1] == 1 else Y)
        return accuracy_score(truth, self._labels(self._raw_scores(X)), sample_weight=sample_weight)

    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over (X, y); the first call needs `classes` (all labels there will be)."""
        self._validate_params()
        if _check_partial_fit_first_call(self, classes):
            target = type_of_target(y).startswith("multilabel")
            self._label_binarizer = LabelBinarizer().fit(y if target else classes)
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predicted classes (n_samples,), or an indicator matrix for multilabel targets."""
        self._check_fitted()
        return self._labels(self._scores(X))

    def predict_proba(self, X):
        """Probabilities (n_samples, n_classes), columns ordered as classes_."""
        self._check_fitted()
        p = self._probabilities(self._scores(X))
        if self.n_outputs_ == 1:
            return np.column_stack([1 - p[:, 0], p[:, 0]])
        return p

    def predict_log_proba(self, X):
        """log(predict_proba(X))."""
        self._check_fitted()
        return np.log(self.predict_proba(X))
