"""Convolution and pooling: two new primitives (im2col, col2im), everything else composed.

A convolution is a matrix product over windows: ``im2col`` copies every receptive field of the
(padded) input into a column, one GEMM with the weight matrix does all positions at once, and a
reshape/transpose puts the channels back. ``im2col`` is linear (affine when it pads with a fill
value other than 0), so its VJP is its adjoint ``col2im`` (scatter-add of the columns back onto
the input) and its JVP is itself on the tangent; ``col2im``'s VJP is ``im2col``. Both are ordinary
primitives, so double backward, HVPs and JVPs through a CNN come from the existing rules of
matmul, reshape, transpose, sum and mul.

Layout: ``im2col(x)`` for x of shape (N, C, *S) returns (C, *K, N, *O): kernel taps next to the
channels (the GEMM's contraction axis) and the batch next to the output positions, so the copy
reads runs of contiguous input and the weight (Out, C, *K) is one matrix (Out, C*prod(K)).

Batching rules (vmap) for these primitives do not exist yet: the engine has none (issue 14).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import primitives as P
from .batched import Batched, levels_of
from .errors import ShapeError
from .primitives import Primitive, linear_map
from .tensor import Tensor


# --------------------------------------------------------------------------- the two primitives

def _out_sizes(padded, kernel, stride, dilation):
    return tuple((s - d * (k - 1) - 1) // st + 1
                 for s, k, st, d in zip(padded, kernel, stride, dilation))


def _im2col_fwd(x, kernel, stride, dilation, padding, fill):
    """x (N, C, *S) -> the windows of the padded x as a contiguous (C, *K, N, *O) array."""
    dims = len(kernel)
    if any(lo or hi for lo, hi in padding):  # a filled buffer and one copy: np.pad is slower
        padded = np.full(x.shape[:2] + tuple(s + lo + hi for s, (lo, hi) in
                                             zip(x.shape[2:], padding)), fill, dtype=x.dtype)
        padded[(Ellipsis,) + tuple(slice(lo, lo + s) for s, (lo, _) in
                                   zip(x.shape[2:], padding))] = x
        x = padded
    out = _out_sizes(x.shape[2:], kernel, stride, dilation)
    sp = x.strides[2:]
    view = as_strided(
        x, x.shape[:2] + out + tuple(kernel),
        x.strides[:2] + tuple(s * st for s, st in zip(sp, stride))
        + tuple(s * d for s, d in zip(sp, dilation)),
        writeable=False)
    axes = (1,) + tuple(range(2 + dims, 2 + 2 * dims)) + (0,) + tuple(range(2, 2 + dims))
    return np.ascontiguousarray(view.transpose(axes))


def _col2im_fwd(cols, shape, kernel, stride, dilation, padding):
    """The adjoint of im2col: add every column back where it was read from; drop the padding.

    A loop over the kernel's taps (9 for 3x3), each one strided add over all positions at once.
    """
    dims = len(kernel)
    n, c = shape[:2]
    padded = tuple(s + lo + hi for s, (lo, hi) in zip(shape[2:], padding))
    out_sizes = cols.shape[2 + dims:]
    out = np.zeros((c, n) + padded, dtype=cols.dtype)
    for tap in itertools.product(*(range(k) for k in kernel)):
        where = tuple(slice(t * d, t * d + st * (o - 1) + 1, st)
                      for t, d, st, o in zip(tap, dilation, stride, out_sizes))
        out[(slice(None), slice(None)) + where] += cols[(slice(None),) + tap]
    inner = tuple(slice(lo, lo + s) for s, (lo, _) in zip(shape[2:], padding))
    return out[(slice(None), slice(None)) + inner].transpose((1, 0) + tuple(range(2, 2 + dims)))


# cols = im2col(x) (windows of x padded with `fill`)     x_bar = col2im(cols_bar)
# cols_dot = im2col(x_dot) with zero fill (the fill is a constant: it has no tangent)
_im2col = Primitive(
    "im2col", _im2col_fwd,
    (lambda d, g, y, x, kernel, stride, dilation, padding, fill:
        d.col2im(g, x.shape, kernel, stride, dilation, padding),),
    lambda d, dots, y, x, kernel, stride, dilation, padding, fill:
        d.im2col(dots[0], kernel, stride, dilation, padding, 0.0), batch="im2col",
)

# x = col2im(cols)           cols_bar = im2col(x_bar)          x_dot = col2im(cols_dot)
_col2im = linear_map(
    "col2im", _col2im_fwd,
    (lambda d, g, y, c, shape, kernel, stride, dilation, padding:
        d.im2col(g, kernel, stride, dilation, padding, 0.0),),
    batch="col2im",
)

def im2col(x, kernel, stride=1, dilation=1, padding=0, fill=0.0):
    """Windows of x (N, C, *S) as (C, *K, N, *O); ints are repeated over the spatial dims."""
    dims = len(kernel)
    return _im2col(x, kernel=tuple(kernel), stride=_tuple(stride, dims, "stride"),
                   dilation=_tuple(dilation, dims, "dilation"),
                   padding=_pairs(padding, dims), fill=float(fill))


# --------------------------------------------------------------------------- argument checks

def _tuple(value, dims, name, op="im2col", minimum=1):
    values = (value,) * dims if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != dims or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                      and v >= minimum for v in values):
        raise ValueError(f"{op}: {name} must be an int >= {minimum} or {dims} of them, "
                         f"got {value!r}")
    return tuple(int(v) for v in values)


def _pairs(padding, dims, op="im2col"):
    """Symmetric per-dim padding (an int or one int per dim) as ((lo, hi), ...)."""
    return tuple((p, p) for p in _tuple(padding, dims, "padding", op, minimum=0))


def _conv_padding(padding, kernel, stride, dilation, op):
    """PyTorch's padding: an int, one int per dim, "valid" (none) or "same" (stride 1 only;
    the odd extra zero goes after, as PyTorch)."""
    dims = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * dims
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' needs stride 1 (as PyTorch), got "
                                 f"stride {stride}")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        raise ValueError(f"{op}: padding must be an int, a tuple, 'same' or 'valid', "
                         f"got {padding!r}")
    return _pairs(padding, dims, op)


def _check_input(op, x, dims):
    if not isinstance(x, Tensor):
        x = Tensor(np.asarray(x))
    if x.ndim != dims + 2:
        raise ShapeError(f"{op}: input must have {dims + 2} dims (N, C and {dims} spatial), "
                         f"got shape {x.shape}")
    return x


def _check_fits(op, padded, kernel, dilation):
    for s, k, d in zip(padded, kernel, dilation):
        if d * (k - 1) + 1 > s:
            raise ShapeError(f"{op}: the (dilated) kernel {d * (k - 1) + 1} is larger than the "
                             f"padded input size {s}")


# --------------------------------------------------------------------------- convolution

def conv(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, op="conv"):
    """N-d cross-correlation as PyTorch's convNd (weight (Out, C/groups, *K), bias (Out,)).

    y[n, o] = b[o] + sum_{c in o's group, k} w[o, c, k] x_pad[n, c, stride * p + dilation * k]:
    im2col, one GEMM per group (one in all when groups=1), then channels back in front.
    """
    dims = np.ndim(weight) - 2
    x = _check_input(op, x, dims)
    kernel = tuple(weight.shape[2:])
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    n, c = x.shape[:2]
    out_ch, c_per_group = weight.shape[:2]
    if c != c_per_group * groups or out_ch % groups:
        raise ShapeError(f"{op}: input has {c} channels and weight has shape {weight.shape} "
                         f"with groups={groups}: need in_channels = weight.shape[1] * groups and "
                         "out_channels divisible by groups")
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise ShapeError(f"{op}: bias must have shape ({out_ch},), got {tuple(bias.shape)}")
    stride = _tuple(stride, dims, "stride", op)
    dilation = _tuple(dilation, dims, "dilation", op)
    pads = _conv_padding(padding, kernel, stride, dilation, op)
    _check_fits(op, [s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads)], kernel, dilation)
    cols = _im2col(x, kernel=kernel, stride=stride, dilation=dilation, padding=pads, fill=0.0)
    out_sizes = cols.shape[2 + dims:]
    rows, positions = c_per_group * math.prod(kernel), n * math.prod(out_sizes)
    if groups == 1:  # one plain 2-D GEMM: (Out, C*K) @ (C*K, N*O)
        y = P.matmul(P.reshape(weight, (out_ch, rows)), P.reshape(cols, (rows, positions)))
    else:  # a batch of GEMMs, one per group
        y = P.matmul(P.reshape(weight, (groups, out_ch // groups, rows)),
                     P.reshape(cols, (groups, rows, positions)))
    y = P.reshape(y, (out_ch, n) + tuple(out_sizes))
    if bias is not None:
        y = y + P.reshape(bias, (out_ch,) + (1,) * (dims + 1))
    return P.transpose(y, (1, 0) + tuple(range(2, 2 + dims)))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution as torch.nn.functional.conv1d: input (N, C, L), weight (Out, C/g, K)."""
    _check_weight("conv1d", weight, 3)
    return conv(input, weight, bias, stride, padding, dilation, groups, op="conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution as torch.nn.functional.conv2d: input (N, C, H, W), weight (Out, C/g, kH, kW)."""
    _check_weight("conv2d", weight, 4)
    return conv(input, weight, bias, stride, padding, dilation, groups, op="conv2d")


def _check_weight(op, weight, ndim):
    if np.ndim(weight) != ndim:
        raise ShapeError(f"{op}: weight must have {ndim} dims (out, in/groups, kernel...), got "
                         f"shape {np.shape(weight)}")


# --------------------------------------------------------------------------- pooling

def _pool_windows(op, x, kernel_size, stride, padding, dilation, dims, fill):
    """The windows of a pooling layer as (C, prod(K), N, *O), and the transposition back."""
    x = _check_input(op, x, dims)
    kernel = _tuple(kernel_size, dims, "kernel_size", op)
    stride = kernel if stride is None else _tuple(stride, dims, "stride", op)
    dilation = _tuple(dilation, dims, "dilation", op)
    pads = _pairs(padding, dims, op)
    if any(lo > k // 2 for (lo, _), k in zip(pads, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size "
                         f"{kernel} (as PyTorch)")
    _check_fits(op, [s + 2 * lo for s, (lo, _) in zip(x.shape[2:], pads)], kernel, dilation)
    cols = _im2col(x, kernel=kernel, stride=stride, dilation=dilation, padding=pads, fill=fill)
    c, n = x.shape[1], x.shape[0]
    out_sizes = tuple(cols.shape[2 + dims:])
    return P.reshape(cols, (c, math.prod(kernel), n) + out_sizes), (1, 0) + tuple(range(2, 2 + dims))


def _max_pool(op, x, kernel_size, stride, padding, dilation, dims):
    """Max over each window (padding never wins: it is -inf).

    NOTE: at ties the whole gradient goes to the first maximum in the window's row-major order,
    as PyTorch's CPU kernel (its argmax keeps the first ``val > max``); overlapping windows add.
    Built as sum(where(onehot(argmax), windows, 0)): the mask is a constant, so every derivative
    follows (``where``, not a product: the -inf padding times 0 would be nan).
    """
    cols, back = _pool_windows(op, x, kernel_size, stride, padding, dilation, dims, -np.inf)
    levels = levels_of(cols)  # under vmap the array holds the batch axes in front
    window_axis = 1 + len(levels)
    first = np.expand_dims(np.argmax(cols.data, axis=window_axis), window_axis)
    mask = np.zeros(cols.data.shape, dtype=bool)
    np.put_along_axis(mask, first, True, axis=window_axis)
    if levels:  # the mask is batched alike (vmap.py)
        mask = Batched.make(Tensor._wrap(mask), levels)
    return P.transpose(P.sum(P.where(mask, cols, 0.0), 1), back)


def _avg_pool(op, x, kernel_size, stride, padding, dims):
    """Mean over each window; zero padding counts in the mean (PyTorch's count_include_pad=True)."""
    cols, back = _pool_windows(op, x, kernel_size, stride, padding, 1, dims, 0.0)
    return P.transpose(P.mean(cols, 1), back)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1):
    """Max pooling over (N, C, L) as torch's (stride defaults to kernel_size; no ceil_mode)."""
    return _max_pool("max_pool1d", input, kernel_size, stride, padding, dilation, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1):
    """Max pooling over (N, C, H, W) as torch's (stride defaults to kernel_size; no ceil_mode)."""
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, 2)


