"""vmap's batching rules against jax.vmap in float64: every primitive, every mapped axis.

Each row is a function of one example built on one primitive, with its JAX twin and example
inputs. Each input is mapped in turn along every axis of the batch (the others broadcast), then
all inputs at once; the result must equal jax.vmap's. A registry walk fails if a built-in
primitive has no batching rule (vmap would fall back to its loop, with a warning).
"""

import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine import batching, primitives as P
from deepgrad.engine.conv import im2col
from deepgrad.engine.vocabulary import TENSOR_OPS
from deepgrad.engine.vmap import VmapFallbackWarning

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

R = np.random.default_rng(0)
B = 3


def n(*shape):
    return R.standard_normal(shape)


def pos(*shape):
    return R.uniform(0.5, 2.0, shape)


def jgelu(x):
    return 0.5 * x * (1 + jax.scipy.special.erf(x / jnp.sqrt(2.0)))


def jce(z, y):
    return jnp.mean(jax.nn.logsumexp(z, axis=1) - jnp.take_along_axis(z, y[:, None], 1)[:, 0])


CASES = {  # name: (deepgrad f, jax f, example inputs)
    "add": (lambda a, b: a + b, lambda a, b: a + b, [n(2, 3), n(3)]),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, [n(3), n(2, 3)]),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, [n(2, 3), n(2, 3)]),
    "div": (lambda a, b: a / b, lambda a, b: a / b, [n(2, 3), pos(3)]),
    "neg": (lambda a: -a, lambda a: -a, [n(2, 3)]),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b, [pos(2, 3), n(3)]),
    "pow_da": (P.pow_da, lambda a, b: b * a ** (b - 1), [pos(2, 3), n(3)]),
    "pow_dp": (P.pow_dp, lambda a, b: a ** b * jnp.log(a), [pos(2, 3), n(3)]),
    "exp": (dg.exp, jnp.exp, [n(2, 3)]),
    "log": (dg.log, jnp.log, [pos(2, 3)]),
    "sqrt": (dg.sqrt, jnp.sqrt, [pos(2, 3)]),
    "abs": (dg.abs, jnp.abs, [n(2, 3)]),
    "sign": (dg.sign, jnp.sign, [n(2, 3)]),
    "sin": (dg.sin, jnp.sin, [n(2, 3)]),
    "cos": (dg.cos, jnp.cos, [n(2, 3)]),
    "tanh": (dg.tanh, jnp.tanh, [n(2, 3)]),
    "sigmoid": (dg.sigmoid, jax.nn.sigmoid, [n(2, 3)]),
    "erf": (dg.erf, jax.scipy.special.erf, [n(2, 3)]),
    "relu": (dg.relu, jax.nn.relu, [n(2, 3)]),
    "leaky_relu": (lambda a: dg.leaky_relu(a, 0.1), lambda a: jax.nn.leaky_relu(a, 0.1), [n(4)]),
    "softplus": (dg.softplus, jax.nn.softplus, [n(2, 3)]),
    "gelu": (dg.gelu, jgelu, [n(2, 3)]),
    "maximum": (dg.maximum, jnp.maximum, [n(2, 3), n(3)]),
    "minimum": (dg.minimum, jnp.minimum, [n(3), n(2, 3)]),
    "where": (lambda a, b: dg.where(a > 0, a, b), lambda a, b: jnp.where(a > 0, a, b),
              [n(2, 3), n(3)]),
    "clip": (lambda a: dg.clip(a, -0.5, 0.5), lambda a: jnp.clip(a, -0.5, 0.5), [n(2, 3)]),
    "identity": (lambda a: dg.clip(a), lambda a: a, [n(2, 3)]),
    "astype": (lambda a: dg.astype(a, np.float32), lambda a: a.astype(np.float32), [n(2, 3)]),
    "sum": (lambda a: dg.sum(a, axis=1), lambda a: jnp.sum(a, axis=1), [n(2, 3)]),
    "mean": (lambda a: dg.mean(a), jnp.mean, [n(2, 3)]),
    "max": (lambda a: dg.max(a, axis=0, keepdims=True), lambda a: jnp.max(a, 0, keepdims=True),
            [n(2, 3)]),
    "min": (lambda a: dg.min(a, axis=-1), lambda a: jnp.min(a, -1), [n(2, 3)]),
    "var": (lambda a: dg.var(a, axis=1, ddof=1), lambda a: jnp.var(a, 1, ddof=1), [n(2, 4)]),
    "logsumexp": (lambda a: dg.logsumexp(a, axis=(0, 1)), lambda a: jax.nn.logsumexp(a, (0, 1)),
                  [n(2, 3)]),
    "softmax": (lambda a: dg.softmax(a, 0), lambda a: jax.nn.softmax(a, 0), [n(2, 3)]),
    "log_softmax": (dg.log_softmax, jax.nn.log_softmax, [n(2, 3)]),
    "reshape": (lambda a: a.reshape(3, -1), lambda a: a.reshape(3, -1), [n(2, 3)]),
    "transpose": (lambda a: dg.transpose(a, (2, 0, 1)), lambda a: jnp.transpose(a, (2, 0, 1)),
                  [n(2, 3, 4)]),
    "broadcast_to": (lambda a: dg.broadcast_to(a, (4, 2, 3)),
                     lambda a: jnp.broadcast_to(a, (4, 2, 3)), [n(2, 1)]),
    "getitem": (lambda a: a[1:, ::2], lambda a: a[1:, ::2], [n(3, 4)]),
    "getitem advanced": (lambda a: a[np.array([2, 0, 2])], lambda a: a[np.array([2, 0, 2])],
                         [n(3, 4)]),
    "getitem_adjoint": (dg.grad(lambda a: dg.sum(a[np.array([1, 1, 0])] ** 2)),
                        jax.grad(lambda a: jnp.sum(a[np.array([1, 1, 0])] ** 2)), [n(3, 2)]),
    "concatenate": (lambda a, b: dg.concatenate([a, b], 1),
                    lambda a, b: jnp.concatenate([a, b], 1), [n(2, 3), n(2, 1)]),
    "stack": (lambda a, b: dg.stack([a, b], -1), lambda a, b: jnp.stack([a, b], -1),
              [n(2, 3), n(2, 3)]),
    "pad": (lambda a: dg.pad(a, ((1, 0), (0, 2))), lambda a: jnp.pad(a, ((1, 0), (0, 2))),
            [n(2, 3)]),
    "matmul": (lambda a, b: a @ b, lambda a, b: a @ b, [n(2, 3), n(3, 4)]),
    "matmul vector": (lambda a, b: a @ b, lambda a, b: a @ b, [n(3), n(3, 4)]),
    "matmul batched": (lambda a, b: a @ b, lambda a, b: a @ b, [n(2, 2, 3), n(3)]),
    "matmul stack": (lambda a, b: a @ b, lambda a, b: a @ b, [n(2, 2, 3), n(3, 4)]),
    "linear": (dg.linear, lambda x, w, b: x @ w.T + b, [n(2, 3), n(4, 3), n(4)]),
    "cross_entropy": (lambda z: P.cross_entropy_prim(z, np.array([0, 2]), reduction="mean"),
                      lambda z: jce(z, np.array([0, 2])), [n(2, 3)]),
    "binary_cross_entropy_with_logits": (
        lambda z, t: dg.binary_cross_entropy_with_logits(z, t, "sum"),
        lambda z, t: jnp.sum(jnp.maximum(z, 0) - z * t + jnp.log1p(jnp.exp(-jnp.abs(z)))),
        [n(2, 3), R.uniform(size=(2, 3))]),
    "mse_loss": (lambda a, b: dg.mse_loss(a, b), lambda a, b: jnp.mean((a - b) ** 2),
                 [n(2, 3), n(2, 3)]),
    "im2col": (lambda x, w: dg.conv2d(x, w, padding=1, stride=(1, 2)),
               lambda x, w: jax.lax.conv_general_dilated(x, w, (1, 2), ((1, 1), (1, 1))),
               [n(2, 2, 4, 5), n(3, 2, 3, 3)]),
}


