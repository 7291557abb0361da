"""The top-level reductions and joins with torch's keywords beside NumPy's: ``dg.sum(x, dim=1,
keepdim=True)``, ``dg.cat(xs, dim=0)``, ``dg.max(x, dim=1)`` -> (values, indices), as torch.

Each is one Tensor method call (or primitive), so the PyTorch-style block of tensor.py is the
single place where torch's conventions live.
"""

from . import primitives as P
from .tensor import Tensor


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def sum(x, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
    return _t(x).sum(axis, keepdims, dim=dim, keepdim=keepdim, dtype=dtype)


def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    return _t(x).mean(axis, keepdims, dim=dim, keepdim=keepdim)


def var(x, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None, unbiased=None,
        correction=None):
    return _t(x).var(axis, keepdims, ddof, dim=dim, keepdim=keepdim, unbiased=unbiased,
                     correction=correction)


def std(x, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None, unbiased=None,
        correction=None):
    return _t(x).std(axis, keepdims, ddof, dim=dim, keepdim=keepdim, unbiased=unbiased,
                     correction=correction)


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """dg.max(x) and dg.max(x, axis=a) give values; dg.max(x, d) or dim=d gives (values,
    indices), as torch.max."""
    return _t(x).max(dim, keepdim, axis=axis, keepdims=keepdims)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _t(x).min(dim, keepdim, axis=axis, keepdims=keepdims)


def argmax(x, dim=None, keepdim=False, *, axis=None):
    return _t(x).argmax(dim, keepdim, axis=axis)


def argmin(x, dim=None, keepdim=False, *, axis=None):
    return _t(x).argmin(dim, keepdim, axis=axis)


def logsumexp(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    if dim is not None:
        axis = dim
    return P.logsumexp(x, axis=axis, keepdims=keepdims if keepdim is None else keepdim)


def softmax(x, axis=-1, *, dim=None):
    return P.softmax(x, axis=axis if dim is None else dim)


def log_softmax(x, axis=-1, *, dim=None):
    return P.log_softmax(x, axis=axis if dim is None else dim)


def concatenate(xs, axis=0, *, dim=None):
    return P.concatenate(xs, axis=axis if dim is None else dim)


def stack(xs, axis=0, *, dim=None):
    return P.stack(xs, axis=axis if dim is None else dim)


def dot(a, b):
    """a @ b for vectors and matrices (as jnp.dot and torch.dot on vectors)."""
    return P.matmul(a, b)


cat = concat = concatenate
