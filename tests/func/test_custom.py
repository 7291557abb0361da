"""custom_vjp / custom_jvp against jax's, autograd.Function against torch's, in float64.

Each rule is checked by what we did not write: JAX and PyTorch running the same rule, and
finite differences (gradcheck, check_grads); a deliberately wrong rule must be caught.
"""

import numpy as np
import pytest

import deepgrad as dg

jax = pytest.importorskip("jax")
torch = pytest.importorskip("torch")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

RNG = np.random.default_rng(0)
X, Y = RNG.standard_normal(5), RNG.standard_normal(5)


def make_custom_vjp(lib, scale=1.0):
    """f(x, y) = sin(x) y with its VJP written out (scale != 1 makes the rule wrong)."""
    np_ = jnp if lib is jax else dg
    deco = jax.custom_vjp if lib is jax else dg.custom_vjp

    @deco
    def f(x, y):
        return np_.sin(x) * y

    def fwd(x, y):
        return f(x, y), (x, y)

    def bwd(res, g):
        x, y = res
        return (scale * g * np_.cos(x) * y, g * np_.sin(x))

    f.defvjp(fwd, bwd)
    return f


def test_custom_vjp_grad_and_second_order_as_jax():
    jf, df = make_custom_vjp(jax), make_custom_vjp(dg)
    jl = lambda x, y: jnp.sum(jf(x, y) ** 2)
    dl = lambda x, y: dg.sum(df(x, y) ** 2)
    for a, b in zip(jax.grad(jl, (0, 1))(X, Y), dg.grad(dl, (0, 1))(X, Y)):
        np.testing.assert_allclose(b.data, np.asarray(a), rtol=1e-13)
    # reverse over reverse: bwd is written with deepgrad ops, so it has derivatives
    np.testing.assert_allclose(dg.jacrev(dg.grad(dl))(X, Y).data,
                               np.asarray(jax.jacrev(jax.grad(jl))(X, Y)), rtol=1e-12)
    dg.gradcheck(lambda x, y: df(x, y), (X, Y))
    dg.check_grads(lambda x, y: df(x, y), (X, Y), order=2, modes=("rev",))


def test_custom_vjp_rule_is_used_not_the_primal():
    @dg.custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda _, g: (dg.clip(g, -1.0, 1.0),))
    g = dg.grad(lambda x: dg.sum(clip_gradient(x) * 10.0))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g.data, [1.0, 1.0])


def test_custom_vjp_pytrees_and_nondiff_argnums_as_jax():
    def body(np_, p, x):
        return {"out": np_.tanh(p["w"] * x + p["b"]), "sq": p["w"] ** 2}

    def make(lib):
        np_ = jnp if lib is jax else dg
        deco = jax.custom_vjp if lib is jax else dg.custom_vjp
        f = deco(lambda n, p, x: body(np_, p, x), nondiff_argnums=(0,))

        def fwd(n, p, x):
            out = body(np_, p, x)
            return out, (p, x, out["out"])

        def bwd(n, res, g):
            p, x, t = res
            d = g["out"] * (1 - t * t) * n
            return ({"w": np_.sum(d * x) + g["sq"] * 2 * p["w"], "b": np_.sum(d)}, d * p["w"])

        f.defvjp(fwd, bwd)
        return f

    p = {"w": np.float64(0.7), "b": np.float64(-0.2)}
    jl = lambda p, x: jnp.sum(make(jax)(3.0, p, x)["out"]) + make(jax)(3.0, p, x)["sq"]
    dl = lambda p, x: dg.sum(make(dg)(3.0, p, x)["out"]) + make(dg)(3.0, p, x)["sq"]
    jg, dgr = jax.grad(jl, (0, 1))(p, X), dg.grad(dl, (0, 1))(p, X)
    for k in p:
        np.testing.assert_allclose(dgr[0][k].data, np.asarray(jg[0][k]), rtol=1e-13)
    np.testing.assert_allclose(dgr[1].data, np.asarray(jg[1]), rtol=1e-13)


