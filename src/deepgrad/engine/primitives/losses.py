"""Losses: cross-entropy with logits, binary cross-entropy with logits, squared error.

Cross-entropy with labels and squared error are fused primitives for speed (one node on the
training hot path), binary cross-entropy for accuracy: its one formula is exact for every logit
(softplus(z) - z y, composed, rounds bce(50, 1) = 1.9e-22 to 0). Cross-entropy with class
probabilities is composed (-sum p log_softmax(z)): stable, and its derivatives follow exactly.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..hooks import validation
from . import reductions
from .base import Primitive, _data, _shape, _sum_dots
from .reductions import _logsumexp_fwd, log_softmax


def _ce_fwd(z, labels, reduction):
    return _reduce(_logsumexp_fwd(z, (1,), False) - z[np.arange(len(z)), labels], reduction)


def _reduce(losses, reduction):
    if reduction == "mean":  # the ufunc directly: np.mean's dispatch costs 2 us per loss
        return np.add.reduce(losses, axis=None) / losses.size
    return np.sum(losses) if reduction == "sum" else losses


def _reduced(d, per, reduction):
    """Per-sample losses (or their tangents) reduced as the loss is, with the ops ``d``."""
    if reduction == "mean":
        return d.mean(per)
    return d.sum(per) if reduction == "sum" else per


def _per_sample(d, g, n, reduction):
    """Cotangent of the per-sample losses given the reduced loss's cotangent."""
    if reduction == "mean":
        return g / n
    return g if reduction == "sum" else d.reshape(g, (n, 1))


def _ce_residual(d, z, labels):
    """d loss_i / d z_i = softmax(z_i) - onehot(y_i)."""
    s = d.softmax(z, (1,))
    if type(s) is np.ndarray:  # a fresh array: subtract 1 in place
        s[np.arange(z.shape[0]), labels] -= 1
        return s
    onehot = np.zeros(z.shape, dtype=z.dtype)
    onehot[np.arange(z.shape[0]), _data(labels)] = 1
    return s - onehot


# loss_i = logsumexp(z_i) - z_i[y_i]           z_bar = (softmax(z) - onehot(y)) * loss_bar
# NOTE: stable for logits of any size: only softmax/logsumexp of shifted logits are formed.
cross_entropy_prim = Primitive(
    "cross_entropy", _ce_fwd,
    (lambda d, g, y, z, labels, reduction:
        _ce_residual(d, z, labels) * _per_sample(d, g, z.shape[0], reduction), None),
    lambda d, dots, y, z, labels, reduction:
        _reduced(d, d.sum(_ce_residual(d, z, labels) * dots[0], (1,)), reduction),
    batch="cross_entropy",
)


