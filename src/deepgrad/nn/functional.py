"""Losses and other functions of tensors (as torch.nn.functional); clear errors for bad targets.

Logits are unnormalised scores z (N, C); p = softmax(z). The cross-entropies use the fused,
log-sum-exp-stable engine primitives, so logits of +-1e4 give finite losses and gradients.
"""

import numpy as np

import deepgrad as dg
from deepgrad.engine.compile import validation
from deepgrad.engine.primitives import cross_entropy_prim
from deepgrad.engine.primitives import mse_loss as fused_mse_loss
from deepgrad.engine.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def softmax(x, axis=-1):
    """p_i = exp(x_i) / sum_j exp(x_j) along `axis`."""
    return dg.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    """log p_i = x_i - logsumexp(x) along `axis`."""
    return dg.log_softmax(x, axis=axis)


def _reduce(loss, reduction):
    if reduction == "mean":
        return dg.mean(loss)
    return dg.sum(loss) if reduction == "sum" else loss


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _check_labels(name, scores, target):
    """Validate integer labels (N,) in [0, C) for scores (N, C)."""
    if scores.ndim != 2:
        raise ValueError(f"{name}: expected scores of shape (N, C), got shape "
                         f"{tuple(scores.shape)}")
    n, c = scores.shape
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: class labels must be integers, got dtype {target.dtype} "
                        f"(convert with y.astype(np.int64), or pass probabilities of shape "
                        f"({n}, {c}))")
    if target.shape != (n,):
        raise ValueError(f"{name}: expected {n} labels of shape ({n},), got shape "
                         f"{target.shape}")
    with validation():  # a check that raises, not a branch: compiled replays skip it
        bad = n and (np.minimum.reduce(target) < 0 or np.maximum.reduce(target) >= c)
    if bad:
        raise ValueError(f"{name}: labels must be in [0, {c}) for {c} classes, got values from "
                         f"{target.min()} to {target.max()}")


def cross_entropy(logits, target, reduction="mean"):
    """l_n = -log softmax(z_n)[y_n] for integer labels y (N,), or -sum_c q_nc log softmax(z_n)_c
    for class probabilities q (N, C); then the mean (default), sum, or none over n."""
    _check_reduction("cross_entropy", reduction)
    t = _data(target)
    if t.dtype.kind == "f" and t.ndim == 2:
        if t.shape != tuple(logits.shape):
            raise ValueError(f"cross_entropy: probabilities have shape {t.shape}, logits "
                             f"{tuple(logits.shape)}; they must match")
    else:
        _check_labels("cross_entropy", logits, t)
    return cross_entropy_prim(logits, target, reduction=reduction)  # validated above


def nll_loss(log_probs, target, reduction="mean"):
    """l_n = -log_probs[n, y_n] for integer labels y (N,) (log_probs from log_softmax)."""
    _check_reduction("nll_loss", reduction)
    t = _data(target)
    _check_labels("nll_loss", log_probs, t)
    return _reduce(-log_probs[np.arange(len(t)), t], reduction)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """l = -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))], computed stably from z."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    t = _data(target)
    if t.shape != tuple(logits.shape):
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {t.shape} does not "
                         f"match logits shape {tuple(logits.shape)}")
    if isinstance(target, Tensor):  # keep the tensor: a target that requires grad gets one
        t = target if target.dtype == logits.dtype else dg.astype(target, logits.dtype)
    else:
        t = t.astype(logits.dtype, copy=False)
    return dg.binary_cross_entropy_with_logits(logits, t, reduction=reduction)


def mse_loss(input, target, reduction="mean"):
    """l = (input - target)^2 elementwise; shapes must match (no silent broadcasting)."""
    _check_reduction("mse_loss", reduction)
    shape = tuple(_data(target).shape)
    if shape != tuple(input.shape):
        raise ValueError(f"mse_loss: target shape {shape} does not match input shape "
                         f"{tuple(input.shape)} (e.g. use y.reshape(-1, 1) for one output)")
    if not isinstance(target, Tensor):
        target = np.asarray(target).astype(input.dtype, copy=False)
    elif target.dtype != input.dtype:
        target = dg.astype(target, input.dtype)
    return fused_mse_loss(input, target, reduction=reduction)  # one graph node


def l1_penalty(parameters):
    """sum_i |w_i| over all parameters (add lambda * this to a loss for L1 regularisation)."""
    return sum(dg.sum(dg.abs(p)) for p in parameters)


def l2_penalty(parameters):
    """sum_i w_i^2 over all parameters (weight decay adds lambda / 2 times this)."""
    return sum(dg.sum(p * p) for p in parameters)