def avg_pool1d(input, kernel_size, stride=None, padding=0):
    """Average pooling over (N, C, L) as torch's defaults (count_include_pad=True, no ceil_mode)."""
    return _avg_pool("avg_pool1d", input, kernel_size, stride, padding, 1)


def avg_pool2d(input, kernel_size, stride=None, padding=0):
    """Average pooling over (N, C, H, W) as torch's defaults (count_include_pad=True)."""
    return _avg_pool("avg_pool2d", input, kernel_size, stride, padding, 2)


def _adaptive_matrix(size, out):
    """Rows average x[floor(i L / out) : ceil((i + 1) L / out)]: PyTorch's bins, any sizes."""
    a = np.zeros((out, size))
    for i in range(out):
        lo, hi = (i * size) // out, -((-(i + 1) * size) // out)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def _adaptive_sizes(op, output_size, dims, spatial):
    sizes = (output_size,) * dims if isinstance(output_size, (int, np.integer)) else \
        tuple(output_size)
    sizes = tuple(s if s is not None else spatial[i] for i, s in enumerate(sizes))
    return _tuple(sizes, dims, "output_size", op)


def adaptive_avg_pool1d(input, output_size):
    """Average over output_size bins of L (any sizes, PyTorch's bins): x @ A^T."""
    x = _check_input("adaptive_avg_pool1d", input, 1)
    (out,) = _adaptive_sizes("adaptive_avg_pool1d", output_size, 1, x.shape[2:])
    return P.matmul(x, _adaptive_matrix(x.shape[2], out).T.astype(x.dtype))


