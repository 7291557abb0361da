"""Losses and other functions of tensors (as torch.nn.functional); clear errors for bad targets.

Logits are unnormalised scores z (N, C); p = softmax(z). The cross-entropies use the fused,
log-sum-exp-stable engine primitives, so logits of +-1e4 give finite losses and gradients; their
torch options (class weights, ignore_index, label_smoothing, pos_weight) are composed from
primitives (log_softmax, getitem, softplus), so their gradients need no code of their own. Every
signature and formula is torch's, checked against torch in float64 (tests/nn/test_losses_torch.py).
"""

import numpy as np

import deepgrad as dg
from deepgrad.engine.hooks import validation
from deepgrad.engine.conv import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d,  # noqa: F401
                                  avg_pool2d, conv1d, conv2d, flatten, max_pool1d, max_pool2d,
                                  unflatten)
from deepgrad.engine.primitives import cross_entropy_prim
from deepgrad.engine.primitives.losses import mse_loss_prim
from deepgrad.engine.tensor import Tensor
from deepgrad.random import get_generator

_REDUCTIONS = ("mean", "sum", "none")


def softmax(input, dim=-1, *, axis=None):
    """p_i = exp(x_i) / sum_j exp(x_j) along `dim`."""
    return dg.softmax(input, axis=dim if axis is None else axis)


def log_softmax(input, dim=-1, *, axis=None):
    """log p_i = x_i - logsumexp(x) along `dim`."""
    return dg.log_softmax(input, axis=dim if axis is None else axis)


def relu(input):
    return dg.relu(input)


def leaky_relu(input, negative_slope=0.01):
    return dg.leaky_relu(input, negative_slope)


def gelu(input, approximate="none"):
    """x Phi(x) (exact), or with approximate="tanh" the tanh form of Hendrycks and Gimpel."""
    if approximate == "none":
        return dg.gelu(input)
    if approximate != "tanh":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * input * (1 + dg.tanh(np.sqrt(2 / np.pi) * (input + 0.044715 * input ** 3)))


def silu(input):
    """x sigmoid(x) (the swish)."""
    return input * dg.sigmoid(input)


def softplus(input):
    return dg.softplus(input)


def tanh(input):
    return dg.tanh(input)


def sigmoid(input):
    return dg.sigmoid(input)


def linear(input, weight, bias=None):
    """y = x W^T + b."""
    return dg.linear(input, weight, bias)


