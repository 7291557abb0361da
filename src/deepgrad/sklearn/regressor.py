"""MLPRegressor: scikit-learn's MLPRegressor, trained by deepgrad (identity or exp output)."""

import numpy as np
from scipy.special import xlogy
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import column_or_1d, validate_data

import deepgrad as dg
from deepgrad.sklearn.base import BaseMLP

LOSSES = ("squared_error", "poisson", "absolute_error")


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multilayer perceptron regressor, as sklearn.neural_network's.

    loss: "squared_error" (1/2 the mean squared error over outputs, identity output), "poisson"
    (half the Poisson deviance, exp output, y >= 0) as scikit-learn's, or deepgrad's
    "absolute_error" (mean |f(x) - y|, robust to outliers). Other parameters and the fitted
    attributes as MLPClassifier's.
    """

    _parameter_constraints: dict = {**BaseMLP._parameter_constraints,
                                    "loss": [StrOptions(set(LOSSES))]}

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, loss="squared_error",
                 shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, skip=None, dropout=0.0, norm=None):
        self.hidden_layer_sizes, self.activation, self.solver = hidden_layer_sizes, activation, solver
        self.alpha, self.batch_size, self.learning_rate = alpha, batch_size, learning_rate
        self.learning_rate_init, self.power_t, self.max_iter = learning_rate_init, power_t, max_iter
        self.loss = loss
        self.shuffle, self.random_state, self.tol, self.verbose = shuffle, random_state, tol, verbose
        self.warm_start, self.momentum = warm_start, momentum
        self.nesterovs_momentum, self.early_stopping = nesterovs_momentum, early_stopping
        self.validation_fraction, self.beta_1, self.beta_2 = validation_fraction, beta_1, beta_2
        self.epsilon, self.n_iter_no_change = epsilon, n_iter_no_change
        self.skip, self.dropout, self.norm = skip, dropout, norm

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
                             y_numeric=True, dtype=(np.float64, np.float32), reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError("loss='poisson' needs non-negative targets y; y has negative values")
        return X, y.reshape(len(y), -1).astype(np.float32)

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _sample_losses(self, scores, Y):
        if self.loss == "squared_error":
            return 0.5 * ((scores - Y) ** 2).mean(axis=1)
        if self.loss == "absolute_error":
            return (scores - Y).abs().mean(axis=1)
        constant = (xlogy(Y.data, Y.data) - Y.data).sum(axis=1)  # makes a perfect fit score 0
        return (dg.exp(scores) - Y * scores).sum(axis=1) + constant

    def _outputs(self, scores):
        out = np.exp(scores) if self.loss == "poisson" else scores
        return out.ravel() if out.shape[1] == 1 else out

    def _validation_score(self, X, Y, sample_weight):
        return r2_score(Y.ravel() if Y.shape[1] == 1 else Y, self._outputs(self._raw_scores(X)),
                        sample_weight=sample_weight)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over (X, y), continuing from the current weights."""
        self._validate_params()
        return self._fit(X, y, sample_weight, incremental=True)

    def predict(self, X):
        """Predictions (n_samples,) or (n_samples, n_outputs)."""
        self._check_fitted()
        return self._outputs(self._scores(X))
