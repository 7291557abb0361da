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


def _binary(prim):
    """``a op b`` and its reflected ``b op a`` (for ``2 * x``) as two methods calling ``prim``."""
    return (lambda self, other: prim(self, other)), (lambda self, other: prim(other, self))


def _unary(prim):
    """``x.exp()``, ``-x``: a method calling ``prim`` on the tensor."""
    return lambda self: prim(self)


class Operators:
    """The computing half of Tensor's interface (see the module docstring)."""

    __add__, __radd__ = _binary(P.add)
    __sub__, __rsub__ = _binary(P.sub)
    __mul__, __rmul__ = _binary(P.mul)
    __truediv__, __rtruediv__ = _binary(P.div)
    __pow__, __rpow__ = _binary(P.pow)
    __matmul__, __rmatmul__ = _binary(P.matmul)
    __neg__, __abs__ = _unary(P.neg), _unary(P.abs)
    exp, log, sqrt, abs = _unary(P.exp), _unary(P.log), _unary(P.sqrt), _unary(P.abs)
    relu, sigmoid, tanh = _unary(P.relu), _unary(P.sigmoid), _unary(P.tanh)
    T = property(_unary(P.transpose))

    def __pos__(self):
        return self

    def __getitem__(self, index):
        return P.getitem(self, index=_index_data(index))

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return P.reshape(self, shape=tuple(shape))

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
