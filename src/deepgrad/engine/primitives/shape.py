"""Shape primitives: reshape, transpose, broadcast_to, getitem, concatenate, stack, pad.

All are linear maps, declared with ``linear_map``: each JVP is derived (the op applied to the
tangent); each VJP is the adjoint map, written by hand.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .base import _EveryInput, _data, _is_basic_index, _norm_axis, _sum_to_axes, linear_map
from .reductions import sum

# --------------------------------------------------------------------------- shape ops
# Linear maps, declared so (linear_map): each JVP is the op applied to the tangent.

# y = reshape(x)              x_bar = reshape(y_bar, x.shape)
_reshape = linear_map(
    "reshape", lambda x, shape: np.reshape(x, shape),
    (lambda d, g, y, x, shape: d.reshape(g, x.shape),),
    batch="reshape",
)


def reshape(x, shape):
    """View ``x`` with a new shape (one entry may be -1)."""
    return _reshape(x, shape=tuple(shape) if isinstance(shape, (tuple, list)) else (shape,))


def _inverse_axes(axes):
    return None if axes is None else tuple(np.argsort(axes))


# y = transpose(x, axes)      x_bar = transpose(y_bar, axes^-1)
_transpose = linear_map(
    "transpose", lambda x, axes: np.transpose(x, axes),
    (lambda d, g, y, x, axes: d.transpose(g, _inverse_axes(axes)),),
    batch="transpose",
)


def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None)."""
    return _transpose(x, axes=None if axes is None else tuple(int(a) for a in axes))


def mT(x):
    """Swap the last two axes (matrix transpose of a batch)."""
    return transpose(x, tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2))


# y = broadcast_to(x, shape)  x_bar = y_bar summed back to x.shape (by the engine)
_broadcast_to = linear_map(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    (lambda d, g, y, x, shape: g,),
    batch="broadcast_to",
)


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape`` as NumPy does."""
    return _broadcast_to(x, shape=tuple(shape))


def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (undo broadcasting): the adjoint of ``broadcast_to``."""
    shape = tuple(shape)
    axes = _sum_to_axes(x.shape, shape)
    return reshape(sum(x, axes, keepdims=True), shape) if axes else reshape(x, shape)


def _getitem_adjoint_fwd(g, index, shape):
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)  # repeated indices accumulate
    return out


# y = x[index]                x_bar = zeros(x.shape) with y_bar added at index
getitem = linear_map(
    "getitem", lambda x, index: x[index],
    (lambda d, g, y, x, index: d.getitem_adjoint(g, index, x.shape),),
    batch="getitem",
)

# y = zeros(shape); y[index] += g      g_bar = y_bar[index]     (adjoint of getitem)
_getitem_adjoint = linear_map(
    "getitem_adjoint", _getitem_adjoint_fwd,
    (lambda d, g, y, x, index, shape: d.getitem(g, index),),
    batch="getitem_adjoint")


def _split_index(i, xs, axis):
    start = int(np.sum([x.shape[axis] for x in xs[:i]], dtype=int))
    sl = [slice(None)] * xs[i].ndim
    sl[axis] = slice(start, start + xs[i].shape[axis])
    return tuple(sl)


# y = [x_1, ..., x_n] along axis     x_i_bar = y_bar[slice of x_i]
_concatenate = linear_map(
    "concatenate", lambda *xs, axis: np.concatenate(xs, axis),
    _EveryInput(lambda i, d, g, y, *xs, axis: d.getitem(g, _split_index(i, xs, axis))),
    batch="join")


def concatenate(xs, axis=0):
    """Join tensors along an existing axis."""
    xs = list(xs)
    return _concatenate(*xs, axis=_norm_axis(axis, np.ndim(xs[0]))[0])


# y = stack(x_1, ..., x_n) on a new axis     x_i_bar = y_bar[i along axis]
_stack = linear_map(
    "stack", lambda *xs, axis: np.stack(xs, axis),
    _EveryInput(lambda i, d, g, y, *xs, axis: d.getitem(g, (slice(None),) * axis + (i,))),
    batch="join",
)


def stack(xs, axis=0):
    """Join tensors along a new axis."""
    xs = list(xs)
    return _stack(*xs, axis=_norm_axis(axis, np.ndim(xs[0]) + 1)[0])


def _unpad_index(pad_width, shape):
    return tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, shape))


# y = pad(x, pad_width) with zeros    x_bar = y_bar[the interior]
_pad = linear_map(
    "pad", lambda x, pad_width: np.pad(x, pad_width),
    (lambda d, g, y, x, pad_width: d.getitem(g, _unpad_index(pad_width, x.shape)),),
    batch="pad",
)


def pad(x, pad_width):
    """Zero-pad: ``pad_width`` is an int, a (before, after) pair, or one pair per axis."""
    pw = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    return _pad(x, pad_width=tuple((int(a), int(b)) for a, b in pw))


def zeros_like(x):
    """A constant (non-differentiable) tensor of zeros shaped like ``x``."""
    if type(x) is not Tensor and hasattr(x, "zeros_like"):  # a vmap batch (vmap.Batched):
        return x.zeros_like()  # zeros per example, batched alike
    return Tensor._wrap(np.zeros_like(_data(x)))
