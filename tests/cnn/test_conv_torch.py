"""Conv and pooling against PyTorch in float64: value, gradient, double backward and JVP per row;
finite differences on tiny shapes; an HVP through a small CNN against torch.func; JAX's conv."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad.engine import conv as C

from .conv_spec import ROWS, Row


def _inputs(row, seed=0):
    xs = row.make_inputs(np.random.default_rng(seed))
    return xs, [dg.tensor(x, requires_grad=True) for x in xs], \
        [torch.tensor(x, requires_grad=True) for x in xs]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_value_gradient_and_double_backward(row: Row):
    xs, ours, theirs = _inputs(row)
    y, ty = row.dg_fn(*ours), row.torch_fn(*theirs)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(1).normal(size=ty.shape)
    grads = dg.engine.transforms.grad(lambda *a: dg.sum(row.dg_fn(*a) * g),
                                      argnums=tuple(range(len(xs))))(*ours)
    tgrads = torch.autograd.grad((ty * torch.tensor(g)).sum(), theirs, create_graph=True)
    for a, b in zip(grads, tgrads):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-11, atol=1e-11)
    # double backward: d/dinputs of <grad, v>, through the recorded backward pass
    vs = [np.random.default_rng(2 + i).normal(size=x.shape) for i, x in enumerate(xs)]
    y = row.dg_fn(*ours)
    first = [p.grad for p in ours]
    assert all(f is None for f in first)
    (dg.sum(y * g)).backward(create_graph=True)
    second = sum(dg.sum(p.grad * v) for p, v in zip(ours, vs))
    if second.requires_grad:
        for p in ours:
            p.grad = None
        second.backward()
    tsecond = sum((b * torch.tensor(v)).sum() for b, v in zip(tgrads, vs))
    expect = torch.autograd.grad(tsecond, theirs, allow_unused=True) if tsecond.requires_grad \
        else [None] * len(xs)
    for p, e in zip(ours, expect):
        got = None if p.grad is None or not second.requires_grad else p.grad.data
        if e is None:
            assert got is None or np.allclose(got, 0)
        else:
            np.testing.assert_allclose(0 if got is None else got, e.numpy(), atol=1e-11)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.id)
def test_jvp_against_torch_func(row: Row):
    xs, ours, theirs = _inputs(row)
    dots = [np.random.default_rng(5 + i).normal(size=x.shape) for i, x in enumerate(xs)]
    _, y_dot = dg.jvp(row.dg_fn, tuple(dg.tensor(x) for x in xs), tuple(dg.tensor(t) for t in dots))
    _, t_dot = torch.func.jvp(row.torch_fn, tuple(torch.tensor(x) for x in xs),
                              tuple(torch.tensor(t) for t in dots))
    np.testing.assert_allclose(y_dot.data, t_dot.numpy(), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("row", [r for r in ROWS if r.id in (
    "conv1d-all-b", "conv2d-rect", "max_pool2d-k3s2p1", "avg_pool1d-k3s2p1",
    "adaptive_avg_pool1d-3", "conv1d-same_dilated")], ids=lambda r: r.id)
def test_finite_differences(row: Row):
    xs = row.make_inputs(np.random.default_rng(3))
    dg.gradcheck(row.dg_fn, [dg.tensor(x, requires_grad=True) for x in xs])
    dg.check_grads(row.dg_fn, xs, order=2, modes=("fwd", "rev"))


def test_im2col_col2im_are_adjoint():
    """<im2col(x), c> = <x, col2im(c)>: the two primitives transpose each other (padding too)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 6, 5))
    kw = dict(kernel=(3, 2), stride=(2, 1), dilation=(1, 2), padding=((1, 1), (2, 2)))
    cols = C._im2col_fwd(x, fill=0.0, **kw)
    c = rng.normal(size=cols.shape)
    back = C._col2im_fwd(c, x.shape, **kw)
    np.testing.assert_allclose(np.vdot(cols, c), np.vdot(x, back), rtol=1e-12)


