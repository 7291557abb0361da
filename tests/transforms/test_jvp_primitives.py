"""Every primitive's JVP rule against JAX (float64) and finite differences, the adjoint identity
<u, J v> = <J^T u, v> between our own JVP and VJP, and order-2 check_grads in both modes.

One spec row per primitive (and per interesting case of it): the deepgrad function, the JAX
function it must agree with, and inputs drawn from the primitive's domain (positive for log,
away from kinks for relu/abs/clip). Non-float arguments (labels, masks) are closed over.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine import primitives as P
from deepgrad.engine.testing import GradcheckError, check_adjoint, check_grads

jax.config.update("jax_enable_x64", True)

rng = np.random.default_rng(1234)


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    """Entries with |x| in [0.2, 2]: no kink of relu/abs/sign within finite-difference reach."""
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


LABELS = np.array([0, 2, 1, 2])
MASK = rng.standard_normal((3, 4)) > 0
PROBS = np.abs(rng.standard_normal((4, 3)))
PROBS /= PROBS.sum(1, keepdims=True)
ADV_INDEX = np.array([2, 0, 2, 1])  # a repeated index: its adjoint must accumulate
SPLIT = (slice(None), slice(1, 3))


def _jax_ce_labels(reduction):
    def f(z):
        losses = jax.scipy.special.logsumexp(z, axis=1) - z[jnp.arange(4), LABELS]
        return {"mean": jnp.mean, "sum": jnp.sum, "none": lambda v: v}[reduction](losses)
    return f


def _jax_bce(z, y):
    return jnp.mean(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))))


# (id, deepgrad f, jax f, inputs)
SPECS = [
    # arithmetic (with broadcasting)
    ("add", lambda a, b: a + b, lambda a, b: a + b, [normal(3, 4), normal(4)]),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, [normal(3, 4), normal(3, 1)]),
    ("rsub_scalar", lambda a: 2.0 - a, lambda a: 2.0 - a, [normal(3)]),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, [normal(3, 4), normal(4)]),
    ("div", lambda a, b: a / b, lambda a, b: a / b, [normal(3, 4), positive(3, 4)]),
    ("div_broadcast", lambda a, b: a / b, lambda a, b: a / b, [normal(2, 3), positive(3)]),
    ("neg", lambda a: -a, lambda a: -a, [normal(5)]),
    ("pow", lambda a, p: a ** p, lambda a, p: a ** p, [positive(3, 4), normal(3, 4)]),
    ("pow_da", lambda a, p: P.pow_da(a, p), lambda a, p: p * a ** (p - 1),
     [positive(3, 4), normal(3, 4)]),
    ("pow_dp", lambda a, p: P.pow_dp(a, p), lambda a, p: a ** p * jnp.log(a),
     [positive(3, 4), normal(3, 4)]),
    ("pow_const", lambda a: a ** 3.0, lambda a: a ** 3.0, [normal(3, 4)]),
    ("rpow", lambda p: 2.0 ** p, lambda p: 2.0 ** p, [normal(4)]),
    # matmul, batched and 1-D promoted as NumPy
    ("matmul", lambda a, b: a @ b, lambda a, b: a @ b, [normal(3, 4), normal(4, 5)]),
    ("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b, [normal(2, 3, 4), normal(4, 5)]),
    ("matmul_bb", lambda a, b: a @ b, lambda a, b: a @ b, [normal(2, 3, 4), normal(2, 4, 2)]),
    ("matmul_vec_mat", lambda a, b: a @ b, lambda a, b: a @ b, [normal(4), normal(4, 5)]),
    ("matmul_mat_vec", lambda a, b: a @ b, lambda a, b: a @ b, [normal(3, 4), normal(4)]),
    ("matmul_vec_vec", lambda a, b: a @ b, lambda a, b: a @ b, [normal(4), normal(4)]),
    # elementwise maths
    ("exp", dg.exp, jnp.exp, [normal(3, 4)]),
    ("log", dg.log, jnp.log, [positive(3, 4)]),
    ("sqrt", dg.sqrt, jnp.sqrt, [positive(3, 4)]),
    ("abs", dg.abs, jnp.abs, [away_from_zero(3, 4)]),
    ("sign", lambda x: dg.sign(x) * x, lambda x: jnp.sign(x) * x, [away_from_zero(3, 4)]),
    ("sin", dg.sin, jnp.sin, [normal(3, 4)]),
    ("cos", dg.cos, jnp.cos, [normal(3, 4)]),
    ("tanh", dg.tanh, jnp.tanh, [normal(3, 4)]),
    ("sigmoid", dg.sigmoid, jax.nn.sigmoid, [normal(3, 4)]),
    ("erf", dg.erf, jax.scipy.special.erf, [normal(3, 4)]),
    ("relu", dg.relu, jax.nn.relu, [away_from_zero(3, 4)]),
    ("leaky_relu", lambda x: dg.leaky_relu(x, 0.1), lambda x: jax.nn.leaky_relu(x, 0.1),
     [away_from_zero(3, 4)]),
    ("softplus", dg.softplus, jax.nn.softplus, [3 * normal(3, 4)]),
    ("gelu", dg.gelu, lambda x: jax.nn.gelu(x, approximate=False), [normal(3, 4)]),
    ("maximum", dg.maximum, jnp.maximum, [normal(3, 4), normal(3, 4)]),
    ("minimum", dg.minimum, jnp.minimum, [normal(3, 4), normal(4)]),
    ("where", lambda a, b: dg.where(MASK, a, b), lambda a, b: jnp.where(MASK, a, b),
     [normal(3, 4), normal(3, 4)]),
    ("clip", lambda x: dg.clip(x, -0.5, 0.5), lambda x: jnp.clip(x, -0.5, 0.5),
     [rng.choice([-1.0, -0.25, 0.1, 0.3, 1.2], (3, 4)) + 0.01 * normal(3, 4)]),
    ("astype", lambda x: dg.astype(x, np.float64) * x, lambda x: x.astype(jnp.float64) * x,
     [normal(3)]),
    # reductions
    ("sum_all", dg.sum, jnp.sum, [normal(3, 4)]),
    ("sum_axis", lambda x: dg.sum(x, axis=1), lambda x: jnp.sum(x, axis=1), [normal(3, 4)]),
    ("sum_axes_keep", lambda x: dg.sum(x, axis=(0, 2), keepdims=True),
     lambda x: jnp.sum(x, axis=(0, 2), keepdims=True), [normal(2, 3, 4)]),
    ("mean", lambda x: dg.mean(x, axis=0), lambda x: jnp.mean(x, axis=0), [normal(3, 4)]),
    ("max", lambda x: dg.max(x, axis=1), lambda x: jnp.max(x, axis=1), [normal(3, 4)]),
    ("max_all", dg.max, jnp.max, [normal(3, 4)]),
    ("min_keep", lambda x: dg.min(x, axis=-1, keepdims=True),
     lambda x: jnp.min(x, axis=-1, keepdims=True), [normal(3, 4)]),
    ("var", lambda x: dg.var(x, axis=1), lambda x: jnp.var(x, axis=1), [normal(3, 4)]),
    ("var_ddof1", lambda x: dg.var(x, ddof=1), lambda x: jnp.var(x, ddof=1), [normal(3, 4)]),
    ("logsumexp", lambda x: dg.logsumexp(x, axis=1),
     lambda x: jax.scipy.special.logsumexp(x, axis=1), [normal(3, 4)]),
    ("logsumexp_all", dg.logsumexp, jax.scipy.special.logsumexp, [normal(3, 4)]),
    ("softmax", dg.softmax, jax.nn.softmax, [normal(3, 4)]),
    ("softmax_axis0", lambda x: dg.softmax(x, axis=0), lambda x: jax.nn.softmax(x, axis=0),
     [normal(3, 4)]),
    ("log_softmax", dg.log_softmax, jax.nn.log_softmax, [normal(3, 4)]),
    # shape ops (linear: the JVP is the op applied to the tangent)
    ("reshape", lambda x: dg.reshape(x, (4, -1)), lambda x: jnp.reshape(x, (4, -1)),
     [normal(2, 3, 2)]),
    ("transpose", lambda x: dg.transpose(x, (2, 0, 1)), lambda x: jnp.transpose(x, (2, 0, 1)),
     [normal(2, 3, 4)]),
    ("T", lambda x: x.T, lambda x: x.T, [normal(3, 4)]),
    ("broadcast_to", lambda x: dg.broadcast_to(x, (2, 3, 4)),
     lambda x: jnp.broadcast_to(x, (2, 3, 4)), [normal(3, 1)]),
    ("getitem_slice", lambda x: x[1:, ::2], lambda x: x[1:, ::2], [normal(3, 4)]),
    ("getitem_int", lambda x: x[1], lambda x: x[1], [normal(3, 4)]),
    ("getitem_advanced", lambda x: x[ADV_INDEX], lambda x: x[ADV_INDEX], [normal(3, 4)]),
    ("getitem_mask", lambda x: x[MASK], lambda x: x[MASK], [normal(3, 4)]),
    ("getitem_pairs", lambda x: x[ADV_INDEX, ADV_INDEX], lambda x: x[ADV_INDEX, ADV_INDEX],
     [normal(3, 4)]),
    ("concatenate", lambda a, b: dg.concatenate([a, b], axis=1),
     lambda a, b: jnp.concatenate([a, b], axis=1), [normal(3, 2), normal(3, 4)]),
    ("stack", lambda a, b: dg.stack([a, b], axis=1), lambda a, b: jnp.stack([a, b], axis=1),
     [normal(3, 4), normal(3, 4)]),
    ("pad", lambda x: dg.pad(x, ((1, 0), (2, 1))), lambda x: jnp.pad(x, ((1, 0), (2, 1))),
     [normal(3, 4)]),
    ("getitem_of_concat", lambda a, b: dg.concatenate([a, b], axis=1)[SPLIT],
     lambda a, b: jnp.concatenate([a, b], axis=1)[SPLIT], [normal(3, 2), normal(3, 4)]),
    # fused primitives
    ("linear", dg.linear, lambda x, w, b: x @ w.T + b, [normal(4, 3), normal(5, 3), normal(5)]),
    ("linear_nobias", dg.linear, lambda x, w: x @ w.T, [normal(4, 3), normal(5, 3)]),
    ("linear_3d", dg.linear, lambda x, w, b: x @ w.T + b,
     [normal(2, 4, 3), normal(5, 3), normal(5)]),
    ("cross_entropy_mean", lambda z: dg.cross_entropy(z, LABELS), _jax_ce_labels("mean"),
     [normal(4, 3)]),
    ("cross_entropy_sum", lambda z: dg.cross_entropy(z, LABELS, reduction="sum"),
     _jax_ce_labels("sum"), [normal(4, 3)]),
    ("cross_entropy_none", lambda z: dg.cross_entropy(z, LABELS, reduction="none"),
     _jax_ce_labels("none"), [normal(4, 3)]),
    ("cross_entropy_probs", dg.cross_entropy,
     lambda z, p: jnp.mean(-jnp.sum(p * jax.nn.log_softmax(z, axis=1), axis=1)),
     [normal(4, 3), PROBS]),
    ("bce_with_logits", dg.binary_cross_entropy_with_logits, _jax_bce,
     [3 * normal(4, 2), rng.uniform(0, 1, (4, 2))]),
    ("bce_with_logits_none",
     lambda z, y: dg.binary_cross_entropy_with_logits(z, y, reduction="none"),
     lambda z, y: jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))),
     [normal(4, 2), rng.uniform(0, 1, (4, 2))]),
    ("mse_loss", dg.mse_loss, lambda x, t: jnp.mean((x - t) ** 2), [normal(4, 2), normal(4, 2)]),
    ("mse_loss_sum", lambda x, t: dg.mse_loss(x, t, reduction="sum"),
     lambda x, t: jnp.sum((x - t) ** 2), [normal(4, 2), normal(4, 2)]),
    ("mse_loss_none", lambda x, t: dg.mse_loss(x, t, reduction="none"),
     lambda x, t: (x - t) ** 2, [normal(4, 2), normal(4, 2)]),
]

IDS = [s[0] for s in SPECS]

# Every primitive of DESIGN.md's list is exercised by some row above.
COVERED = {
    "add", "sub", "mul", "div", "neg", "pow", "pow_da", "pow_dp", "matmul", "exp", "log", "sqrt", "abs", "sign", "sin",
    "cos", "tanh", "sigmoid", "relu", "leaky_relu", "softplus", "gelu", "maximum", "minimum",
    "where", "clip", "sum", "mean", "max", "min", "var", "logsumexp", "softmax", "log_softmax",
    "reshape", "transpose", "broadcast_to", "getitem", "concatenate", "stack", "pad", "linear",
    "cross_entropy", "binary_cross_entropy_with_logits", "erf", "astype", "getitem_adjoint",
    "mse_loss",
}


def _tangents(args, seed):
    r = np.random.default_rng(seed)
    return [r.standard_normal(a.shape) for a in args]


def _assert_close(ours, theirs, rtol=1e-12, atol=1e-12):
    ours = np.asarray(ours.data if isinstance(ours, dg.Tensor) else ours)
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def test_spec_table_covers_every_primitive():
    """Coverage from the primitive registry: a new primitive without a row fails here."""
    from deepgrad.engine.primitives import registry

    names = set(registry())
    names.discard("identity")  # the transforms' own node; tested through every jvp/vjp call
    names -= {"im2col", "col2im"}  # the convolution primitives' rows: tests/cnn/conv_spec.py
    assert names <= COVERED, names - COVERED


@pytest.mark.parametrize("name, f, jf, args", SPECS, ids=IDS)
def test_jvp_matches_jax(name, f, jf, args):
    v = _tangents(args, 0)
    out, dot = dg.jvp(f, [a.copy() for a in args], v)
    j_out, j_dot = jax.jvp(jf, tuple(jnp.asarray(a) for a in args), tuple(map(jnp.asarray, v)))
    _assert_close(out, j_out)
    _assert_close(dot, j_dot, rtol=1e-10)


@pytest.mark.parametrize("name, f, jf, args", SPECS, ids=IDS)
def test_vjp_matches_jax(name, f, jf, args):
    out, fn = dg.vjp(f, *[a.copy() for a in args])
    u = np.random.default_rng(1).standard_normal(out.shape)
    bars = fn(u)
    j_out, j_fn = jax.vjp(jf, *map(jnp.asarray, args))
    _assert_close(out, j_out)
    for ours, theirs in zip(bars, j_fn(jnp.asarray(u))):
        _assert_close(ours, theirs, rtol=1e-10)


@pytest.mark.parametrize("name, f, jf, args", SPECS, ids=IDS)
def test_jvp_matches_finite_differences(name, f, jf, args):
    v = _tangents(args, 2)
    _, dot = dg.jvp(f, args, v)
    eps = 1e-6
    plus = f(*[dg.tensor(a + eps * d) for a, d in zip(args, v)]).data
    minus = f(*[dg.tensor(a - eps * d) for a, d in zip(args, v)]).data
    np.testing.assert_allclose(dot.data, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, f, jf, args", SPECS, ids=IDS)
def test_adjoint_identity(name, f, jf, args):
    assert check_adjoint(f, args)


@pytest.mark.parametrize("name, f, jf, args", SPECS, ids=IDS)
def test_check_grads_order_two(name, f, jf, args):
    assert check_grads(f, args, order=2, modes=("fwd", "rev"))


SECOND_ORDER = [s for s in SPECS if s[0] in {
    "tanh", "mul", "matmul", "softmax", "logsumexp", "linear", "div", "cross_entropy_mean"}]


@pytest.mark.parametrize("name, f, jf, args", SECOND_ORDER, ids=[s[0] for s in SECOND_ORDER])
def test_second_order_jvp_matches_jax(name, f, jf, args):
    """Forward-over-forward: the tangent of a tangent, i.e. v^T H w along two directions."""
    v, w = _tangents(args, 3), _tangents(args, 4)
    inner = lambda *xs: dg.jvp(f, xs, v)[1]
    j_inner = lambda *xs: jax.jvp(jf, xs, tuple(map(jnp.asarray, v)))[1]
    _, ours = dg.jvp(inner, args, w)
    _, theirs = jax.jvp(j_inner, tuple(map(jnp.asarray, args)), tuple(map(jnp.asarray, w)))
    _assert_close(ours, theirs, rtol=1e-9, atol=1e-11)


# --------------------------------------------------------------------------- kinks
# The documented subgradients at non-differentiable points, in forward mode as in reverse mode.

@pytest.mark.parametrize("f, jf", [
    (dg.relu, jax.nn.relu),
    (lambda x: dg.max(x), jnp.max),
    (lambda x: dg.maximum(x, dg.tensor(np.zeros(4))), lambda x: jnp.maximum(x, 0.0)),
    (lambda x: dg.minimum(x, dg.tensor(np.zeros(4))), lambda x: jnp.minimum(x, 0.0)),
], ids=["relu", "max_ties", "maximum_ties", "minimum_ties"])
def test_kinks_match_jax(f, jf):
    x = np.array([0.0, 0.0, -1.0, 0.0])
    v = np.array([1.0, 2.0, 3.0, 4.0])
    _, dot = dg.jvp(f, (x,), (v,))
    _, j_dot = jax.jvp(jf, (jnp.asarray(x),), (jnp.asarray(v),))
    _assert_close(dot, j_dot)
    out, fn = dg.vjp(f, x)
    (bar,) = fn(np.ones(out.shape))
    _, j_fn = jax.vjp(jf, jnp.asarray(x))
    _assert_close(bar, j_fn(jnp.ones(out.shape))[0])


def test_abs_at_zero_has_derivative_zero():
    """NOTE: abs'(0) = 0 as PyTorch (sign(0) = 0); JAX picks 1 there, so no JAX comparison."""
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
    x = normal(3)
    with pytest.raises(GradcheckError, match="forward mode"):
        check_grads(bad, (x,), order=1, modes=("fwd",))
    with pytest.raises(GradcheckError, match="adjoint"):
        check_adjoint(bad, (x,))
    assert check_grads(bad, (x,), order=1, modes=("rev",))
