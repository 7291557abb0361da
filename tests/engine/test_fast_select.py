"""engine/fast/select.where against np.where: equal bits and dtypes on every input, the masked
branch and np.where's alike, and relu's gradient through it against PyTorch."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad.engine.fast.select import bits, where, where_bits


def _cases():
    rng = np.random.default_rng(0)
    for shape in [(3, 4), (64, 128), (128, 256), (512, 1024)]:
        for dtype in (np.float16, np.float32, np.float64):
            x = rng.standard_normal(shape).astype(dtype)
            x.flat[::7] = -0.0  # kept -0.0 stays -0.0, as np.where keeps it
            yield rng.standard_normal(shape) > 0, x
    x = rng.standard_normal((256, 128))
    yield rng.standard_normal((128, 256)) > 0, x.T  # not contiguous


@pytest.mark.parametrize("k", range(13))
def test_where_equals_numpy_where_bit_for_bit(k):
    cond, x = list(_cases())[k]
    got, want = where(cond, x, 0.0), np.where(cond, x, 0.0)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    assert not np.signbit(got[~cond]).any()  # every dropped entry is +0.0


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_cotangent_is_selected_not_multiplied(bad):
    cond = np.zeros((128, 256), bool)
    cond[0, 0] = True
    x = np.ones((128, 256), np.float32)
    x[5, 7] = bad  # dropped: inf * 0 would be NaN, the selection gives 0
    x[0, 0] = bad  # kept as it is
    got = where(cond, x, 0)
    np.testing.assert_array_equal(got, np.where(cond, x, 0))
    assert got[5, 7] == 0 and (np.isnan(got[0, 0]) if np.isnan(bad) else got[0, 0] == bad)


@pytest.mark.parametrize("y", [1.0, np.float64(0.0), np.zeros((128, 256))])
def test_other_fill_values_and_types_take_numpy_where(y):
    rng = np.random.default_rng(1)
    cond, x = rng.standard_normal((128, 256)) > 0, rng.standard_normal((128, 256)).astype(np.float32)
    got, want = where(cond, x, y), np.where(cond, x, y)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_integer_and_broadcast_inputs_take_numpy_where():
    rng = np.random.default_rng(2)
    cond = rng.standard_normal((128, 256)) > 0
    ints = rng.integers(-5, 5, (128, 256))
    np.testing.assert_array_equal(where(cond, ints, 0), np.where(cond, ints, 0))
    assert where(cond, ints, 0.0).dtype == np.where(cond, ints, 0.0).dtype
    row = rng.standard_normal(256)
    np.testing.assert_array_equal(where(cond, row, 0.0), np.where(cond, row, 0.0))


def test_relu_gradient_on_a_large_array_matches_torch():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((256, 128))
    g = rng.standard_normal((256, 128))
    g[0, :4] = [np.inf, -np.inf, np.nan, -0.0]
    x[0, :4] = -1.0  # all four dropped: torch gives 0
    a = dg.tensor(x, requires_grad=True)
    dg.relu(a).backward(dg.tensor(g))
    t = torch.tensor(x, requires_grad=True)
    torch.relu(t).backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("k", [1, 5, 12])
def test_where_bits_writes_the_selection_into_out(k):
    cond, x = list(_cases())[k]
    out = np.full(x.shape, 7, x.dtype)
    assert where_bits(out, bits(out), cond, bits(x)) is out
    np.testing.assert_array_equal(out, np.where(cond, x, 0))
    np.testing.assert_array_equal(np.signbit(out), np.signbit(np.where(cond, x, 0)))
    other = np.empty(x.shape, np.float64 if x.dtype != np.float64 else np.float32)
    with pytest.raises(TypeError, match="where_bits: x has"):  # numpy would widen the integers
        where_bits(other, bits(other), cond, bits(x))
    with pytest.raises(TypeError, match="bits: expected a float16, float32 or float64 array"):
        bits(cond)


def test_compiled_relu_gradient_selects_a_non_finite_cotangent_as_pytorch():
    """jit replays relu's out= VJP: an inf cotangent where x <= 0 gives 0 there, as eager and
    PyTorch, not the NaN of multiplying by the mask."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((128, 128)).astype(np.float32)
    x[0, :2] = [-1.0, 2.0]

    def f(x, g):
        return dg.sum(dg.relu(x) * g)

    grad_f = dg.jit(dg.grad(f))
    ones = np.ones_like(x)
    grad_f(x, ones)  # traced on finite values
    g = ones.copy()
    g[0, :2] = np.inf
    with np.errstate(invalid="ignore"):  # the forward's 0 * inf
        got = grad_f(x, g).numpy()
    t = torch.tensor(x, requires_grad=True)
    (torch.relu(t) * torch.tensor(g)).sum().backward()
    assert list(grad_f.sources)  # the replay ran, not an eager fallback
    np.testing.assert_array_equal(got, t.grad.numpy())
    assert got[0, 0] == 0 and got[0, 1] == np.inf


@pytest.mark.parametrize("side", [1, 2])
def test_where_jvp_with_one_side_constant_broadcasts_and_keeps_the_dtype(side):
    # the constant side enters where's JVP as the number 0: the tangent still has the output's
    # shape (c and the differentiated side broadcast smaller than it) and dtype
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    rng = np.random.default_rng(3)
    cond = rng.standard_normal((3, 1)) > 0
    a, b = rng.standard_normal((3, 1)), rng.standard_normal((1, 4))
    da = rng.standard_normal((3, 1)) if side == 1 else rng.standard_normal((1, 4))

    def f(v):
        return dg.where(cond, v, b) if side == 1 else dg.where(cond, a, v)

    def jf(v):
        return jax.numpy.where(cond, v, b) if side == 1 else jax.numpy.where(cond, a, v)

    primal = a if side == 1 else b
    y, dy = dg.jvp(f, (dg.tensor(primal),), (dg.tensor(da),))
    jy, jdy = jax.jvp(jf, (primal,), (da,))
    assert dy.shape == (3, 4) and dy.data.dtype == np.float64
    np.testing.assert_array_equal(dy.data, np.asarray(jdy))
    np.testing.assert_array_equal(y.data, np.asarray(jy))
