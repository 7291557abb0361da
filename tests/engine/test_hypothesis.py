"""Property tests against PyTorch (float64): random shapes and broadcasting for every binary op,
random reductions, and random compositions of 3-8 ops (values and gradients of every leaf)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import deepgrad as dg

SETTINGS = settings(max_examples=25, deadline=None)


def assert_close(actual, expected, rtol, what=""):
    expected = np.asarray(expected)
    scale = np.max(np.abs(expected), initial=1.0)
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=rtol * scale,
                               err_msg=what)


def compare(f_dg, f_torch, arrays, rtol=1e-10, cotangent_seed=0):
    """Value and gradient (w.r.t. every array) of f on both sides, with a random cotangent."""
    xs = [dg.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = f_dg(*xs), f_torch(*ts)
    assert y.shape == tuple(yt.shape)
    assert_close(y.data, yt.detach().numpy(), rtol, "value")
    u = np.random.default_rng(cotangent_seed).standard_normal(y.shape)
    y.backward(gradient=u)
    yt.backward(torch.from_numpy(u))
    for i, (x, t) in enumerate(zip(xs, ts)):
        assert x.grad.shape == x.shape
        assert_close(x.grad.data, t.grad.numpy(), rtol, f"gradient of input {i}")


# ------------------------------------------------------------------ binary ops, broadcasting

BINARY = {
    "add": (dg.add, torch.add, "real", "real"),
    "sub": (dg.sub, torch.sub, "real", "real"),
    "mul": (dg.mul, torch.mul, "real", "real"),
    "div": (dg.div, torch.div, "real", "nonzero"),
    "pow": (dg.pow, torch.pow, "positive", "real"),
    "maximum": (dg.maximum, torch.maximum, "real", "real"),
    "minimum": (dg.minimum, torch.minimum, "real", "real"),
    "operator-radd": (lambda a, b: b.data + a, lambda a, b: b.detach() + a, "real", "real"),
}


def draw(rng, shape, domain):
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)
    return rng.standard_normal(shape)


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4),
       seed=st.integers(0, 2**32 - 1))
def test_binary_op_broadcasting(name, shapes, seed):
    f, ft, da, db = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = (draw(rng, s, d) for s, d in zip(shapes.input_shapes, (da, db)))
    if name == "operator-radd":  # ndarray + Tensor: only a is differentiated
        compare(lambda x: f(x, dg.tensor(b)), lambda x: ft(x, torch.tensor(b)), [a])
    else:
        compare(f, ft, [a, b])


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4),
       seed=st.integers(0, 2**32 - 1))
def test_where_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    sc, sa, sb = shapes.input_shapes
    cond = np.asarray(rng.random(sc) < 0.5)
    a, b = np.asarray(rng.standard_normal(sa)), np.asarray(rng.standard_normal(sb))
    compare(lambda a, b: dg.where(cond, a, b),
            lambda a, b: torch.where(torch.from_numpy(cond), a, b), [a, b])


@SETTINGS
@given(batch=mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3),
       nkm=st.tuples(*[st.integers(1, 4)] * 3), vec=st.sampled_from(["", "a", "b", "ab"]),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_batch_broadcasting(batch, nkm, vec, seed):
    """Batched matmul with broadcast batch dimensions, and 1-D operands promoted as NumPy does."""
    n, k, m = nkm
    rng = np.random.default_rng(seed)
    sa = (k,) if "a" in vec else batch.input_shapes[0] + (n, k)
    sb = (k,) if "b" in vec else batch.input_shapes[1] + (k, m)
    compare(dg.matmul, torch.matmul, [rng.standard_normal(sa), rng.standard_normal(sb)])


# ------------------------------------------------------------------ reductions

REDUCTIONS = {
    "sum": (dg.sum, lambda x, ax, kd: torch.sum(x, ax, keepdim=kd)),
    "mean": (dg.mean, lambda x, ax, kd: torch.mean(x, ax, keepdim=kd)),
    "max": (lambda x, ax, kd: dg.max(x, axis=ax, keepdims=kd), lambda x, ax, kd: torch.amax(x, ax, keepdim=kd)),
    "min": (lambda x, ax, kd: dg.min(x, axis=ax, keepdims=kd), lambda x, ax, kd: torch.amin(x, ax, keepdim=kd)),
    "var": (dg.var, lambda x, ax, kd: torch.var(x, ax, keepdim=kd, correction=0)),
    "logsumexp": (dg.logsumexp, lambda x, ax, kd: torch.logsumexp(x, ax, keepdim=kd)),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@SETTINGS
@given(data=st.data(), keepdims=st.booleans(), ties=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_reduction_axes(name, data, keepdims, ties, seed):
    f, ft = REDUCTIONS[name]
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
    axes = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1,
                              max_size=len(shape), unique_by=lambda a: a % len(shape)))
    axis = axes[0] if len(axes) == 1 and data.draw(st.booleans()) else tuple(axes)
    rng = np.random.default_rng(seed)
    # ties exercise the even split of max/min (and var/logsumexp on repeated values)
    x = rng.integers(-1, 2, shape).astype(float) if ties else rng.standard_normal(shape)
    taxis = tuple(a for a in (axis if isinstance(axis, tuple) else (axis,)))
    compare(lambda x: f(x, axis, keepdims), lambda x: ft(x, taxis, keepdims), [x])


# ------------------------------------------------------------------ random compositions

class DG:
    """The composition vocabulary on deepgrad."""
    tanh, sigmoid, sin, exp, log, sqrt = dg.tanh, dg.sigmoid, dg.sin, dg.exp, dg.log, dg.sqrt
    softplus, gelu, relu, abs, maximum = dg.softplus, dg.gelu, dg.relu, dg.abs, dg.maximum
    sum, mean, max, var, logsumexp = dg.sum, dg.mean, dg.max, dg.var, dg.logsumexp
    softmax, log_softmax, linear = dg.softmax, dg.log_softmax, dg.linear

    @staticmethod
    def leaf(a):
        return dg.tensor(a, requires_grad=True)

    where = staticmethod(dg.where)
    clip = staticmethod(dg.clip)
    concat = staticmethod(lambda xs, axis: dg.concatenate(xs, axis))
    stack = staticmethod(lambda xs, axis: dg.stack(xs, axis))
    pad = staticmethod(lambda x, pw: dg.pad(x, pw))
    index = staticmethod(lambda idx: idx)


class TORCH:
    """The same vocabulary on PyTorch."""
    tanh, sigmoid, sin, exp, log, sqrt = torch.tanh, torch.sigmoid, torch.sin, torch.exp, \
        torch.log, torch.sqrt
    softplus, gelu, relu, abs, maximum = F.softplus, F.gelu, torch.relu, torch.abs, torch.maximum
    linear = F.linear

    @staticmethod
    def leaf(a):
        return torch.tensor(a, requires_grad=True)

    sum = staticmethod(lambda x, axis, keepdims=False: torch.sum(x, axis, keepdim=keepdims))
    mean = staticmethod(lambda x, axis, keepdims=False: torch.mean(x, axis, keepdim=keepdims))
    max = staticmethod(lambda x, axis, keepdims=False: torch.amax(x, axis, keepdim=keepdims))
    var = staticmethod(lambda x, axis, keepdims=False: torch.var(x, axis, keepdim=keepdims,
                                                                 correction=0))
    logsumexp = staticmethod(lambda x, axis, keepdims=False: torch.logsumexp(x, axis, keepdims))
    softmax = staticmethod(lambda x, axis: torch.softmax(x, axis))
    log_softmax = staticmethod(lambda x, axis: torch.log_softmax(x, axis))
    where = staticmethod(torch.where)
    clip = staticmethod(torch.clamp)
    concat = staticmethod(lambda xs, axis: torch.cat(xs, axis))
    stack = staticmethod(lambda xs, axis: torch.stack(xs, axis))
    pad = staticmethod(lambda x, pw: F.pad(x, [pw[1][0], pw[1][1], pw[0][0], pw[0][1]]))
    index = staticmethod(torch.from_numpy)


def _leaf(B, rng, shape, leaves):
    w = B.leaf(rng.standard_normal(shape))
    leaves.append(w)
    return w


def _axis(rng):
    return int(rng.integers(0, 2))


# Each op maps a 2-D h to a 2-D h (any shape), drawing extra leaves from rng; the same code runs
# on both backends with the same rng state, so both build the same function.
OPS = {
    "tanh": lambda B, h, r, L: B.tanh(h),
    "sigmoid": lambda B, h, r, L: B.sigmoid(h),
    "sin": lambda B, h, r, L: B.sin(h),
    "softplus": lambda B, h, r, L: B.softplus(h),
    "gelu": lambda B, h, r, L: B.gelu(h),
    "exp_tanh": lambda B, h, r, L: B.exp(B.tanh(h)),
    "log_sq": lambda B, h, r, L: B.log(h * h + 1.0),
    "sqrt_sq": lambda B, h, r, L: B.sqrt(h * h + 0.5),
    "relu": lambda B, h, r, L: B.relu(h + 0.1),
    "abs": lambda B, h, r, L: B.abs(h),
    "square": lambda B, h, r, L: h * h,
    "rsub": lambda B, h, r, L: 1.0 - h,
    "add_leaf": lambda B, h, r, L: h + _leaf(B, r, h.shape[1:], L),
    "mul_leaf": lambda B, h, r, L: h * _leaf(B, r, (1,) + tuple(h.shape[1:]), L),
    "div_leaf": lambda B, h, r, L: h / (_leaf(B, r, tuple(h.shape), L) ** 2 + 1.0),
    "pow_leaf": lambda B, h, r, L: (h * h + 1.0) ** _leaf(B, r, tuple(h.shape), L),
    "maximum_leaf": lambda B, h, r, L: B.maximum(h, _leaf(B, r, tuple(h.shape), L)),
    "matmul_leaf": lambda B, h, r, L: h @ _leaf(B, r, (h.shape[1], int(r.integers(1, 4))), L),
    "linear_leaf": lambda B, h, r, L: _linear(B, h, r, L),
    "transpose": lambda B, h, r, L: h.T,
    "reshape": lambda B, h, r, L: h.reshape(h.shape[1], h.shape[0]),
    "center": lambda B, h, r, L: h - B.mean(h, _axis(r), keepdims=True),
    "normalize": lambda B, h, r, L: _normalize(B, h, _axis(r)),
    "softmax": lambda B, h, r, L: B.softmax(h, _axis(r)),
    "log_softmax": lambda B, h, r, L: B.log_softmax(h, _axis(r)),
    "max_shift": lambda B, h, r, L: h - B.max(h, _axis(r), keepdims=True),
    "lse_add": lambda B, h, r, L: h + B.logsumexp(h, _axis(r), keepdims=True),
    "sum_scale": lambda B, h, r, L: h * B.sum(h, _axis(r), keepdims=True),
    "where_pos": lambda B, h, r, L: B.where(h > 0, h, h * _leaf(B, r, tuple(h.shape), L)),
    "clip": lambda B, h, r, L: B.clip(h, -0.5, 0.5),
    "concat_leaf": lambda B, h, r, L: B.concat([h, _leaf(B, r, (h.shape[0], 2), L)], 1),
    "stack_mean": lambda B, h, r, L: B.mean(B.stack([h, h * h], 0), 0),
    "getitem_repeat": lambda B, h, r, L: h[B.index(r.integers(0, h.shape[0], 3))],
    "getitem_slice": lambda B, h, r, L: h[:, ::2] if h.shape[1] > 1 else h[::2],
    "pad": lambda B, h, r, L: B.pad(h, ((1, 0), (0, 1))),
}


def _linear(B, h, r, L):
    k = int(r.integers(1, 4))
    return B.linear(h, _leaf(B, r, (k, h.shape[1]), L), _leaf(B, r, (k,), L))


def _normalize(B, h, axis):
    return (h - B.mean(h, axis, keepdims=True)) / B.sqrt(B.var(h, axis, keepdims=True) + 1.0)


def _build(B, names, seed, shape):
    rng = np.random.default_rng(seed)
    leaves = []
    h = x = _leaf(B, rng, shape, leaves)
    for name in names:
        h = OPS[name](B, h, rng, leaves)
    c = rng.standard_normal(tuple(h.shape))
    loss = B.sum(h * B.index(c), (0, 1))
    return x, loss, leaves


@settings(max_examples=60, deadline=None)
@given(names=st.lists(st.sampled_from(sorted(OPS)), min_size=3, max_size=8),
       shape=st.tuples(st.integers(1, 4), st.integers(1, 4)), seed=st.integers(0, 2**32 - 1),
       create_graph=st.booleans())
def test_random_compositions(names, shape, seed, create_graph):
    _, loss, leaves = _build(DG, names, seed, shape)
    _, loss_t, leaves_t = _build(TORCH, names, seed, shape)
    assert len(leaves) == len(leaves_t)
    assert_close(loss.data, loss_t.detach().numpy(), 1e-9, f"{names}: value")
    loss.backward(create_graph=create_graph)
    loss_t.backward()
    for i, (w, wt) in enumerate(zip(leaves, leaves_t)):
        assert w.grad is not None and w.grad.shape == w.shape
        assert_close(w.grad.data, wt.grad.numpy(), 1e-9, f"{names}: gradient of leaf {i}")
