"""LayerNorm: standardise each sample over its last dimensions, then scale and shift (Ba et al.,
2016)."""

import numpy as np

import deepgrad as dg
from deepgrad.engine.tensor import get_default_dtype
from deepgrad.nn.module import Module
from deepgrad.nn.parameter import Parameter


class LayerNorm(Module):
    """y = (x - mu) / sqrt(sigma^2 + eps) * gamma + beta, with mu, sigma^2 the mean and biased
    variance of each sample over the trailing `normalized_shape` dimensions; the same in training
    and evaluation. gamma (`weight`) = 1, beta (`bias`) = 0 at init, both of normalized_shape.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True):
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape, self.eps = tuple(int(d) for d in shape), eps
        dtype = get_default_dtype()
        self.weight = Parameter(np.ones(self.normalized_shape, dtype)) \
            if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype)) \
            if elementwise_affine else None

    def forward(self, x):
        k = len(self.normalized_shape)
        if tuple(x.shape[-k:]) != self.normalized_shape:
            raise ValueError(f"LayerNorm expects inputs ending in {self.normalized_shape}, got "
                             f"shape {tuple(x.shape)}")
        axes = tuple(range(-k, 0))
        centred = x - dg.mean(x, axis=axes, keepdims=True)
        var = dg.mean(centred * centred, axis=axes, keepdims=True)
        y = centred / dg.sqrt(var + self.eps)
        if self.weight is not None:
            y = y * self.weight + self.bias
        return y

    def config(self):
        return {"normalized_shape": list(self.normalized_shape), "eps": self.eps,
                "elementwise_affine": self.weight is not None}

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}"