def _check_reduction(name, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_class_target(name, logits, target):
    """Integer labels (N,) in [0, C), or float probabilities (N, C), for logits (N, C)."""
    # shapes as the tensors show them (one example's under vmap), values from the arrays
    zs, ts, t = tuple(_shape(logits)), tuple(_shape(target)), np.asarray(_data(target))
    if len(zs) != 2:
        raise ShapeError(f"{name}: logits must have shape (N, C), got shape {zs}")
    n, c = zs
    if t.dtype.kind == "f":
        if ts != zs:
            raise TypeError(f"{name}: a float target is read as class probabilities of shape {zs}, got "
                            f"shape {ts}; class labels must be integers (target.astype(np.int64))")
        return
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class labels or float probabilities, "
                        f"got dtype {t.dtype}")
    if ts != (n,):
        raise ShapeError(f"{name}: target must hold {n} labels of shape ({n},), got shape {ts}")
    with validation():  # a check that raises, not a branch: compiled replays skip it
        bad = n and (np.minimum.reduce(t) < 0 or np.maximum.reduce(t) >= c)
    if bad:
        raise ValueError(f"{name}: target labels must be in [0, {c}) for {c} classes, got values "
                         f"from {t.min()} to {t.max()}")


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy of logits (N, C) with integer labels (N,) or probabilities (N, C).

    Validated as ``nn.functional.cross_entropy``: labels outside [0, C) (-1 included), float
    targets that are not (N, C) probabilities and labels of another shape raise, naming target.
    """
    _check_reduction("cross_entropy", reduction)
    _check_class_target("cross_entropy", logits, target)
    if _data(target).dtype.kind not in "iu":  # class probabilities; p need not sum to 1 (as PyTorch)
        return _reduced(reductions, -reductions.sum(target * log_softmax(logits, 1), 1), reduction)
    return cross_entropy_prim(logits, target, reduction=reduction)


def _bce_fwd(z, y, reduction):
    # NOTE: stability rewrite: max(z, 0) - z y + log(1 + exp(-|z|)) never overflows.
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return _reduce(losses, reduction)


def _per_element(g, x, reduction, scale=1):
    """``scale`` times each element's loss cotangent given the reduced loss's (x: a Tensor or not),
    in one operation on g (mse's 2 folded into the mean's 1/n: one 0-d operation fewer)."""
    if reduction == "mean":
        return g / math.prod(x.shape) if scale == 1 else g * (scale / math.prod(x.shape))
    return g if scale == 1 else scale * g


def _bce_jvp(d, dots, out, z, y, reduction):
    return _reduced(d, _sum_dots(((d.sigmoid(z) - y) * dots[0] if dots[0] is not None else None,
                                  -z * dots[1] if dots[1] is not None else None)), reduction)


# loss = max(z,0) - z y + log(1 + e^-|z|)     z_bar = (sigmoid(z) - y) loss_bar, y_bar = -z loss_bar
bce_with_logits_prim = Primitive(
    "binary_cross_entropy_with_logits", _bce_fwd,
    (lambda d, g, out, z, y, reduction: (d.sigmoid(z) - y) * _per_element(g, z, reduction),
     lambda d, g, out, z, y, reduction: -z * _per_element(g, z, reduction)),
    _bce_jvp, batch="elementwise_loss",
)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """Sigmoid + binary cross-entropy in one stable step (as PyTorch's); shapes must match."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    if _shape(target) != _shape(logits):
        raise ShapeError(f"binary_cross_entropy_with_logits: target has shape {_shape(target)} but "
                         f"logits have shape {_shape(logits)}; they must match (no broadcasting)")
    return bce_with_logits_prim(logits, target, reduction=reduction)


def _mse_fwd(x, t, reduction):
    diff = x - t
    diff *= diff  # in place: one temporary instead of two
    return _reduce(diff, reduction)


def _mse_jvp(d, dots, out, x, t, reduction):
    dx = dots[0] if dots[1] is None else (-dots[1] if dots[0] is None else dots[0] - dots[1])
    return _reduced(d, 2 * (x - t) * dx, reduction)


# loss = reduce((x - t)^2)     x_bar = 2 (x - t) loss_bar,  t_bar = -x_bar
# Fused: one node instead of sub, mul and mean (a third of the W1 toy step's graph).
mse_loss_prim = Primitive(
    "mse_loss", _mse_fwd,
    (lambda d, g, out, x, t, reduction: (x - t) * _per_element(g, x, reduction, 2),
     lambda d, g, out, x, t, reduction: (t - x) * _per_element(g, x, reduction, 2)),
    _mse_jvp, batch="elementwise_loss",
)


def mse_loss(input, target, reduction="mean"):
    """Squared error (input - target)^2, reduced by mean, sum or none (shapes must match)."""
    if _shape(input) != _shape(target):
        raise ShapeError(f"mse_loss: input has shape {_shape(input)} but target has "
                         f"shape {_shape(target)}; they must match (no broadcasting)")
    _check_reduction("mse_loss", reduction)
    return mse_loss_prim(input, target, reduction=reduction)
