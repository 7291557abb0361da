"""Standardize: the fixed input scaling z = (x - mean) / std as the first layer of a model, so a
saved model carries its own preprocessing."""

import numpy as np

from deepgrad.engine.tensor import Tensor, get_default_dtype
from deepgrad.nn.linear import check_features
from deepgrad.nn.module import Module


class Standardize(Module):
    """z = (x - mean) / std per feature; mean and std are buffers (saved, not trained).
    Set them from the training data: Standardize(n, mean=X.mean(0), std=X.std(0)); std 0 -> 1."""

    def __init__(self, num_features, mean=None, std=None):
        self.num_features = int(num_features)
        dtype = get_default_dtype()
        mean = np.zeros(self.num_features, dtype) if mean is None else mean
        std = np.ones(self.num_features, dtype) if std is None else np.where(
            np.asarray(std) > 0, std, 1)
        self.register_buffer("mean", np.asarray(mean, dtype).reshape(self.num_features))
        self.register_buffer("std", np.asarray(std, dtype).reshape(self.num_features))

    def forward(self, x):
        check_features("Standardize", x, self.num_features)
        x = x if isinstance(x, Tensor) else Tensor(x)
        return (x - self.mean) / self.std

    def config(self):
        return {"num_features": self.num_features}

    def extra_repr(self):
        return f"{self.num_features}"
