"""The rules' vocabulary, in two faces: one table, a column for arrays and one for Tensors.

Every VJP and JVP rule is written once against a namespace ``d`` (``d.exp(x)``, ``d.sum(g, axis)``).
``ARRAY_OPS`` holds NumPy functions: an ordinary first-order ``backward()`` runs the rules on raw
ndarrays and records nothing. ``TENSOR_OPS`` holds deepgrad's own primitives: with
``create_graph=True`` and in forward mode the same rules record themselves, so derivatives of any
order need no extra code (HIPS autograd's central idea). The table below is the whole vocabulary:
a name, then what it means on arrays, then on Tensors.
"""

from __future__ import annotations

import operator
from types import SimpleNamespace

import numpy as np
import scipy.special

from . import conv, primitives as P
from .fast import select
from .primitives.base import _sum_to_axes
from .primitives.elementwise import _pow_da_fwd, _pow_dp_fwd
from .primitives.reductions import _mean_fwd, _softmax_fwd
from .primitives.shape import _getitem_adjoint_fwd

# On arrays, ndarray methods where NumPy has them: they skip the dispatch layer of the np.*
# functions (about 1 us per call).


def _sum(x, axis=None, keepdims=False):  # cotangents are float: add.reduce is sum, faster
    return np.add.reduce(x, axis=axis, keepdims=keepdims)


def _broadcast_to(x, shape):
    # Materialised: the next rule needs the values anyway, and it is cheaper than a view here.
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


def _sum_to(x, shape):
    axes = _sum_to_axes(x.shape, shape)
    return x.sum(axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)


def _keywords(prim, *names):
    """``prim`` called as the rules call a word, its parameters in order: ``d.getitem(g, index)``."""
    return lambda x, *params: prim(x, **dict(zip(names, params)))


_TABLE = {
    # name            on arrays (first-order backward)                  on Tensors (recorded)
    "exp":            (np.exp,                                           P.exp),
    "log":            (np.log,                                           P.log),
    "sin":            (np.sin,                                           P.sin),
    "cos":            (np.cos,                                           P.cos),
    "sign":           (np.sign,                                          P.sign),
    "tanh":           (np.tanh,                                          P.tanh),
    "sigmoid":        (scipy.special.expit,                              P.sigmoid),
    "erf":            (scipy.special.erf,                                P.erf),
    "pow":            (np.power,                                         P.pow),
    "pow_da":         (_pow_da_fwd,                                      P.pow_da),
    "pow_dp":         (_pow_dp_fwd,                                      P.pow_dp),
    "where":          (select.where,                                     P.where),
    "matmul":         (np.matmul,                                        P.matmul),
    "zeros_like":     (np.zeros_like,                                    P.zeros_like),
    "astype":         (lambda x, dtype: x.astype(dtype),                 P.astype),
    "reshape":        (lambda x, shape: x.reshape(shape),                P.reshape),
    "transpose":      (lambda x, axes=None: x.transpose(axes),           P.transpose),
    "mT":             (operator.attrgetter("mT"),                        P.mT),
    "sum":            (_sum,                                             P.sum),
    "mean":           (_mean_fwd,                                        P.mean),
    "broadcast_to":   (_broadcast_to,                                    P.broadcast_to),
    "sum_to":         (_sum_to,                                          P.sum_to),
    "softmax":        (lambda x, axis=-1: _softmax_fwd(x, axis),         P.softmax),
    "linear":         (lambda x, w: np.matmul(x, w.T),                   P.linear),
    "getitem":        (lambda x, index: x[index],                        _keywords(P.getitem, "index")),
    "getitem_adjoint": (_getitem_adjoint_fwd,
                        _keywords(P._getitem_adjoint, "index", "shape")),
    "im2col":         (conv._im2col_fwd,
                       _keywords(conv._im2col, "kernel", "stride", "dilation", "padding", "fill")),
    "col2im":         (conv._col2im_fwd,
                       _keywords(conv._col2im, "shape", "kernel", "stride", "dilation", "padding")),
}

ARRAY_OPS = SimpleNamespace(**{name: on_arrays for name, (on_arrays, _) in _TABLE.items()})
TENSOR_OPS = SimpleNamespace(**{name: on_tensors for name, (_, on_tensors) in _TABLE.items()})
