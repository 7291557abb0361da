"""BatchNorm1d: standardise each feature over the batch, then scale and shift (Ioffe and Szegedy,
2015)."""

import numpy as np

import deepgrad as dg
from deepgrad.engine.tensor import get_default_dtype
from deepgrad.nn.linear import check_features
from deepgrad.nn.module import Module
from deepgrad.nn.parameter import Parameter


class BatchNorm1d(Module):
    """y = (x - mu) / sqrt(sigma^2 + eps) * gamma + beta, per feature; x: (N, num_features).

    Training: mu, sigma^2 are the batch mean and biased variance, and the buffers move towards
    them: running = (1 - momentum) * running + momentum * batch (the variance unbiased, N / (N-1)).
    Evaluation: the running statistics. gamma (`weight`) = 1, beta (`bias`) = 0 at init. The
    buffer num_batches_tracked counts training batches (int64, as torch, so state_dicts match).
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True):
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        dtype = get_default_dtype()
        self.weight = Parameter(np.ones(self.num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_features, dtype)) if affine else None
        self.register_buffer("running_mean", np.zeros(self.num_features, dtype))
        self.register_buffer("running_var", np.ones(self.num_features, dtype))
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64))

    def forward(self, x):
        check_features("BatchNorm1d", x, self.num_features)
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError("BatchNorm1d: training needs more than 1 row per batch, got "
                                 f"input shape {tuple(x.shape)}")
            mean = dg.mean(x, axis=0)
            centred = x - mean
            var = dg.mean(centred * centred, axis=0)
            y = centred / dg.sqrt(var + self.eps)
            m = self.momentum
            self.num_batches_tracked += 1
            self.running_mean *= 1 - m
            self.running_mean += m * mean.data
            self.running_var *= 1 - m
            self.running_var += m * var.data * (n / (n - 1))
        else:
            y = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
        if self.weight is not None:
            y = y * self.weight + self.bias
        return y

    def config(self):
        return {"num_features": self.num_features, "eps": self.eps, "momentum": self.momentum,
                "affine": self.weight is not None}

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
