"""Standardize: the fixed scaling z = (x - mean) / std (or its inverse) as a layer, so a saved model
carries its own preprocessing of inputs and, for regression, the scale of its targets."""

import numpy as np

from deepgrad.engine.tensor import Tensor, get_default_dtype
from deepgrad.nn.linear import check_features
from deepgrad.nn.module import Module


class Standardize(Module):
    """z = (x - mean) / std per feature, or x = z * std + mean with inverse=True (an output layer
    that predicts targets standardised during training in their own units). mean and std are
    buffers (saved, not trained); set them from the training data: Standardize(n, X.mean(0),
    X.std(0)). A std of 0 becomes 1.
    """

    def __init__(self, num_features, mean=None, std=None, inverse=False):
        self.num_features, self.inverse = int(num_features), bool(inverse)
        dtype = get_default_dtype()
        mean = np.zeros(self.num_features, dtype) if mean is None else mean
        std = np.ones(self.num_features, dtype) if std is None else np.where(
            np.asarray(std) > 0, std, 1)
        self.register_buffer("mean", np.asarray(mean, dtype).reshape(self.num_features))
        self.register_buffer("std", np.asarray(std, dtype).reshape(self.num_features))

    def forward(self, x):
        check_features("Standardize", x, self.num_features)
        x = x if isinstance(x, Tensor) else Tensor(x)
        if self.inverse:
            return x * self.std + self.mean
        return (x - self.mean) / self.std

    def config(self):
        return {"num_features": self.num_features, "inverse": self.inverse}

    def extra_repr(self):
        return f"{self.num_features}{', inverse=True' if self.inverse else ''}"