def test_custom_jvp_forward_reverse_and_hessian_as_jax():
    def make(lib):
        np_ = jnp if lib is jax else dg
        deco = jax.custom_jvp if lib is jax else dg.custom_jvp

        @deco
        def log1pexp(x):
            return np_.log(1.0 + np_.exp(x))

        @log1pexp.defjvp
        def rule(primals, tangents):
            (x,), (x_dot,) = primals, tangents
            return log1pexp(x), x_dot * (1.0 - 1.0 / (1.0 + np_.exp(x)))

        return log1pexp

    jf, df = make(jax), make(dg)
    v = RNG.standard_normal(5)
    jo, jt = jax.jvp(jf, (X,), (v,))
    do, dt = dg.jvp(df, (X,), (v,))
    np.testing.assert_allclose(do.data, np.asarray(jo), rtol=1e-14)
    np.testing.assert_allclose(dt.data, np.asarray(jt), rtol=1e-14)
    jl, dl = (lambda x: jnp.sum(jf(x) ** 3)), (lambda x: dg.sum(df(x) ** 3))
    np.testing.assert_allclose(dg.grad(dl)(X).data, np.asarray(jax.grad(jl)(X)), rtol=1e-13)
    hess = np.asarray(jax.jit(jax.hessian(jl))(X))  # (jit: JAX's op-by-op Hessian takes seconds)
    np.testing.assert_allclose(dg.jacrev(dg.grad(dl))(X).data, hess, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dg.hvp(dl, (X,), (v,)).data,
                               np.asarray(jax.jvp(jax.grad(jl), (X,), (v,))[1]), rtol=1e-12)
    dg.check_grads(df, (X,), order=2)
    np.testing.assert_allclose(dg.hessian(dl)(X).data, hess, rtol=1e-12, atol=1e-14)
    # nested vmaps of the rule: vmap of a Hessian (three vmap levels) and jacfwd of it
    xs = X[None] * np.array([[1.0], [0.5]])
    np.testing.assert_allclose(dg.vmap(dg.jacrev(dg.grad(dl)))(xs).data,
                               np.asarray(jax.jit(jax.vmap(jax.hessian(jl)))(xs)), rtol=1e-12,
                               atol=1e-14)
    np.testing.assert_allclose(dg.jacfwd(dg.hessian(dl))(X).data,
                               np.asarray(jax.jit(jax.jacfwd(jax.hessian(jl)))(X)), rtol=1e-11,
                               atol=1e-13)


def test_custom_jvp_defjvps_and_error_for_forward_mode_of_custom_vjp():
    f = dg.custom_jvp(lambda x, y: x * y)
    f.defjvps(lambda xd, ans, x, y: xd * y, lambda yd, ans, x, y: x * yd)
    dg.check_grads(f, (X, Y), order=2)
    with pytest.raises(NotImplementedError, match="custom_vjp f: no forward-mode rule"):
        dg.jvp(make_custom_vjp(dg), (X, Y), (X, Y))


