"""BaseMLP: what MLPClassifier and MLPRegressor share, trained by deepgrad's nn, optim and fit.

Parameters keep scikit-learn's MLPClassifier / MLPRegressor names, defaults and meanings
(solver "adam" | "sgd"; scikit-learn's "lbfgs" is not offered); deepgrad adds `skip`, `dropout`
and `norm`. The loss is scikit-learn's: the mean (sample-weighted) loss of a batch plus
alpha/2 ||W||^2 / (batch size, or its sum of weights), over the weight matrices only. Sample
weights travel as the last column of the targets, so `train.fit` minibatches them with the rows.
"""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from deepgrad import optim
from deepgrad.data.dataloader import DataLoader
from deepgrad.nn.activation import ACTIVATIONS
from deepgrad.sklearn.network import ACTIVATION_NAMES, NORMS, build_network, linear_layers
from deepgrad.sklearn.stopping import SklearnStopping
from deepgrad.train.fit import fit as train_fit
from deepgrad.train.fit import predict as train_predict


class BaseMLP(BaseEstimator):
    """Shared fit / partial_fit / forward pass; subclasses define the targets and the loss."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATION_NAMES) | set(ACTIVATIONS))],
        "solver": [StrOptions({"sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "skip": [StrOptions({"residual", "dense"}), None],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "norm": [StrOptions(set(NORMS)), None],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # densified before the network sees it
        return tags

    # -- subclass interface ------------------------------------------------------------------
    def _validate_input(self, X, y, incremental, reset):
        """(X, Y) with Y an (n, k) float matrix of training targets."""
        raise NotImplementedError

    def _output_activation(self):
        """scikit-learn's out_activation_: "softmax", "logistic", "identity" or "exp"."""
        raise NotImplementedError

    def _sample_losses(self, scores, Y):
        """Per-row loss (a Tensor of shape (n,)) of output scores against targets Y."""
        raise NotImplementedError

    # -- fitting -------------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit the network to X (n_samples, n_features) and y, for up to max_iter epochs."""
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, incremental):
        first_pass = not hasattr(self, "module_") or (not self.warm_start and not incremental)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        X = _dense(X)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        sample_weight = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        hidden = [self.hidden_layer_sizes] if np.isscalar(self.hidden_layer_sizes) else \
            list(self.hidden_layer_sizes)
        if any(h <= 0 for h in hidden):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden}.")
        rng = check_random_state(self.random_state)
        widths = [X.shape[1], *[int(h) for h in hidden], Y.shape[1]]
        if first_pass:
            self._initialize(widths, rng)
        elif not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer()
        validation = None
        if self.early_stopping:
            parts = train_test_split(X, Y, *([] if sample_weight is None else [sample_weight]),
                                     random_state=rng, test_size=self.validation_fraction,
                                     stratify=self._stratify_labels(Y))
            X, X_val, Y, Y_val = parts[:4]
            sample_weight, w_val = parts[4:] if sample_weight is not None else (None, None)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction'"
                                 " or the size of your dataset.")
            validation = (X_val, Y_val, w_val)
        weights = np.ones(len(Y)) if sample_weight is None else sample_weight
        targets = np.column_stack([Y, weights]).astype(np.float32)
        batch_size = min(200, len(X)) if self.batch_size == "auto" else self.batch_size
        if batch_size > len(X):
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going "
                          "to be clipped")
        loader = DataLoader((X, targets), batch_size=int(np.clip(batch_size, 1, len(X))),
                            shuffle=self.shuffle, generator=int(rng.randint(2**31)))
        stopping = SklearnStopping(self, self._optimizer, len(X), validation)
        train_fit(self.module_, self._batch_loss, self._optimizer, loader,
                  epochs=1 if incremental else self.max_iter, callbacks=[stopping],
                  progress=bool(self.verbose))
        if not incremental and not stopping.stopped and self.n_iter_ == self.max_iter:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached "
                          "and the optimization hasn't converged yet.", ConvergenceWarning)
        self._expose_weights()
        if not all(np.isfinite(w).all() for w in self.coefs_ + self.intercepts_):
            raise ValueError("Solver produced non-finite parameter weights. The input data may "
                             "contain large values and need to be preprocessed.")
        return self

    def _initialize(self, widths, rng):
        """A fresh network, optimizer and the training record (scikit-learn's _initialize)."""
        self.n_iter_, self.t_ = 0, 0
        self.n_outputs_, self.n_layers_ = widths[-1], len(widths)
        self.out_activation_ = self._output_activation()
        self.module_ = build_network(widths, self.activation, self.skip, self.dropout, self.norm,
                                     np.random.default_rng(rng.randint(2**31)))
        self._optimizer = self._make_optimizer()
        self.loss_curve_, self._no_improvement_count = [], 0
        if self.early_stopping:
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _make_optimizer(self):
        params = self.module_.parameters()
        if self.solver == "sgd":
            return optim.SGD(params, lr=self.learning_rate_init, momentum=self.momentum,
                             nesterov=self.nesterovs_momentum and self.momentum > 0)
        return optim.Adam(params, lr=self.learning_rate_init, betas=(self.beta_1, self.beta_2),
                          eps=self.epsilon)

    def _batch_loss(self, scores, packed):
        """scikit-learn's batch loss: weighted mean row loss + alpha/2 ||W||^2 / sum of weights."""
        Y, w = packed[:, :-1], packed[:, -1]
        total = w.sum()
        loss = (self._sample_losses(scores, Y) * w).sum() / total
        if self.alpha > 0:
            penalty = sum((layer.weight * layer.weight).sum() for layer in linear_layers(self.module_))
            loss = loss + (0.5 * self.alpha) * penalty / total
        return loss

    def _expose_weights(self):
        """coefs_ / intercepts_ as scikit-learn's: (fan_in, fan_out) matrices and bias vectors."""
        layers = linear_layers(self.module_)
        self.coefs_ = [np.array(layer.weight.data.T, dtype=np.float64) for layer in layers]
        self.intercepts_ = [np.zeros(layer.weight.shape[0]) if layer.bias is None else
                            np.array(layer.bias.data, dtype=np.float64) for layer in layers]

    def _stratify_labels(self, Y):
        """Labels to stratify the early-stopping split by (None: a plain random split)."""
        return None

    def _validation_score(self, X, Y, sample_weight):
        """The score (accuracy or R^2) of the network on dense X against training targets Y."""
        raise NotImplementedError

    # -- prediction ------------------------------------------------------------------------------
    def _scores(self, X):
        """The network's output scores (before the output activation), float64."""
        X = validate_data(self, X, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32),
                          reset=False)
        return self._raw_scores(_dense(X))

    def _raw_scores(self, X):
        return train_predict(self.module_, X).astype(np.float64)

    def _check_fitted(self):
        check_is_fitted(self, "module_")


def _dense(X):
    """A dense array (the network's matmuls take dense rows; scikit-learn accepts CSR / CSC)."""
    return X.toarray() if scipy.sparse.issparse(X) else X
