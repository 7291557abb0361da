"""Every spec row's JVP and VJP against JAX in float64, the JVP against finite differences, the
adjoint identity <u, J v> = <J^T u, v> between our own JVP and VJP, and order-2 check_grads in
both modes. The rows are the one table of ``spec.py`` (its JAX column); labels and masks are
closed over."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine.testing import GradcheckError, check_adjoint, check_grads

from .spec import SPECS, closed_over, sample_row

WITH_JAX = [s for s in SPECS if s.jax is not None]
SMOOTH = [s for s in WITH_JAX if not s.kink]


def _functions(spec):
    """(deepgrad f, JAX f, the differentiable inputs) of a row."""
    arrays = sample_row(spec)
    f, args = closed_over(spec.dg, spec, arrays, dg.tensor)
    jf, _ = closed_over(spec.jax, spec, arrays, jnp.asarray)
    return f, jf, args


def _tangents(args, seed):
    r = np.random.default_rng(seed)
    return [r.standard_normal(np.shape(a)) for a in args]


def _assert_close(ours, theirs, rtol=1e-12, atol=1e-12):
    ours = np.asarray(ours.data if isinstance(ours, dg.Tensor) else ours)
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert ours.dtype == np.float64
    scale = np.max(np.abs(theirs), initial=1.0)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol * scale)


@pytest.mark.parametrize("spec", WITH_JAX, ids=repr)
def test_jvp_matches_jax(spec):
    f, jf, args = _functions(spec)
    v = _tangents(args, 0)
    out, dot = dg.jvp(f, [a.copy() for a in args], v)
    j_out, j_dot = jax.jvp(jf, tuple(map(jnp.asarray, args)), tuple(map(jnp.asarray, v)))
    _assert_close(out, j_out)
    _assert_close(dot, j_dot, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("spec", WITH_JAX, ids=repr)
def test_vjp_matches_jax(spec):
    f, jf, args = _functions(spec)
    out, fn = dg.vjp(f, *[a.copy() for a in args])
    u = np.random.default_rng(1).standard_normal(out.shape)
    j_out, j_fn = jax.vjp(jf, *map(jnp.asarray, args))
    _assert_close(out, j_out)
    for ours, theirs in zip(fn(u), j_fn(jnp.asarray(u))):
        _assert_close(ours, theirs, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("spec", [s for s in SMOOTH if not s.fd], ids=repr)
def test_jvp_matches_finite_differences(spec):
    f, _, args = _functions(spec)
    v = _tangents(args, 2)
    _, dot = dg.jvp(f, args, v)
    eps = 1e-6
    plus = f(*[dg.tensor(a + eps * d) for a, d in zip(args, v)]).data
    minus = f(*[dg.tensor(a - eps * d) for a, d in zip(args, v)]).data
    scale = np.max(np.abs(dot.data), initial=1.0)
    np.testing.assert_allclose(dot.data, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("spec", SMOOTH, ids=repr)
def test_adjoint_identity(spec):
    f, _, args = _functions(spec)
    assert check_adjoint(f, args)


@pytest.mark.parametrize("spec", [s for s in SMOOTH if not s.fd], ids=repr)
def test_check_grads_order_two(spec):
    f, _, args = _functions(spec)
    assert check_grads(f, args, order=2, modes=("fwd", "rev"))


SECOND_ORDER = [s for s in SMOOTH if s.name in {
    "tanh", "mul", "matmul", "softmax", "logsumexp", "linear", "div", "cross_entropy[labels]"}]


@pytest.mark.parametrize("spec", SECOND_ORDER, ids=repr)
def test_second_order_jvp_matches_jax(spec):
    """Forward-over-forward: the tangent of a tangent, i.e. v^T H w along two directions."""
    f, jf, args = _functions(spec)
    v, w = _tangents(args, 3), _tangents(args, 4)
    inner = lambda *xs: dg.jvp(f, xs, v)[1]
    j_inner = lambda *xs: jax.jvp(jf, xs, tuple(map(jnp.asarray, v)))[1]
    _, ours = dg.jvp(inner, args, w)
    _, theirs = jax.jvp(j_inner, tuple(map(jnp.asarray, args)), tuple(map(jnp.asarray, w)))
    _assert_close(ours, theirs, rtol=1e-9, atol=1e-11)


def test_second_order_rows_exist():
    assert len(SECOND_ORDER) == 8


def test_abs_at_zero_has_derivative_zero():
    """NOTE: abs'(0) = 0 as PyTorch (sign(0) = 0); JAX picks 1 there, so no JAX column."""
    _, dot = dg.jvp(dg.abs, (np.array([0.0, -2.0, 3.0]),), (np.ones(3),))
    np.testing.assert_array_equal(dot.data, [0.0, -1.0, 1.0])
    (bar,) = dg.vjp(dg.abs, np.array([0.0, -2.0, 3.0]))[1](np.ones(3))
    np.testing.assert_array_equal(bar.data, [0.0, -1.0, 1.0])


def test_leaky_relu_at_zero_takes_the_left_slope():
    _, dot = dg.jvp(lambda x: dg.leaky_relu(x, 0.2), (np.zeros(2),), (np.ones(2),))
    np.testing.assert_array_equal(dot.data, [0.2, 0.2])


def test_check_grads_catches_a_wrong_jvp_rule():
    """The harness itself can fail: a primitive whose JVP rule is off by a factor is caught."""
    from deepgrad.engine.primitives import Primitive

    bad = Primitive("bad_exp", np.exp, (lambda d, g, y, x: g * y,),
                    lambda d, dots, y, x: 2 * y * dots[0])
    x = np.random.default_rng(0).standard_normal(3)
    with pytest.raises(GradcheckError, match="forward mode"):
        check_grads(bad, (x,), order=1, modes=("fwd",))
    with pytest.raises(GradcheckError, match="adjoint"):
        check_adjoint(bad, (x,))
    assert check_grads(bad, (x,), order=1, modes=("rev",))
