"""BatchNorm1d and BatchNorm2d: standardise each channel over the batch (and the positions), then
scale and shift (Ioffe and Szegedy, 2015), with torch's options and buffers."""

import math

import numpy as np

import deepgrad as dg
from deepgrad.engine.tensor import get_default_dtype
from deepgrad.nn.module import Module
from deepgrad.nn.parameter import Parameter


class _BatchNorm(Module):
    """y = (x - mu) / sqrt(sigma^2 + eps) * gamma + beta per channel (axis 1 of x), the statistics
    over every other axis.

    Training: mu, sigma^2 are the batch mean and biased variance, and the buffers move towards
    them: running = (1 - m) * running + m * batch (the variance unbiased, n / (n - 1)), where
    m = momentum, or m = 1 / num_batches_tracked when momentum is None (the cumulative moving
    average). Evaluation: the running statistics. track_running_stats=False keeps no buffers
    (none in state_dict) and uses the batch statistics in evaluation too. gamma (`weight`) = 1,
    beta (`bias`) = 0 at init. num_batches_tracked is int64. All as torch.
    """

    ranks = ()  # the input ranks the subclass accepts

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True):
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{type(self).__name__}: momentum must be in [0, 1] or None, got "
                             f"{momentum!r}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.track_running_stats = bool(track_running_stats)
        dtype = get_default_dtype()
        self.weight = Parameter(np.ones(self.num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(self.num_features, dtype)) if affine else None
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(self.num_features, dtype))
            self.register_buffer("running_var", np.ones(self.num_features, dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), np.int64))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def _check_input(self, x):
        name, shape = type(self).__name__, tuple(x.shape)
        if len(shape) not in self.ranks:
            raise ValueError(f"{name}: expected a {' or '.join(f'{r}-D' for r in self.ranks)} "
                             f"input, got shape {shape}")
        if shape[1] != self.num_features:
            raise ValueError(f"{name} expects {self.num_features} channels (features) in "
                             f"dimension 1, got {shape[1]} (input shape {shape})")

    def forward(self, x):
        self._check_input(x)
        x = dg.as_tensor(x)  # an array in gives a Tensor out, in every mode
        axes = (0, *range(2, x.ndim))
        channel = (1, -1) + (1,) * (x.ndim - 2)  # (C,) vectors broadcast along axis 1
        if self.training or not self.track_running_stats:
            n = math.prod(x.shape) // self.num_features
            if n < 2:
                raise ValueError(f"{type(self).__name__}: batch statistics need more than 1 "
                                 f"value per channel, got input shape {tuple(x.shape)}")
            mean = dg.mean(x, axis=axes, keepdims=True)
            centred = x - mean
            var = dg.mean(centred * centred, axis=axes, keepdims=True)
            y = centred / dg.sqrt(var + self.eps)
            if self.training and self.track_running_stats:
                self._update(mean.data.reshape(-1), var.data.reshape(-1) * (n / (n - 1)))
        else:
            mean, var = self.running_mean.reshape(channel), self.running_var.reshape(channel)
            y = (x - mean) / np.sqrt(var + self.eps)
        if self.weight is not None and x.ndim == 2:
            y = y * self.weight + self.bias
        elif self.weight is not None:
            y = y * dg.reshape(self.weight, channel) + dg.reshape(self.bias, channel)
        return y

    def _update(self, mean, unbiased_var):
        self.num_batches_tracked += 1
        m = 1.0 / int(self.num_batches_tracked) if self.momentum is None else self.momentum
        self.running_mean *= 1 - m
        self.running_mean += m * mean
        self.running_var *= 1 - m
        self.running_var += m * unbiased_var

    def config(self):
        return {"num_features": self.num_features, "eps": self.eps, "momentum": self.momentum,
                "affine": self.weight is not None,
                "track_running_stats": self.track_running_stats}

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.weight is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) rows or (N, C, L) signals (torch.nn.BatchNorm1d)."""

    ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) images, per channel (torch.nn.BatchNorm2d)."""

    ranks = (4,)
