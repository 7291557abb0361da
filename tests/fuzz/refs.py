"""The reference side of the fuzzer: one small vocabulary of ops, written for PyTorch and for JAX.

A fuzz entry's reference expression calls ``o.NAME(...)``; ``o`` is ``TORCH`` for the comparison
and ``JAX`` for the arbiter (consulted only where deepgrad and PyTorch disagree). Constants in an
expression are NumPy arrays or Python numbers; each side converts them. Indexing is referenced
through flat positions (``take``/``scatter`` with ``np.arange(n).reshape(shape)[index]``), which is
the same function as NumPy's indexing for every kind of index (slices, integer arrays, masks).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(o, losses, reduction):
    if reduction == "mean":
        return o.mean(losses, None, False)
    return o.sum(losses, None, False) if reduction == "sum" else losses


class TorchOps:
    """The vocabulary on torch tensors (float64)."""

    name = "torch"

    @staticmethod
    def c(x):
        if isinstance(x, torch.Tensor):
            return x
        if isinstance(x, np.ndarray):
            return torch.from_numpy(x.copy())
        return torch.tensor(x, dtype=torch.float64)

    def add(self, a, b): return self.c(a) + self.c(b)
    def sub(self, a, b): return self.c(a) - self.c(b)
    def mul(self, a, b): return self.c(a) * self.c(b)
    def div(self, a, b): return self.c(a) / self.c(b)
    def neg(self, x): return -x
    def pow(self, a, b): return torch.pow(self.c(a), self.c(b))
    def pow_da(self, a, p): return self.c(p) * torch.pow(self.c(a), self.c(p) - 1)
    def pow_dp(self, a, p): return torch.pow(self.c(a), self.c(p)) * torch.log(self.c(a))
    def exp(self, x): return torch.exp(x)
    def log(self, x): return torch.log(x)
    def sqrt(self, x): return torch.sqrt(x)
    def abs(self, x): return torch.abs(x)
    def sign(self, x): return torch.sign(x)
    def sin(self, x): return torch.sin(x)
    def cos(self, x): return torch.cos(x)
    def tanh(self, x): return torch.tanh(x)
    def sigmoid(self, x): return torch.sigmoid(x)
    def erf(self, x): return torch.erf(x)
    def relu(self, x): return torch.relu(x)
    def leaky_relu(self, x, s): return F.leaky_relu(x, s)
    def softplus(self, x): return torch.logaddexp(x, torch.zeros_like(x))  # no threshold
    def gelu(self, x): return F.gelu(x)
    def maximum(self, a, b): return torch.maximum(self.c(a), self.c(b))
    def minimum(self, a, b): return torch.minimum(self.c(a), self.c(b))
    def where(self, c, a, b): return torch.where(self.c(c), self.c(a), self.c(b))
    def clip(self, x, lo, hi): return torch.clamp(x, lo, hi)
    def identity(self, x): return x.clone()
    def astype32(self, x): return x.to(torch.float32).to(torch.float64)

    @staticmethod
    def _dims(x, axis):
        return tuple(range(x.ndim)) if axis is None else axis

    def sum(self, x, axis, keepdims): return torch.sum(x, dim=self._dims(x, axis), keepdim=keepdims)
    def mean(self, x, axis, keepdims): return torch.mean(x, dim=self._dims(x, axis), keepdim=keepdims)
    def max(self, x, axis, keepdims): return torch.amax(x, dim=self._dims(x, axis), keepdim=keepdims)
    def min(self, x, axis, keepdims): return torch.amin(x, dim=self._dims(x, axis), keepdim=keepdims)

    def var(self, x, axis, keepdims, ddof):
        return torch.var(x, dim=self._dims(x, axis), correction=ddof, keepdim=keepdims)

    def logsumexp(self, x, axis, keepdims):
        return torch.logsumexp(x, dim=self._dims(x, axis), keepdim=keepdims)

    def softmax(self, x, axis): return torch.softmax(x, dim=axis)
    def log_softmax(self, x, axis): return torch.log_softmax(x, dim=axis)
    def reshape(self, x, shape): return torch.reshape(x, shape)

    def transpose(self, x, axes):
        return torch.permute(x, tuple(reversed(range(x.ndim))) if axes is None else axes)

    def broadcast_to(self, x, shape): return torch.broadcast_to(x, shape)
    def take(self, x, flat): return x.reshape(-1)[torch.from_numpy(flat)]

    def scatter(self, g, flat, shape):
        n = int(np.prod(shape))
        out = torch.zeros(n, dtype=g.dtype).index_add(0, torch.from_numpy(flat.reshape(-1)),
                                                      g.reshape(-1))
        return out.reshape(shape)

    def concatenate(self, xs, axis): return torch.cat(xs, dim=axis)
    def stack(self, xs, axis): return torch.stack(xs, dim=axis)

    def pad(self, x, pad_width):
        flat = []
        for lo, hi in reversed(pad_width):
            flat += [lo, hi]
        return F.pad(x, flat)

    def matmul(self, a, b): return torch.matmul(a, b)
    def linear(self, x, w, b=None): return F.linear(x, w, b)

    def cross_entropy(self, z, target, reduction):
        return F.cross_entropy(z, self.c(target), reduction=reduction)

    def bce_with_logits(self, z, y, reduction):
        return F.binary_cross_entropy_with_logits(z, self.c(y), reduction=reduction)

    def mse_loss(self, x, t, reduction): return F.mse_loss(x, self.c(t), reduction=reduction)

    def conv(self, dims, x, w, b, stride, padding, dilation, groups):
        conv = F.conv1d if dims == 1 else F.conv2d
        return conv(x, self.c(w), None if b is None else self.c(b), stride, padding, dilation,
                    groups)

    def max_pool(self, dims, x, k, stride, padding):
        return (F.max_pool1d if dims == 1 else F.max_pool2d)(x, k, stride, padding)

    def avg_pool(self, dims, x, k, stride, padding):
        return (F.avg_pool1d if dims == 1 else F.avg_pool2d)(x, k, stride, padding)

    def col2im(self, cols, shape, k, stride, dilation, padding):  # torch's fold
        cols = self.c(cols)
        n, c = shape[:2]
        blocks = cols.permute(3, 0, 1, 2, 4, 5).reshape(n, c * k[0] * k[1], -1)
        return F.fold(blocks, shape[2:], k, dilation=dilation, padding=padding[0][0],
                      stride=stride)


class JaxOps:
    """The same vocabulary on jax arrays (float64): the arbiter where PyTorch is wrong."""

    name = "jax"

    @staticmethod
    def c(x):
        return jnp.asarray(x)

    def add(self, a, b): return self.c(a) + self.c(b)
    def sub(self, a, b): return self.c(a) - self.c(b)
    def mul(self, a, b): return self.c(a) * self.c(b)
    def div(self, a, b): return self.c(a) / self.c(b)
    def neg(self, x): return -x
    def pow(self, a, b): return jnp.power(self.c(a), self.c(b))
    def pow_da(self, a, p): return self.c(p) * jnp.power(self.c(a), self.c(p) - 1)
    def pow_dp(self, a, p): return jnp.power(self.c(a), self.c(p)) * jnp.log(self.c(a))
    def exp(self, x): return jnp.exp(x)
    def log(self, x): return jnp.log(x)
    def sqrt(self, x): return jnp.sqrt(x)
    # |x| as x sign(x): the value of jnp.abs with PyTorch's and deepgrad's abs'(0) = 0 (JAX's is
    # 1), so that JAX can arbitrate a program where PyTorch fails elsewhere (tests/fuzz/test_found.py)
    def abs(self, x): return x * jnp.sign(x)
    def sign(self, x): return jnp.sign(x)
    def sin(self, x): return jnp.sin(x)
    def cos(self, x): return jnp.cos(x)
    def tanh(self, x): return jnp.tanh(x)
    def sigmoid(self, x): return jax.nn.sigmoid(x)
    def erf(self, x): return jax.scipy.special.erf(x)
    def relu(self, x): return jax.nn.relu(x)
    def leaky_relu(self, x, s): return jnp.where(x > 0, x, x * s)
    def softplus(self, x): return jnp.logaddexp(x, 0.0)
    def gelu(self, x): return jax.nn.gelu(x, approximate=False)
    def maximum(self, a, b): return jnp.maximum(self.c(a), self.c(b))
    def minimum(self, a, b): return jnp.minimum(self.c(a), self.c(b))
    def where(self, c, a, b): return jnp.where(self.c(c), self.c(a), self.c(b))

    def clip(self, x, lo, hi):  # inclusive mask at the bounds, as deepgrad and torch.clamp
        inside = jnp.ones(x.shape, bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        return jnp.where(inside, x, jax.lax.stop_gradient(jnp.clip(x, lo, hi)))

    def identity(self, x): return x + 0.0
    def astype32(self, x): return x.astype(jnp.float32).astype(jnp.float64)
    def sum(self, x, axis, keepdims): return jnp.sum(x, axis=axis, keepdims=keepdims)
    def mean(self, x, axis, keepdims): return jnp.mean(x, axis=axis, keepdims=keepdims)
    def max(self, x, axis, keepdims): return jnp.max(x, axis=axis, keepdims=keepdims)
    def min(self, x, axis, keepdims): return jnp.min(x, axis=axis, keepdims=keepdims)
    def var(self, x, axis, keepdims, ddof): return jnp.var(x, axis=axis, keepdims=keepdims, ddof=ddof)

    def logsumexp(self, x, axis, keepdims):
        return jax.scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)

    def softmax(self, x, axis): return jax.nn.softmax(x, axis=axis)
    def log_softmax(self, x, axis): return jax.nn.log_softmax(x, axis=axis)
    def reshape(self, x, shape): return jnp.reshape(x, shape)
    def transpose(self, x, axes): return jnp.transpose(x, axes)
    def broadcast_to(self, x, shape): return jnp.broadcast_to(x, shape)
    def take(self, x, flat): return x.reshape(-1)[flat]

    def scatter(self, g, flat, shape):
        n = int(np.prod(shape))
        return jnp.zeros(n, g.dtype).at[flat.reshape(-1)].add(g.reshape(-1)).reshape(shape)

    def concatenate(self, xs, axis): return jnp.concatenate(xs, axis)
    def stack(self, xs, axis): return jnp.stack(xs, axis)
    def pad(self, x, pad_width): return jnp.pad(x, pad_width)
    def matmul(self, a, b): return jnp.matmul(a, b)

    def linear(self, x, w, b=None):
        y = jnp.matmul(x, w.T)
        return y if b is None else y + b

    def cross_entropy(self, z, target, reduction):
        logp = jax.nn.log_softmax(z, axis=1)
        if isinstance(target, np.ndarray) and target.dtype.kind in "iu":
            losses = -logp[np.arange(len(target)), target]
        else:
            losses = -jnp.sum(self.c(target) * logp, axis=1)
        return _reduce(self, losses, reduction)

    def bce_with_logits(self, z, y, reduction):
        # y softplus(-z) + (1 - y) softplus(z): smooth, and exact where the loss is tiny
        # (z = 50, y = 1: softplus(z) - z y cancels to 0, whose sqrt has an infinite slope)
        y = self.c(y)
        losses = y * jnp.logaddexp(-z, 0.0) + (1 - y) * jnp.logaddexp(z, 0.0)
        return _reduce(self, losses, reduction)

    def mse_loss(self, x, t, reduction): return _reduce(self, (x - self.c(t)) ** 2, reduction)

    def conv(self, dims, x, w, b, stride, padding, dilation, groups):
        spec = ("NCH", "OIH", "NCH") if dims == 1 else ("NCHW", "OIHW", "NCHW")
        y = jax.lax.conv_general_dilated(self.c(x), self.c(w), (stride,) * dims,
                                         [(padding, padding)] * dims, rhs_dilation=(dilation,) * dims,
                                         dimension_numbers=spec, feature_group_count=groups)
        return y if b is None else y + self.c(b).reshape((1, -1) + (1,) * dims)

    def _window(self, dims, x, k, stride, padding, init, op):
        stride = k if stride is None else stride
        pads = [(0, 0), (0, 0)] + [(padding, padding)] * dims
        return jax.lax.reduce_window(self.c(x), init, op, (1, 1) + (k,) * dims,
                                     (1, 1) + (stride,) * dims, pads)

    def max_pool(self, dims, x, k, stride, padding):
        return self._window(dims, x, k, stride, padding, -jnp.inf, jax.lax.max)

    def avg_pool(self, dims, x, k, stride, padding):  # zero padding counts (PyTorch's default)
        return self._window(dims, x, k, stride, padding, 0.0, jax.lax.add) / k ** dims

    def col2im(self, cols, shape, k, stride, dilation, padding):  # the VJP of patch extraction
        cols = self.c(cols)
        n, c = shape[:2]
        patches = lambda x: jax.lax.conv_general_dilated_patches(  # noqa: E731
            x, k, stride, list(padding), rhs_dilation=dilation)
        _, vjp = jax.vjp(patches, jnp.zeros(shape, cols.dtype))
        g = cols.transpose(3, 0, 1, 2, 4, 5).reshape((n, c * k[0] * k[1]) + cols.shape[4:])
        return vjp(g)[0]


TORCH = TorchOps()
JAX = JaxOps()