def adaptive_avg_pool2d(input, output_size):
    """Average over (oH, oW) bins of (H, W) (any sizes, PyTorch's bins): A_H x A_W^T."""
    x = _check_input("adaptive_avg_pool2d", input, 2)
    oh, ow = _adaptive_sizes("adaptive_avg_pool2d", output_size, 2, x.shape[2:])
    rows = _adaptive_matrix(x.shape[2], oh).astype(x.dtype)
    return P.matmul(P.matmul(rows, x), _adaptive_matrix(x.shape[3], ow).T.astype(x.dtype))


# --------------------------------------------------------------------------- flatten

def flatten(input, start_dim=1, end_dim=-1):
    """Merge dims start_dim..end_dim into one (as torch.flatten; nn.Flatten's default start 1)."""
    shape = tuple(input.shape)
    nd = len(shape)
    start, end = start_dim % max(nd, 1), end_dim % max(nd, 1)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                         f"tensor of {nd} dims")
    return P.reshape(input, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def unflatten(input, dim, sizes):
    """Split dim into sizes (one may be -1), as torch.unflatten."""
    shape = tuple(input.shape)
    dim = dim % len(shape)
    sizes = tuple(int(s) for s in sizes)
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1 or (-1 not in sizes and known != shape[dim]) or \
            (-1 in sizes and (known == 0 or shape[dim] % known)):
        raise ShapeError(f"unflatten: sizes {sizes} do not split dim {dim} of size {shape[dim]}")
    return P.reshape(input, shape[:dim] + sizes + shape[dim + 1:])
