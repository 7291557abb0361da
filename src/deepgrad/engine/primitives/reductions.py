"""Reductions: sum, mean, max, min, logsumexp, softmax; var and log_softmax composed from them.

A reduction's cotangent is broadcast back over the reduced axes (``_expand``).
"""

from __future__ import annotations

import builtins

import numpy as np

from ..fast.rows import reduce_kept  # whole columns at once: a speed device
from .base import Primitive, _count, _kept_shape, _norm_axis, _shape, linear_map

# --------------------------------------------------------------------------- reductions

def _expand(d, g, shape, axis, keepdims):
    """Broadcast a reduction's cotangent back over the reduced axes."""
    if not keepdims:
        g = d.reshape(g, _kept_shape(shape, axis))
    return d.broadcast_to(g, shape)


# y = sum_axis x               y_dot = sum_axis x_dot        x_bar = broadcast(y_bar)
_sum = linear_map(
    "sum", lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
    (lambda d, g, y, x, axis, keepdims: _expand(d, g, x.shape, axis, keepdims),),
    batch="reduction",
)

# y = mean_axis x              x_bar = broadcast(y_bar) / n
def _mean_fwd(x, axis=None, keepdims=False):  # (also the array vocabulary's mean)
    # np.add.reduce / n is what np.mean computes, without its 3 us of Python dispatch.
    if x.dtype.kind != "f":
        return np.mean(x, axis=axis, keepdims=keepdims)
    return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x.shape, axis)


_mean = linear_map(
    "mean", _mean_fwd,
    (lambda d, g, y, x, axis, keepdims:
        _expand(d, g, x.shape, axis, keepdims) / _count(x.shape, axis),),
    batch="reduction",
)


def _extremum_share(d, g, y, x, axis, keepdims):
    """g / k on each of the k entries attaining the max (or min), 0 elsewhere (g: x's shape)."""
    # NOTE: ties split the gradient evenly (as torch.amax / jnp.max); selection by where, so
    # an infinite g elsewhere gives 0, not 0 * inf = NaN.
    y_k = y if keepdims else d.reshape(y, _kept_shape(x.shape, axis))
    # The count is taken with the rule's own ops, so under vmap it stays per example.
    hit = x == y_k
    count = d.sum(d.astype(hit, x.dtype), axis, True)
    return d.where(hit, g / count, 0.0)


def _extremum(name, fn):
    return Primitive(
        name, lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims),
        (lambda d, g, y, x, axis, keepdims:
            _extremum_share(d, _expand(d, g, x.shape, axis, keepdims), y, x, axis, keepdims),),
        lambda d, dots, y, x, axis, keepdims:
            d.sum(_extremum_share(d, dots[0], y, x, axis, keepdims), axis, keepdims),
        batch="reduction")


# y = max_axis x               x_bar = broadcast(y_bar) [x == y] / #ties
_max = _extremum("max", np.max)
# y = min_axis x               x_bar = broadcast(y_bar) [x == y] / #ties
_min = _extremum("min", np.min)


def _logsumexp_fwd(x, axis, keepdims):
    # NOTE: stability rewrite: log sum exp(x) = m + log sum exp(x - m) with m = max x.
    m = reduce_kept(np.maximum, x, axis)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(reduce_kept(np.add, np.exp(x - m), axis)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_weights(d, y, x, axis, keepdims):
    """softmax(x) along axis: exp(x - y)."""
    y_k = y if keepdims else d.reshape(y, _kept_shape(x.shape, axis))
    return d.exp(x - y_k)


# y = log sum_axis exp(x)      x_bar = y_bar softmax(x)      y_dot = sum softmax(x) x_dot
_logsumexp = Primitive(
    "logsumexp", _logsumexp_fwd,
    (lambda d, g, y, x, axis, keepdims:
        _expand(d, g, x.shape, axis, keepdims) * _logsumexp_weights(d, y, x, axis, keepdims),),
    lambda d, dots, y, x, axis, keepdims:
        d.sum(dots[0] * _logsumexp_weights(d, y, x, axis, keepdims), axis, keepdims),
    batch="reduction")


def _reduction(prim, x, axis, keepdims):
    return prim(x, axis=_norm_axis(axis, np.ndim(x)), keepdims=bool(keepdims))


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (int, tuple or None for all)."""
    return _reduction(_sum, x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``."""
    return _reduction(_mean, x, axis, keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``; ties share the gradient evenly."""
    return _reduction(_max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis``; ties share the gradient evenly."""
    return _reduction(_min, x, axis, keepdims)


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over ``axis``; ``ddof=0`` (biased) as NumPy; pass ``ddof=1`` for torch.var's.

    Composed as np.var computes it: sum (x - mean)^2 / (n - ddof); NaN/inf when ddof >= n, as
    PyTorch.
    """
    axis = _norm_axis(axis, np.ndim(x))
    centred = x - mean(x, axis, keepdims=True)
    n = builtins.max(_count(_shape(x), axis) - int(ddof), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sum(centred * centred, axis, keepdims) / n


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed stably."""
    return _reduction(_logsumexp, x, axis, keepdims)


def _softmax_fwd(x, axis):
    e = np.exp(x - reduce_kept(np.maximum, x, axis))
    e /= reduce_kept(np.add, e, axis)
    return e


# y = softmax(x)     x_bar = y (y_bar - sum(y_bar y))      y_dot = y (x_dot - sum(x_dot y))
_softmax = Primitive(
    "softmax", _softmax_fwd,
    (lambda d, g, y, x, axis: y * (g - d.sum(g * y, axis, True)),),
    lambda d, dots, y, x, axis: y * (dots[0] - d.sum(dots[0] * y, axis, True)), batch="reduction",
)

def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
    return _softmax(x, axis=_norm_axis(axis, x.ndim))


def log_softmax(x, axis=-1):
    """s - logsumexp(s) along ``axis`` with s = x - max(x), the max held constant as PyTorch and
    JAX compute it (a row holding +inf is NaN throughout, as theirs, not [nan, -inf]); composed:
    its derivative g - softmax(x) sum(g) follows."""
    s = x - max(x, axis, keepdims=True).detach()
    return s - logsumexp(s, axis, keepdims=True)
