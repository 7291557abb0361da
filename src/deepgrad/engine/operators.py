"""Tensor's operators and methods, installed on the class in one place.

The operators (``a + b``, ``a @ b``, ``x[i]``), the methods that compute (``x.exp()``,
``x.reshape(...)``) and ``x.backward()`` are one-line calls into primitives and the backward
pass, which build on ``tensor.py``; written in ``tensor.py`` they would make the files import each
other in a circle. They are written here, above both, and copied onto ``Tensor`` once, when the
engine is imported (``engine/__init__.py`` imports this module first). The PyTorch-named methods
(``torch_methods.py``) are installed the same way.
"""

from __future__ import annotations

import numpy as np

from . import backward, primitives as P
from .tensor import Tensor, _index_data
from .torch_methods import TorchMethods


class Operators:
    """The computing half of Tensor's interface (see the module docstring)."""

    def __add__(self, other):
        return P.add(self, other)

    def __radd__(self, other):
        return P.add(other, self)

    def __sub__(self, other):
        return P.sub(self, other)

    def __rsub__(self, other):
        return P.sub(other, self)

    def __mul__(self, other):
        return P.mul(self, other)

    def __rmul__(self, other):
        return P.mul(other, self)

    def __truediv__(self, other):
        return P.div(self, other)

    def __rtruediv__(self, other):
        return P.div(other, self)

    def __pow__(self, other):
        return P.pow(self, other)

    def __rpow__(self, other):
        return P.pow(other, self)

    def __matmul__(self, other):
        return P.matmul(self, other)

    def __rmatmul__(self, other):
        return P.matmul(other, self)

    def __neg__(self):
        return P.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return P.abs(self)

    def __getitem__(self, index):
        return P.getitem(self, index=_index_data(index))

    # ----------------------------------------------------------------- methods
    @property
    def T(self):
        return P.transpose(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return P.reshape(self, shape=tuple(shape))

    def exp(self):
        return P.exp(self)

    def log(self):
        return P.log(self)

    def sqrt(self):
        return P.sqrt(self)

    def abs(self):
        return P.abs(self)

    def relu(self):
        return P.relu(self)

    def sigmoid(self):
        return P.sigmoid(self)

    def tanh(self):
        return P.tanh(self)

    def clip(self, lo=None, hi=None):
        return P.clip(self, lo=lo, hi=hi)

    def astype(self, dtype):
        return P.astype(self, dtype=np.dtype(dtype))

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (reverse mode, as PyTorch).

        A non-scalar needs ``gradient`` (the cotangent, same shape). The graph is freed
        afterwards unless ``retain_graph`` (which defaults to ``create_graph``); ``create_graph``
        records the backward pass itself so the gradients can be differentiated again.
        """
        backward.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)


def install(methods) -> None:
    """Copy the functions and properties defined in class ``methods`` onto ``Tensor``."""
    for name, value in vars(methods).items():
        if name not in ("__module__", "__qualname__", "__doc__", "__dict__", "__weakref__"):
            setattr(Tensor, name, value)


install(Operators)
install(TorchMethods)
