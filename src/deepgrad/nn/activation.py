"""Activation modules: elementwise nonlinearities phi, parameter-free.

`ACTIVATIONS` maps the names that `MLP(activation=...)` accepts to these classes.
"""

import numpy as np

import deepgrad as dg
from deepgrad.engine.tensor import Tensor
from deepgrad.nn.module import Module


class _Activation(Module):
    def config(self):
        return {}


class ReLU(_Activation):
    """phi(x) = max(x, 0).  NOTE: phi'(0) = 0, as PyTorch."""

    def forward(self, x):
        return dg.relu(x)


class LeakyReLU(_Activation):
    """phi(x) = x for x > 0, negative_slope * x otherwise.  NOTE: phi'(0) = negative_slope."""

    def __init__(self, negative_slope=0.01):
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        return dg.leaky_relu(x, self.negative_slope)

    def config(self):
        return {"negative_slope": self.negative_slope}

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(_Activation):
    """phi(x) = 1 / (1 + exp(-x))."""

    def forward(self, x):
        return dg.sigmoid(x)


class Tanh(_Activation):
    """phi(x) = tanh(x)."""

    def forward(self, x):
        return dg.tanh(x)


class Softplus(_Activation):
    """phi(x) = log(1 + exp(x)), a smooth ReLU."""

    def forward(self, x):
        return dg.softplus(x)


class GELU(_Activation):
    """phi(x) = x Phi(x), Phi the standard normal CDF (the exact form, PyTorch's default)."""

    def forward(self, x):
        return dg.gelu(x)


class SiLU(_Activation):
    """phi(x) = x sigmoid(x) (the swish)."""

    def forward(self, x):
        return x * dg.sigmoid(x)


class Identity(_Activation):
    """phi(x) = x. Any constructor arguments are ignored, as torch's."""

    def forward(self, x):
        return x


class Step(_Activation):
    """Heaviside step, phi(x) = 1 if x >= 0 else 0: Louppe's perceptron ("1 if sum_i w_i x_i + b
    >= 0"), so phi(0) = at_zero = 1 by default; Step(at_zero=0.0) gives 1 only for x > 0. As
    torch.heaviside(x, values=at_zero).  NOTE: no gradient flows through it: the output is a
    constant of the graph."""

    def __init__(self, at_zero=1.0):
        self.at_zero = float(at_zero)

    def forward(self, x):
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        return Tensor(np.heaviside(data, self.at_zero).astype(data.dtype))

    def config(self):
        return {"at_zero": self.at_zero}

    def extra_repr(self):
        return f"at_zero={self.at_zero}"


class Sign(_Activation):
    """phi(x) = sign(x) in {-1, 0, 1} (the perceptron with +-1 labels).  NOTE: sign(0) = 0.
    No gradient flows through it: the output is a constant of the graph."""

    def forward(self, x):
        data = x.data if isinstance(x, Tensor) else np.asarray(x)
        return Tensor(np.sign(data))


ACTIVATIONS = {"relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh,
               "softplus": Softplus, "gelu": GELU, "silu": SiLU, "identity": Identity, "step": Step,
               "sign": Sign}


def make_activation(name):
    """The activation module called `name` (a key of ACTIVATIONS)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name]()