def dropout(input, p=0.5, training=True, generator=None):
    """Inverted dropout: zero with probability p and scale by 1 / (1 - p) when training.
    NOTE: training defaults to True, as torch's functional form."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    x = input if isinstance(input, Tensor) else Tensor(input)
    if not training or p == 0.0:
        return x
    keep = get_generator(generator).random(x.shape) >= p
    return x * (keep * (0.0 if p == 1.0 else 1.0 / (1.0 - p))).astype(x.dtype)


def one_hot(tensor, num_classes=-1):
    """Integer labels (...,) -> int64 (..., num_classes) with a 1 at each label (no gradient);
    num_classes=-1 means max label + 1."""
    labels = _data(tensor)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    k = int(labels.max()) + 1 if num_classes == -1 else int(num_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f"one_hot: labels must be in [0, {k}), got values from {labels.min()} "
                         f"to {labels.max()}")
    return Tensor(np.eye(k, dtype=np.int64)[labels])


def _reduce(loss, reduction):
    if reduction == "mean":
        return dg.mean(loss)
    return dg.sum(loss) if reduction == "sum" else loss


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _check_labels(name, scores, target, ignore_index=None):
    """Validate integer labels (N,) in [0, C) (or equal to ignore_index) for scores (N, C); True
    when some label is ignore_index."""
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
        # one min and max answer both questions unless ignore_index lies within them
        lo, hi = (np.minimum.reduce(target), np.maximum.reduce(target)) if n else (0, -1)
        ignored = (ignore_index is not None and lo <= ignore_index <= hi
                   and bool(np.any(target == ignore_index)))
        if ignored:
            kept = target[target != ignore_index]
            lo, hi = (kept.min(), kept.max()) if kept.size else (0, -1)
    if lo < 0 or hi >= c:
        raise ValueError(f"{name}: labels must be in [0, {c}) for {c} classes, got values from "
                         f"{lo} to {hi}")
    return ignored


def _class_weights(name, weight, c, dtype):
    if weight is None:
        return None
    w = np.asarray(_data(weight), dtype=dtype)
    if w.shape != (c,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({c},), got "
                         f"shape {w.shape}")
    return w


def _weighted_nll(name, log_probs, t, weight, ignore_index, reduction):
    """-w_{y_n} log_probs[n, y_n], ignored rows 0; the mean divides by sum of w_{y_n} (torch)."""
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    w = np.ones(log_probs.shape[1], log_probs.dtype) if weight is None else weight
    scale = (w[safe] * keep).astype(log_probs.dtype)
    losses = -log_probs[np.arange(len(t)), safe] * scale
    if reduction == "mean":
        return _weighted_mean(losses, scale.sum())
    return dg.sum(losses) if reduction == "sum" else losses


def _weighted_mean(losses, total):
    """sum(losses) / total; with every target ignored (total 0) NaN with a zero gradient, as
    torch (not NaN gradients from 0 / 0)."""
    return dg.sum(losses) / total if total else dg.sum(losses) + np.nan


def _classes_last(name, input, target):
    """Scores (N, C, d1, ...) with labels (N, d1, ...) or probabilities (N, C, d1, ...), or
    unbatched (C,) with () or (C,), as rows (M, C) with (M,) labels or (M, C) probabilities; and
    the shape of the per-element losses (None: the rows are the input, (N,))."""
    t = _data(target)
    if input.ndim == 2:
        return input, target, None
    if input.ndim == 0:
        raise ValueError(f"{name}: expected scores of shape (N, C) or (N, C, d1, ...), got a "
                         "scalar")
    probabilities = t.dtype.kind == "f" and t.ndim == input.ndim
    shape, c = tuple(input.shape), input.shape[min(1, input.ndim - 1)]
    wanted = shape if probabilities else shape[:1] + shape[2:] if input.ndim > 1 else ()
    if t.shape != wanted:
        raise ValueError(f"{name}: target has shape {t.shape}; for scores of shape {shape} it "
                         f"must be {wanted} (class labels) or {shape} (class probabilities)")
    if probabilities and isinstance(target, Tensor):  # moved with the graph: it gets a gradient
        t = target
    if input.ndim == 1:
        rows = dg.reshape(input, (1, c))
        return rows, (dg.reshape(t, (1, c)) if probabilities else t.reshape(1)), ()
    order = (0, *range(2, input.ndim), 1)  # the class axis last, then one row per position
    rows = dg.reshape(dg.transpose(input, order), (-1, c))
    t = dg.reshape(dg.transpose(t, order), (-1, c)) if probabilities else t.reshape(-1)
    return rows, t, wanted if not probabilities else shape[:1] + shape[2:]


def _per_element(loss, shape, reduction):
    """The per-row losses of _classes_last back in the (N, d1, ...) shape (reduction 'none')."""
    return loss if shape is None or reduction != "none" else dg.reshape(loss, shape)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """l_n = -w_{y_n} log softmax(z_n)[y_n] for integer labels y (N,), or -sum_c w_c q_nc log
    softmax(z_n)_c for class probabilities q (N, C); then the mean (weighted: divided by the
    sum of w_{y_n} over rows not equal to ignore_index), sum, or none over n. label_smoothing
    eps mixes in the uniform target: (1 - eps) l_n + eps / C sum_c -w_c log p_nc (torch).
    Scores (N, C, d1, ...) take labels (N, d1, ...) or probabilities (N, C, d1, ...), one loss
    per position (the mean over all of them); (C,) takes one label () or (C,), as torch."""
    _check_reduction("cross_entropy", reduction)
    input = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    rows, target, shape = _classes_last("cross_entropy", input, target)
    return _per_element(_cross_entropy_rows(rows, target, weight, ignore_index, reduction,
                                            label_smoothing), shape, reduction)


def _cross_entropy_rows(input, target, weight, ignore_index, reduction, label_smoothing):
    """cross_entropy of scores (N, C)."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    t = _data(target)
    probabilities = t.dtype.kind == "f" and t.ndim == 2
    if probabilities:
        if ignore_index != -100:
            raise ValueError(f"cross_entropy: ignore_index={ignore_index} applies to class "
                             "labels, not to class probabilities (as torch)")
        if t.shape != tuple(input.shape):
            raise ValueError(f"cross_entropy: probabilities have shape {t.shape}, logits "
                             f"{tuple(input.shape)}; they must match")
    ignored = not probabilities and _check_labels("cross_entropy", input, t, ignore_index)
    c = input.shape[-1]
    w = _class_weights("cross_entropy", weight, c, input.dtype)
    plain = w is None and label_smoothing == 0.0
    if plain and not ignored and not probabilities:  # labels: the fused primitive
        return cross_entropy_prim(input, target, reduction=reduction)  # validated above
    log_p = dg.log_softmax(input, axis=-1)
    if probabilities:  # a Tensor target keeps its graph: it gets a gradient, as in torch
        q = target if isinstance(target, Tensor) else t
        q = q * (1 - label_smoothing) + label_smoothing / c
        losses = -dg.sum(log_p * (q if w is None else q * w), axis=-1)
        return _reduce(losses, reduction)
    loss = _weighted_nll("cross_entropy", log_p, t, w, ignore_index, reduction)
    if label_smoothing == 0.0:
        return loss
    keep = (t != ignore_index).astype(input.dtype)
    smooth = -dg.sum(log_p if w is None else log_p * w, axis=-1) * keep
    if reduction == "mean":
        denominator = keep.sum() if w is None else (w[np.where(t != ignore_index, t, 0)]
                                                    * keep).sum()
        smooth = _weighted_mean(smooth, denominator)
    elif reduction == "sum":
        smooth = dg.sum(smooth)
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / c)


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """l_n = -w_{y_n} input[n, y_n] for integer labels y (N,) (input from log_softmax); the mean
    divides by the sum of w_{y_n} over rows not equal to ignore_index (torch). Input
    (N, C, d1, ...) takes labels (N, d1, ...); (C,) one label (), as torch."""
    _check_reduction("nll_loss", reduction)
    input = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    t = _data(target)
    if t.dtype.kind == "f" and t.ndim == input.ndim:
        raise TypeError(f"nll_loss: target must be integer class labels, got dtype {t.dtype} "
                        f"and shape {t.shape} (class probabilities go to cross_entropy)")
    rows, t, shape = _classes_last("nll_loss", input, t)
    _check_labels("nll_loss", rows, t, ignore_index)
    w = _class_weights("nll_loss", weight, rows.shape[-1], rows.dtype)
    return _per_element(_weighted_nll("nll_loss", rows, t, w, ignore_index, reduction), shape,
                        reduction)