def test_wrong_rules_are_caught_by_gradcheck_naming_the_entry():
    wrong = make_custom_vjp(dg, scale=1.5)
    with pytest.raises(dg.engine.testing.GradcheckError, match=r"input 0 at input index \(\d,\)"):
        dg.gradcheck(lambda x, y: wrong(x, y), (X, Y))

    class BadSquare(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x  # should be 2 g x

    with pytest.raises(dg.engine.testing.GradcheckError, match="Jacobian mismatch for input 0"):
        dg.gradcheck(BadSquare.apply, (X,))


def _function_pair(lib):
    """The same two-input, two-output Function written for torch and for deepgrad."""
    base = torch.autograd.Function if lib is torch else dg.autograd.Function

    class MulExp(base):
        @staticmethod
        def forward(ctx, x, w, scale):
            e = (x * w).exp()
            ctx.save_for_backward(x, w, e)
            ctx.scale = scale
            return e * scale, x * w

        @staticmethod
        def backward(ctx, g_e, g_p):
            x, w, e = ctx.saved_tensors
            assert ctx.needs_input_grad[:3] == (True, True, False)
            d = g_e * e * ctx.scale + g_p
            return d * w, d * x, None

    return MulExp


def test_function_as_torch_with_double_backward():
    tx, tw = (torch.tensor(a, requires_grad=True) for a in (X, Y))
    dx, dw = (dg.tensor(a, requires_grad=True) for a in (X, Y))
    outs = {}
    for lib, x, w in ((torch, tx, tw), (dg, dx, dw)):
        e, p = _function_pair(lib).apply(x, w, 0.5)
        loss = (e * e).sum() + (p ** 3).sum()
        gx, gw = (torch.autograd.grad(loss, (x, w), create_graph=True) if lib is torch else
                  (loss.backward(create_graph=True), (x.grad, w.grad))[1])
        if lib is dg:
            x.grad = w.grad = None
        second = (gx * gw).sum()
        if lib is torch:
            hx, hw = torch.autograd.grad(second, (x, w))
        else:
            second.backward()
            hx, hw = x.grad, w.grad
        outs[lib] = [np.asarray(getattr(t, "detach", lambda: t)().numpy() if lib is torch
                                else t.data) for t in (gx, gw, hx, hw)]
    for a, b in zip(outs[dg], outs[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_function_jvp_setup_context_and_gradcheck():
    class Cube(dg.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)
            ctx.save_for_forward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * g * x * x

        @staticmethod
        def jvp(ctx, x_dot):
            (x,) = ctx.saved_tensors
            return 3 * x * x * x_dot

    dg.gradcheck(Cube.apply, (X,))
    dg.check_grads(Cube.apply, (X,), order=1)
    np.testing.assert_allclose(dg.hvp(lambda x: dg.sum(Cube.apply(x)), (X,), (Y,)).data,
                               6 * X * Y, rtol=1e-13)


def test_custom_rules_compose_with_transforms():
    # a custom_vjp inside vmap inside grad, against JAX
    jf, df = make_custom_vjp(jax), make_custom_vjp(dg)
    M = RNG.standard_normal((4, 5))
    jl = lambda w: jnp.sum(jax.vmap(lambda row: jf(row, w), in_axes=0)(M) ** 2)
    dl = lambda w: dg.sum(dg.vmap(lambda row: df(row, w), in_axes=0)(M) ** 2)
    np.testing.assert_allclose(dg.grad(dl)(Y).data, np.asarray(jax.grad(jl)(Y)), rtol=1e-13)
    # per-example gradients through a custom rule: vmap of grad
    jg = jax.vmap(jax.grad(lambda row, w: jnp.sum(jf(row, w))), in_axes=(0, None))(M, Y)
    dgr = dg.vmap(dg.grad(lambda row, w: dg.sum(df(row, w))), in_axes=(0, None))(M, Y)
    np.testing.assert_allclose(dgr.data, np.asarray(jg), rtol=1e-13)


def test_bad_rules_say_what_is_wrong():
    f = dg.custom_vjp(lambda x: x * 2)
    with pytest.raises(TypeError, match="call defvjp"):
        f(X)
    f.defvjp(lambda x: (x * 2, None), lambda _, g: (g[:2],))
    with pytest.raises(dg.ShapeError, match="gradient of shape \\(2,\\) for input 0"):
        dg.grad(lambda x: dg.sum(f(x)))(X)

    class TooMany(dg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g, g

    x = dg.tensor(X, requires_grad=True)
    with pytest.raises(ValueError, match=r"TooMany.backward returned 2 gradient\(s\) for 1"):
        TooMany.apply(x).sum().backward()