def batched(x, ax):
    """B examples like x, stacked along ``ax`` of the batch."""
    return np.stack([x + 0.1 * k * np.abs(R.standard_normal(x.shape)) for k in range(B)], ax)


def runs(name):
    """(args, in_axes, reference args, reference in_axes): each input's examples mapped along
    every axis in turn, then all inputs; the reference maps the same examples along axis 0."""
    f, jf, xs = CASES[name]
    stacked = [batched(x, 0) for x in xs]
    for i, x in enumerate(xs):
        ref_axes = tuple(0 if k == i else None for k in range(len(xs)))
        ref_args = [stacked[i] if k == i else v for k, v in enumerate(xs)]
        for ax in range(x.ndim + 1):
            args = [np.moveaxis(a, 0, ax) if k == i else a for k, a in enumerate(ref_args)]
            yield args, tuple(ax if k == i else None for k in range(len(xs))), ref_args, ref_axes
    yield stacked, 0, stacked, 0


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_as_jax_vmap_for_every_mapped_axis(name):
    f, jf, _ = CASES[name]
    references = {}  # one jax.vmap per mapped input (JAX's first calls dominate the time)
    for args, axes, ref_args, ref_axes in runs(name):
        with warnings.catch_warnings():
            warnings.simplefilter("error", VmapFallbackWarning)
            ours = dg.vmap(f, in_axes=axes)(*args)
        if ref_axes not in references:
            references[ref_axes] = np.asarray(jax.vmap(jf, in_axes=ref_axes)(*ref_args))
        np.testing.assert_allclose(ours.data, references[ref_axes], rtol=1e-12, atol=1e-12,
                                   err_msg=f"{name} in_axes={axes}")