def _same_shape(name, input, target):
    t = _data(target)
    if t.shape != tuple(input.shape):
        raise ValueError(f"{name}: target shape {t.shape} does not match input shape "
                         f"{tuple(input.shape)} (no silent broadcasting; e.g. y.reshape(-1, 1))")
    return t.astype(input.dtype, copy=False)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """l = -w [p y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))] = w [p y softplus(-z) + (1 - y)
    softplus(z)], computed stably from z; pos_weight p per class (last dimension), as torch."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    t = _same_shape("binary_cross_entropy_with_logits", input, target)
    if isinstance(target, Tensor):  # keep the tensor: a target that requires grad gets one
        t = target if target.dtype == input.dtype else dg.astype(target, input.dtype)
    if weight is None and pos_weight is None:
        return dg.binary_cross_entropy_with_logits(input, t, reduction=reduction)  # fused
    p = 1.0 if pos_weight is None else np.asarray(_data(pos_weight), input.dtype)
    losses = (p * t) * dg.softplus(-input) + (1 - t) * dg.softplus(input)
    if weight is not None:
        losses = losses * np.asarray(_data(weight), input.dtype)
    return _reduce(losses, reduction)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """l = -w [y log x + (1 - y) log(1 - x)] for probabilities x; each log is clamped at -100,
    as torch (so x = 0 or 1 gives a finite loss)."""
    _check_reduction("binary_cross_entropy", reduction)
    t = _same_shape("binary_cross_entropy", input, target)
    x = _data(input)
    with validation():
        bad = x.size and (np.minimum.reduce(x, axis=None) < 0 or
                          np.maximum.reduce(x, axis=None) > 1)
    if bad:
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1] (for "
                         "logits use binary_cross_entropy_with_logits)")
    losses = -(t * dg.clip(dg.log(input), -100.0) + (1 - t) * dg.clip(dg.log(1 - input), -100.0))
    if weight is not None:
        losses = losses * np.asarray(_data(weight), input.dtype)
    return _reduce(losses, reduction)


def l1_loss(input, target, reduction="mean"):
    """l = |input - target|.  NOTE: its gradient at 0 is 0, as torch's."""
    _check_reduction("l1_loss", reduction)
    return _reduce(dg.abs(input - _same_shape("l1_loss", input, target)), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """l = d^2 / 2 for |d| < delta, else delta (|d| - delta / 2), d = input - target."""
    _check_reduction("huber_loss", reduction)
    d = input - _same_shape("huber_loss", input, target)
    a = dg.abs(d)
    return _reduce(dg.where(a.data < delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """l = d^2 / (2 beta) for |d| < beta, else |d| - beta / 2 (Huber / beta; beta = 0: L1)."""
    _check_reduction("smooth_l1_loss", reduction)
    d = input - _same_shape("smooth_l1_loss", input, target)
    a = dg.abs(d)
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(dg.where(a.data < beta, 0.5 * d * d / beta, a - 0.5 * beta), reduction)


def mse_loss(input, target, reduction="mean"):
    """l = (input - target)^2 elementwise; shapes must match (no silent broadcasting)."""
    _check_reduction("mse_loss", reduction)
    # a Tensor's own shape: under vmap one example's (its .data holds them all)
    shape = tuple(target.shape) if isinstance(target, Tensor) else np.shape(target)
    if shape != tuple(input.shape):
        raise ValueError(f"mse_loss: target shape {shape} does not match input shape "
                         f"{tuple(input.shape)} (e.g. use y.reshape(-1, 1) for one output)")
    if not isinstance(target, Tensor):
        target = np.asarray(target).astype(input.dtype, copy=False)
    elif target.dtype != input.dtype:
        target = dg.astype(target, input.dtype)
    return mse_loss_prim(input, target, reduction=reduction)  # one graph node, checked above


def l1_penalty(parameters):
    """sum_i |w_i| over all parameters (add lambda * this to a loss for L1 regularisation)."""
    return sum(dg.sum(dg.abs(p)) for p in parameters)


def l2_penalty(parameters):
    """sum_i w_i^2 over all parameters (weight decay adds lambda / 2 times this)."""
    return sum(dg.sum(p * p) for p in parameters)
