"""Linear: the affine layer y = x W^T + b."""

import math

import numpy as np

import deepgrad as dg
from deepgrad.engine.tensor import get_default_dtype
from deepgrad.nn import init
from deepgrad.nn.module import Module
from deepgrad.nn.parameter import Parameter


def check_features(name, x, expected):
    """Raise a clear error when the last dimension of x is not `expected`."""
    shape = getattr(x, "shape", None)  # one read of the property (hasattr would be a second)
    shape = np.shape(x) if shape is None else shape
    if not shape or shape[-1] != expected:
        raise ValueError(f"{name} expects {expected} input features, got "
                         f"{shape[-1] if shape else 'a scalar'} (input shape {tuple(shape)})")


class Linear(Module):
    """y = x W^T + b.  x: (..., in_features), W: (out_features, in_features), b: (out_features,).

    Init as PyTorch: W and b ~ U(-1/sqrt(in_features), 1/sqrt(in_features)) (kaiming_uniform_ with
    a = sqrt(5) for W). `generator`: a numpy Generator or seed for the init (None = global).
    """

    def __init__(self, in_features, out_features, bias=True, generator=None):
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"Linear: {name} must be a positive integer, got {value!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        dtype = get_default_dtype()
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype=dtype)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x):
        check_features("Linear", x, self.in_features)
        return dg.linear(x, self.weight, self.bias)

    def config(self):
        return {"in_features": self.in_features, "out_features": self.out_features,
                "bias": self.bias is not None}

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