def test_col2im_rule_against_per_example_loop():
    # col2im is im2col's adjoint (no JAX twin): vmap of it equals stacking one call per example
    cols = n(B, 2, 3, 3, 1, 4, 3)  # per example (C, kH, kW, N, oH, oW) for x (1, 2, 4, 5)
    f = lambda c: TENSOR_OPS.col2im(c, (1, 2, 4, 5), (3, 3), (1, 2), (1, 1), ((1, 1), (1, 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", VmapFallbackWarning)
        ours = dg.vmap(f)(cols)
    loop = np.stack([f(dg.tensor(c)).data for c in cols])
    np.testing.assert_allclose(ours.data, loop, rtol=1e-13)
    x = n(B, 1, 2, 4, 5)
    np.testing.assert_allclose(dg.vmap(lambda v: im2col(v, (3, 3), padding=1))(x).data,
                               np.stack([im2col(dg.tensor(v), (3, 3), padding=1).data
                                         for v in x]), rtol=1e-13)


def test_every_builtin_primitive_declares_a_batching_rule():
    # each declaration names its rule (Primitive(..., batch="...")); none may need the loop
    missing = sorted(name for name, prim in P.registry().items()
                     if batching.RULES.get(prim.batch) is None)
    assert not missing, f"primitives without a batching rule: {missing}"
    assert P.tanh.batch == "elementwise"  # elementwise() declares broadcasting for its own
    unused = sorted(set(batching.RULES) - {p.batch for p in P.registry().values()} - {"matvec"})
    assert not unused, f"batching rules no primitive declares: {unused}"
    covered = {name.split(" ")[0] for name in CASES} | {"col2im"}
    assert set(P.registry()) <= covered, sorted(set(P.registry()) - covered)


def test_primitive_without_rule_falls_back_with_a_warning_naming_it():
    cube = P.Primitive("cube", lambda x: x ** 3, (lambda d, g, y, x: 3 * g * x * x,),
                       lambda d, dots, y, x: 3 * x * x * dots[0])
    x = n(B, 2)
    with pytest.warns(VmapFallbackWarning, match="primitive 'cube' has no batching rule"):
        out = dg.vmap(lambda v: dg.sum(cube(v)))(x)
    np.testing.assert_allclose(out.data, (x ** 3).sum(1), rtol=1e-14)


# --------------------------------------------------------------------------- the transform

W, X, Y = n(4, 3), n(5, 3), n(5, 4)


def test_per_example_gradients_pytrees_in_axes_and_out_axes():
    params = {"w": W, "b": n(4)}

    def loss(p, x, y):
        return dg.sum((dg.tanh(dg.linear(x, p["w"], p["b"])) - y) ** 2)

    def jloss(p, x, y):
        return jnp.sum((jnp.tanh(x @ p["w"].T + p["b"]) - y) ** 2)

    ours = dg.vmap(dg.grad(loss), in_axes=({"w": None, "b": None}, 0, 0))(params, X, Y)
    theirs = jax.vmap(jax.grad(jloss), in_axes=(None, 0, 0))(params, X, Y)
    for k in params:  # atol: n(4) draws from the module's generator, so under xdist the data
        # depend on which tests ran first; a near-zero entry can differ by 1e-11 relative
        np.testing.assert_allclose(ours[k].data, np.asarray(theirs[k]), rtol=1e-12, atol=1e-14)
    # out_axes per output, None for an unmapped one, axis_size with nothing mapped
    o1, o2 = dg.vmap(lambda x: (dg.sin(x), dg.tensor(2.0)), in_axes=1, out_axes=(1, None))(X)
    np.testing.assert_allclose(o1.data, np.sin(X), rtol=1e-15)
    assert float(o2) == 2.0
    ones = dg.vmap(lambda: dg.ones(2), axis_size=3)()
    assert ones.shape == (3, 2)
    with pytest.raises(ValueError, match="out_axes is None for an output that depends"):
        dg.vmap(dg.sin, out_axes=None)(X)


@pytest.mark.parametrize("n_out", [2, 7])
def test_per_example_weight_gradients_in_both_layouts(n_out):
    """The kernel's outer product g x^T loops along the longer of n_out and n_in (3): laid out
    (i, o) and returned transposed for 7, (o, i) for 2. Both equal JAX and one grad per example."""
    w, y = n(n_out, 3), n(5, n_out)
    loss = lambda w, x, y: dg.sum((dg.linear(x, w) - y) ** 2)
    ours = dg.vmap(dg.grad(loss), in_axes=(None, 0, 0))(w, X, y).data
    theirs = jax.vmap(jax.grad(lambda w, x, y: jnp.sum((x @ w.T - y) ** 2)), (None, 0, 0))(w, X, y)
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-12, atol=1e-14)
    loop = np.stack([dg.grad(loss)(w, X[i], y[i]).data for i in range(len(X))])
    np.testing.assert_allclose(ours, loop, rtol=1e-12, atol=1e-14)


def test_nested_vmap_and_vmap_of_jvp_vjp_hessian_checkpoint_as_jax():
    f = lambda x: dg.sum(dg.tanh(x) ** 3 * x)
    jf = lambda x: jnp.sum(jnp.tanh(x) ** 3 * x)
    lin = lambda w, x: dg.sum(dg.tanh(dg.linear(x, w)) ** 2)
    jlin = lambda w, x: jnp.sum(jnp.tanh(x @ w.T) ** 2)
    cases = [
        (dg.vmap(dg.vmap(lambda a, b: a * b, (0, None)), (None, 0)),
         jax.vmap(jax.vmap(lambda a, b: a * b, (0, None)), (None, 0)), (X[:, 0], X[0])),
        (dg.vmap(lambda x, v: dg.jvp(f, (x,), (v,))[1]),
         jax.vmap(lambda x, v: jax.jvp(jf, (x,), (v,))[1]), (X, Y[:, :3])),
        (dg.vmap(lambda x, u: dg.vjp(dg.sin, x)[1](u)[0]),
         jax.vmap(lambda x, u: jax.vjp(jnp.sin, x)[1](u)[0]), (X, Y[:, :3])),
        (dg.vmap(dg.hessian(f)), jax.vmap(jax.hessian(jf)), (X,)),
        (dg.vmap(dg.grad(lambda x: dg.sum(dg.checkpoint(dg.tanh, x) ** 2))),
         jax.vmap(jax.grad(lambda x: jnp.sum(jax.checkpoint(jnp.tanh)(x) ** 2))), (X,)),
        (dg.grad(lambda w: dg.sum(dg.vmap(lambda x: dg.tanh(w @ x))(X))),
         jax.grad(lambda w: jnp.sum(jax.vmap(lambda x: jnp.tanh(w @ x))(X))), (W,)),
        # per-example gradients of a shared weight (vmap's matvec kernel), examples of 2 rows,
        # and under a second vmap (the kernel's own batching rule)
        (dg.vmap(dg.grad(lin), (None, 0)), jax.vmap(jax.grad(jlin), (None, 0)),
         (W, X[:4].reshape(2, 2, 3))),
        (dg.vmap(dg.vmap(dg.grad(lin), (None, 0)), (None, 0)),
         jax.vmap(jax.vmap(jax.grad(jlin), (None, 0)), (None, 0)), (W, X[:4].reshape(2, 2, 3))),
        (dg.vmap(dg.vmap(dg.grad(lin), (None, 0)), (0, None)),
         jax.vmap(jax.vmap(jax.grad(jlin), (None, 0)), (0, None)), (n(2, 4, 3), X[:3])),
    ]
    for k, (ours, theirs, args) in enumerate(cases):  # (jit: JAX's op-by-op vmaps are slow)
        np.testing.assert_allclose(ours(*args).data, np.asarray(jax.jit(theirs)(*args)), rtol=1e-12,
                                   atol=1e-13, err_msg=f"case {k}")


def test_vmap_of_a_vjp_made_outside_is_one_batched_pass():
    _, pullback = dg.vjp(lambda x: dg.tanh(x) * dg.sum(x), X[0])
    _, jpull = jax.vjp(lambda x: jnp.tanh(x) * jnp.sum(x), X[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", VmapFallbackWarning)
        ours = dg.vmap(lambda u: pullback(u)[0])(np.eye(3))
    np.testing.assert_allclose(ours.data, np.asarray(jax.vmap(lambda u: jpull(u)[0])(np.eye(3))),
                               rtol=1e-13)


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_jacfwd_jacrev_as_jax_with_chunks(chunk_size):
    def mlp(x):
        return dg.tanh(dg.tanh(x @ W.T) @ W)

    def jmlp(x):
        return jnp.tanh(jnp.tanh(x @ W.T) @ W)

    x = X[0]
    for ours, theirs in ((dg.jacfwd(mlp, chunk_size=chunk_size), jax.jacfwd(jmlp)),
                         (dg.jacrev(mlp, chunk_size=chunk_size), jax.jacrev(jmlp))):
        np.testing.assert_allclose(ours(x).data, np.asarray(theirs(x)), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        dg.jacrev(mlp, chunk_size=0)(x)


def test_vmap_refuses_reading_values():
    with pytest.raises(TypeError, match="bool\\(\\) of a batched tensor"):
        dg.vmap(lambda x: x if bool(dg.sum(x) > 0) else -x)(X)



@pytest.mark.parametrize("batched", ["both", "input", "target"])
def test_vmap_of_nn_functional_mse_loss_equals_jax(batched):
    """nn.functional.mse_loss checks the target's shape as the tensor shows it (one example's
    under vmap); it compared the batched array's shape and refused every batched target."""
    from deepgrad.nn import functional as F
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    ax = {"both": (0, 0), "input": (0, None), "target": (None, 0)}[batched]
    xs, ys = (x if ax[0] == 0 else x[0]), (y if ax[1] == 0 else y[0])
    ours = dg.func.vmap(F.mse_loss, in_axes=ax)(dg.tensor(xs), dg.tensor(ys))
    theirs = jax.vmap(lambda a, b: jnp.mean((a - b) ** 2), in_axes=ax)(xs, ys)
    np.testing.assert_allclose(ours.data, np.asarray(theirs), rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match="target shape"):
        dg.func.vmap(F.mse_loss)(dg.tensor(x), dg.tensor(rng.standard_normal((5, 2))))
