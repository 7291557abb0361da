"""Metrics on model outputs (NumPy arrays): accuracy for classifiers, mean squared error for
regressors."""

import numpy as np


def predicted_classes(outputs):
    """Class of each row: argmax of the scores (N, C); for one score per row (N,) or (N, 1),
    1 where the logit is > 0 (binary classification)."""
    outputs = np.asarray(outputs)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        return outputs.argmax(axis=1)
    return (outputs.reshape(len(outputs)) > 0).astype(np.int64)


def accuracy(outputs, y):
    """The fraction of rows whose predicted class equals the label y."""
    return float(np.mean(predicted_classes(outputs) == np.asarray(y).reshape(-1)))


def mse(outputs, y):
    """mean((outputs - y)^2)."""
    outputs, y = np.asarray(outputs), np.asarray(y)
    return float(np.mean((outputs - y.reshape(outputs.shape)) ** 2))