def _small_cnn_dg(w1, b1, w2, x):
    h = dg.tanh(C.conv1d(x, w1, b1, padding=1))
    h = C.max_pool1d(h, 2)
    return dg.sum(dg.tanh(C.conv1d(h, w2, stride=2)) ** 2)


def _small_cnn_torch(w1, b1, w2, x):
    f = torch.nn.functional
    h = torch.tanh(f.conv1d(x, w1, b1, padding=1))
    h = f.max_pool1d(h, 2)
    return (torch.tanh(f.conv1d(h, w2, stride=2)) ** 2).sum()


def test_hvp_through_a_cnn_matches_torch_func():
    rng = np.random.default_rng(0)
    params = [rng.normal(size=s) * 0.5 for s in ((4, 2, 3), (4,), (3, 4, 3))]
    x = rng.normal(size=(3, 2, 12))
    vs = [rng.normal(size=p.shape) for p in params]
    ours = dg.hvp(lambda *p: _small_cnn_dg(*p, dg.tensor(x)), tuple(dg.tensor(p) for p in params),
                  tuple(dg.tensor(v) for v in vs))
    _, theirs = torch.func.jvp(torch.func.grad(lambda *p: _small_cnn_torch(*p, torch.tensor(x)),
                                               argnums=(0, 1, 2)),
                               tuple(torch.tensor(p) for p in params),
                               tuple(torch.tensor(v) for v in vs))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-10, atol=1e-10)


def test_conv_jvp_against_jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(0)
    x, w, xd, wd = (rng.normal(size=s) for s in ((2, 4, 7, 6), (6, 2, 3, 3), (2, 4, 7, 6),
                                                 (6, 2, 3, 3)))

    def f(x, w):
        return jax.lax.conv_general_dilated(x, w, (2, 1), ((1, 1), (2, 2)), rhs_dilation=(1, 2),
                                            feature_group_count=2)

    y, yd = jax.jvp(f, (x, w), (xd, wd))
    ours = dg.jvp(lambda x, w: C.conv2d(x, w, stride=(2, 1), padding=(1, 2), dilation=(1, 2),
                                        groups=2), (dg.tensor(x), dg.tensor(w)),
                  (dg.tensor(xd), dg.tensor(wd)))
    np.testing.assert_allclose(ours[0].data, np.asarray(y), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(ours[1].data, np.asarray(yd), rtol=1e-11, atol=1e-11)


def test_float32_stays_float32():
    x = dg.tensor(np.ones((1, 2, 5), np.float32), requires_grad=True)
    w = dg.tensor(np.ones((3, 2, 3), np.float32), requires_grad=True)
    y = C.max_pool1d(C.conv1d(x, w, padding="same"), 2)
    dg.sum(y).backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32 and w.grad.dtype == np.float32


@pytest.mark.parametrize("call, match", [
    (lambda: C.conv2d(np.ones((1, 3, 5, 5)), np.ones((4, 2, 3, 3))), "in_channels"),
    (lambda: C.conv2d(np.ones((1, 3, 5)), np.ones((4, 3, 3, 3))), "4 dims"),
    (lambda: C.conv1d(np.ones((1, 3, 5)), np.ones((4, 3, 3)), stride=2, padding="same"),
     "stride 1"),
    (lambda: C.conv1d(np.ones((1, 3, 5)), np.ones((4, 3, 3)), padding="full"), "padding"),
    (lambda: C.conv1d(np.ones((1, 3, 2)), np.ones((4, 3, 3))), "larger than"),
    (lambda: C.conv1d(np.ones((1, 3, 5)), np.ones((4, 3, 3)), stride=0), "stride"),
    (lambda: C.conv1d(np.ones((1, 4, 5)), np.ones((4, 2, 3)), groups=3), "groups"),
    (lambda: C.max_pool1d(np.ones((1, 3, 5)), 2, padding=2), "half the kernel"),
    (lambda: C.unflatten(dg.tensor(np.ones((2, 6))), 1, (4, -1)), "unflatten"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
