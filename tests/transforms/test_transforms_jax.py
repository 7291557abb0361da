"""Every functional transform against JAX in float64, on MLP-shaped functions of several arguments.

The same function is written twice, once with deepgrad ops and once with jax.numpy (``_mlp``
takes the namespace), so each comparison is of derivatives of one mathematical function.
"""
import jax
import jax.flatten_util
import jax.numpy as jnp
import numpy as np
import pytest

import deepgrad as dg

jax.config.update("jax_enable_x64", True)

RTOL, ATOL = 1e-10, 1e-12

rng = np.random.default_rng(7)
D_IN, D_H, D_OUT, N = 3, 5, 2, 6
PARAMS = {
    "W1": rng.standard_normal((D_H, D_IN)) / np.sqrt(D_IN),
    "b1": 0.1 * rng.standard_normal(D_H),
    "W2": rng.standard_normal((D_OUT, D_H)) / np.sqrt(D_H),
    "b2": 0.1 * rng.standard_normal(D_OUT),
}
X = rng.standard_normal((N, D_IN))
Y = rng.standard_normal((N, D_OUT))


class _DG:
    tanh, softplus, mean, sum, exp = dg.tanh, dg.softplus, dg.mean, dg.sum, dg.exp


class _JX:
    tanh, softplus, mean, sum, exp = jnp.tanh, jax.nn.softplus, jnp.mean, jnp.sum, jnp.exp


def _mlp(ns, p, x):
    h = ns.tanh(x @ p["W1"].T + p["b1"])
    return ns.softplus(h @ p["W2"].T + p["b2"])


def _loss(ns, p, x, y):
    return ns.mean((_mlp(ns, p, x) - y) ** 2)


def dg_loss(p, x, y):
    return _loss(_DG, p, x, y)


def jx_loss(p, x, y):
    return _loss(_JX, p, x, y)


def dg_mlp(p, x):
    return _mlp(_DG, p, x)


def jx_mlp(p, x):
    return _mlp(_JX, p, x)


# A function of three matrix/vector arguments, R^... -> R^m, for Jacobians.
A = rng.standard_normal((4, 3))
B = rng.standard_normal(4)
C = rng.standard_normal((2, 4))


def dg_layers(a, b, c):
    return (c @ dg.tanh(a @ dg.exp(0.3 * b[:3]) + b)) * dg.sum(c[0]) + dg.sin(b[:2])


def jx_layers(a, b, c):
    return (c @ jnp.tanh(a @ jnp.exp(0.3 * b[:3]) + b)) * jnp.sum(c[0]) + jnp.sin(b[:2])


def dg_scalar(a, b, c):
    return dg.sum(dg_layers(a, b, c) ** 2) + dg.sum(dg.tanh(a) * a)


def jx_scalar(a, b, c):
    return jnp.sum(jx_layers(a, b, c) ** 2) + jnp.sum(jnp.tanh(a) * a)


ABC = (A, B, C)
JABC = tuple(map(jnp.asarray, ABC))


def _np(x):
    return np.asarray(x.data if isinstance(x, dg.Tensor) else x)


def assert_tree_close(ours, theirs, rtol=RTOL, atol=ATOL):
    """Same pytree structure (tuples/lists/dicts), every leaf a float64 Tensor and close."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and set(ours) == set(theirs), (ours, theirs)
        for k in theirs:
            assert_tree_close(ours[k], theirs[k], rtol, atol)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), (ours, theirs)
        for o, t in zip(ours, theirs):
            assert_tree_close(o, t, rtol, atol)
    else:
        assert isinstance(ours, dg.Tensor), type(ours)
        assert ours.dtype == np.float64
        assert ours.shape == np.shape(theirs), (ours.shape, np.shape(theirs))
        np.testing.assert_allclose(ours.data, np.asarray(theirs), rtol=rtol, atol=atol)


def jparams():
    return {k: jnp.asarray(v) for k, v in PARAMS.items()}


# --------------------------------------------------------------------------- grad family

def test_grad_of_dict_params():
    ours = dg.grad(dg_loss)(PARAMS, X, Y)
    assert_tree_close(ours, jax.grad(jx_loss)(jparams(), X, Y))


@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0), (0, 2), -1])
def test_grad_argnums(argnums):
    ours = dg.grad(dg_loss, argnums=argnums)(PARAMS, X, Y)
    theirs = jax.grad(jx_loss, argnums=argnums)(jparams(), jnp.asarray(X), jnp.asarray(Y))
    assert_tree_close(ours, theirs)


def test_value_and_grad_with_aux():
    def f(p, x, y):
        out = dg_mlp(p, x)
        return dg.mean((out - y) ** 2), {"out": out, "n": len(x)}

    def jf(p, x, y):
        out = jx_mlp(p, x)
        return jnp.mean((out - y) ** 2), {"out": out, "n": len(x)}

    (value, aux), g = dg.value_and_grad(f, argnums=(0, 1), has_aux=True)(PARAMS, X, Y)
    (j_value, j_aux), j_g = jax.value_and_grad(jf, argnums=(0, 1), has_aux=True)(
        jparams(), jnp.asarray(X), Y)
    np.testing.assert_allclose(value.data, j_value, rtol=1e-13)
    np.testing.assert_allclose(aux["out"].data, j_aux["out"], rtol=1e-13)
    assert aux["n"] == N
    assert_tree_close(g, j_g)
    g_only, aux2 = dg.grad(f, has_aux=True)(PARAMS, X, Y)
    assert_tree_close(g_only, j_g[0])
    assert aux2["n"] == N


def test_grad_does_not_touch_dot_grad_of_arguments():
    p = {k: dg.tensor(v, requires_grad=True) for k, v in PARAMS.items()}
    g = dg.grad(dg_loss)(p, X, Y)
    assert all(t.grad is None for t in p.values())
    assert_tree_close(g, jax.grad(jx_loss)(jparams(), X, Y))


def test_grad_of_closure_over_a_parameter_requiring_grad():
    """A closed-over leaf that requires grad (a module's weight): grad w.r.t. x is unaffected."""
    W = dg.tensor(PARAMS["W1"], requires_grad=True)
    ours = dg.grad(lambda x: dg.sum(dg.tanh(x @ W.T) ** 2))(X)
    theirs = jax.grad(lambda x: jnp.sum(jnp.tanh(x @ PARAMS["W1"].T) ** 2))(X)
    assert_tree_close(ours, theirs)
    assert W.grad is None


# --------------------------------------------------------------------------- vjp / jvp

def test_vjp_several_primals_and_tuple_output():
    def f(p, x):
        out = dg_mlp(p, x)
        return out, dg.sum(out * out, axis=1)

    def jf(p, x):
        out = jx_mlp(p, x)
        return out, jnp.sum(out * out, axis=1)

    out, fn = dg.vjp(f, PARAMS, X)
    j_out, j_fn = jax.vjp(jf, jparams(), jnp.asarray(X))
    assert_tree_close(out, j_out)
    u = (rng.standard_normal((N, D_OUT)), rng.standard_normal(N))
    assert_tree_close(fn(u), j_fn(tuple(map(jnp.asarray, u))))
    # vjp_fn may be called again with another cotangent
    u2 = (np.ones((N, D_OUT)), np.zeros(N))
    assert_tree_close(fn(u2), j_fn(tuple(map(jnp.asarray, u2))))


def test_vjp_output_independent_of_an_input_gives_zeros():
    out, fn = dg.vjp(lambda a, b: dg.tanh(a) * 2.0, A, B)
    np.testing.assert_allclose(out.data, 2 * np.tanh(A), rtol=1e-15)
    ga, gb = fn(np.ones_like(A))
    np.testing.assert_array_equal(gb.data, np.zeros_like(B))
    np.testing.assert_allclose(ga.data, 2 * (1 - np.tanh(A) ** 2), rtol=1e-14)


def test_jvp_with_dict_primals():
    tangent = {k: rng.standard_normal(v.shape) for k, v in PARAMS.items()}
    out, dot = dg.jvp(lambda p: dg_mlp(p, X), (PARAMS,), (tangent,))
    j_out, j_dot = jax.jvp(lambda p: jx_mlp(p, X), (jparams(),),
                           ({k: jnp.asarray(v) for k, v in tangent.items()},))
    assert_tree_close(out, j_out)
    assert_tree_close(dot, j_dot)


def test_jvp_several_primals_and_tuple_output():
    t = tuple(rng.standard_normal(np.shape(a)) for a in ABC)
    f = lambda a, b, c: (dg_layers(a, b, c), {"s": dg_scalar(a, b, c)})
    jf = lambda a, b, c: (jx_layers(a, b, c), {"s": jx_scalar(a, b, c)})
    out, dot = dg.jvp(f, ABC, t)
    j_out, j_dot = jax.jvp(jf, JABC, tuple(map(jnp.asarray, t)))
    assert_tree_close(out, j_out)
    assert_tree_close(dot, j_dot)


def test_jvp_output_independent_of_input_has_zero_tangent():
    _, dot = dg.jvp(lambda a, b: (dg.tanh(a), b * 0.0 + 1.0), (A, B),
                    (np.ones_like(A), np.zeros_like(B)))
    np.testing.assert_array_equal(dot[1].data, np.zeros_like(B))


def test_linearize_matches_jax():
    t = tuple(rng.standard_normal(np.shape(a)) for a in ABC)
    out, f_jvp = dg.linearize(dg_layers, *ABC)
    j_out, j_f_jvp = jax.linearize(jx_layers, *JABC)
    assert_tree_close(out, j_out)
    assert_tree_close(f_jvp(*t), j_f_jvp(*map(jnp.asarray, t)))


# --------------------------------------------------------------------------- Jacobians

@pytest.mark.parametrize("argnums", [0, 1, 2, (0, 2)])
@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobians(mode, argnums):
    ours = (dg.jacrev if mode == "rev" else dg.jacfwd)(dg_layers, argnums=argnums)(*ABC)
    theirs = (jax.jacrev if mode == "rev" else jax.jacfwd)(jx_layers, argnums=argnums)(*JABC)
    assert_tree_close(ours, theirs)


def test_jacfwd_equals_jacrev_on_the_mlp():
    f = lambda w1: dg_mlp(dict(PARAMS, W1=w1), X)
    J_rev = dg.jacrev(f)(PARAMS["W1"])
    J_fwd = dg.jacfwd(f)(PARAMS["W1"])
    assert J_rev.shape == (N, D_OUT, D_H, D_IN)
    np.testing.assert_allclose(J_rev.data, J_fwd.data, rtol=1e-12, atol=1e-14)
    theirs = jax.jacrev(lambda w1: jx_mlp(dict(jparams(), W1=w1), X))(PARAMS["W1"])
    np.testing.assert_allclose(J_rev.data, theirs, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobians_of_pytrees_out(mode):
    """A tuple/dict output gives the same structure of Jacobian blocks (as JAX)."""
    f = lambda a, b, c: (dg_layers(a, b, c), {"s": dg_scalar(a, b, c)})
    jf = lambda a, b, c: (jx_layers(a, b, c), {"s": jx_scalar(a, b, c)})
    ours = (dg.jacrev if mode == "rev" else dg.jacfwd)(f, argnums=1)(*ABC)
    theirs = (jax.jacrev if mode == "rev" else jax.jacfwd)(jf, argnums=1)(*JABC)
    assert_tree_close(ours, theirs)


@pytest.mark.parametrize("mode", ["rev", "fwd"])
def test_jacobians_of_pytrees_in(mode):
    """A dict argument gives a dict of Jacobian blocks, one per leaf (as JAX)."""
    ours = (dg.jacrev if mode == "rev" else dg.jacfwd)(dg_mlp)(PARAMS, X)
    theirs = (jax.jacrev if mode == "rev" else jax.jacfwd)(jx_mlp)(jparams(), X)
    assert_tree_close(ours, theirs)


def test_hessian_of_pytree_params():
    ours = dg.hessian(lambda p: dg_loss(dict(PARAMS, **p), X, Y))(
        {"W2": PARAMS["W2"], "b2": PARAMS["b2"]})
    theirs = jax.jit(jax.hessian(lambda p: jx_loss(dict(jparams(), **p), X, Y)))(
        {"W2": PARAMS["W2"], "b2": PARAMS["b2"]})
    assert_tree_close(ours, theirs, rtol=1e-9)


@pytest.mark.parametrize("argnums", [0, 1, 2])
def test_hessian(argnums):
    ours = dg.hessian(dg_scalar, argnums=argnums)(*ABC)
    theirs = jax.jit(jax.hessian(jx_scalar, argnums=argnums))(*JABC)
    assert_tree_close(ours, theirs, rtol=1e-9, atol=1e-11)
    n = np.size(ABC[argnums])
    H = ours.data.reshape(n, n)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-12)


def test_hessian_of_mlp_loss_wrt_weights():
    f = lambda w2: dg_loss(dict(PARAMS, W2=w2), X, Y)
    jf = lambda w2: jx_loss(dict(jparams(), W2=w2), X, Y)
    assert_tree_close(dg.hessian(f)(PARAMS["W2"]), jax.jit(jax.hessian(jf))(PARAMS["W2"]),
                      rtol=1e-9)


# --------------------------------------------------------------------------- hvp

def test_hvp_matches_jax_and_hessian_times_v():
    v = rng.standard_normal(A.shape)
    f = lambda a: dg_scalar(a, B, C)
    jf = lambda a: jx_scalar(a, B, C)
    Hv = dg.hvp(f, (A,), (v,))
    j_Hv = jax.jvp(jax.grad(jf), (jnp.asarray(A),), (jnp.asarray(v),))[1]
    assert_tree_close(Hv, j_Hv, rtol=1e-9)
    H = dg.hessian(f)(A).data.reshape(A.size, A.size)
    np.testing.assert_allclose(Hv.data.reshape(-1), H @ v.reshape(-1), rtol=1e-9, atol=1e-11)


def test_hvp_several_primals_on_mlp_params():
    """Blocks of H v for (W1, W2) jointly: as jax.jvp(jax.grad(f, argnums=(0, 1)), ...)."""
    def f(w1, w2):
        return dg_loss(dict(PARAMS, W1=w1, W2=w2), X, Y)

    def jf(w1, w2):
        return jx_loss(dict(jparams(), W1=w1, W2=w2), X, Y)

    prim = (PARAMS["W1"], PARAMS["W2"])
    v = tuple(rng.standard_normal(p.shape) for p in prim)
    ours = dg.hvp(f, prim, v)
    theirs = jax.jvp(jax.grad(jf, argnums=(0, 1)), tuple(map(jnp.asarray, prim)),
                     tuple(map(jnp.asarray, v)))[1]
    assert_tree_close(ours, theirs, rtol=1e-9)
    # and equal to the flattened Hessian times the flattened v
    vec, unravel = dg.ravel_parameters(list(prim))
    g = lambda flat: f(*unravel(flat))
    H = dg.hessian(g)(vec).data
    v_flat = np.concatenate([a.reshape(-1) for a in v])
    ours_flat = np.concatenate([o.data.reshape(-1) for o in ours])
    np.testing.assert_allclose(ours_flat, H @ v_flat, rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- vmap

def test_vmap_per_example_gradients():
    """Per-example gradients: vmap(grad) equals a Python loop and jax.vmap(jax.grad)."""
    def example_loss(p, x, y):
        return dg_loss(p, x[None], y[None])

    ours = dg.vmap(dg.grad(example_loss), in_axes=(None, 0, 0))(PARAMS, X, Y)
    loop = [dg.grad(example_loss)(PARAMS, X[i], Y[i]) for i in range(N)]
    theirs = jax.jit(jax.vmap(jax.grad(lambda p, x, y: jx_loss(p, x[None], y[None])),
                              in_axes=(None, 0, 0)))(jparams(), X, Y)
    assert_tree_close(ours, theirs)
    for k, p in PARAMS.items():
        assert ours[k].shape == (N, *p.shape)
        np.testing.assert_array_equal(ours[k].data, np.stack([g[k].data for g in loop]))
    # the mean of per-example gradients is the batch gradient
    batch = dg.grad(dg_loss)(PARAMS, X, Y)
    for k in PARAMS:
        np.testing.assert_allclose(ours[k].data.mean(0), batch[k].data, rtol=1e-12, atol=1e-15)


def test_vmap_in_axes_and_out_axes():
    f = lambda a, b: (dg.tanh(a) @ b, dg.sum(a))
    jf = lambda a, b: (jnp.tanh(a) @ b, jnp.sum(a))
    a = rng.standard_normal((3, 5, 4))  # mapped over axis 1
    b = rng.standard_normal(4)
    ours = dg.vmap(f, in_axes=(1, None), out_axes=(1, 0))(a, b)
    theirs = jax.vmap(jf, in_axes=(1, None), out_axes=(1, 0))(a, b)
    assert_tree_close(ours, theirs, rtol=1e-13)


def test_vmap_of_jvp_gives_the_jacobian():
    f = lambda a: dg_layers(a, B, C)
    basis = np.eye(A.size).reshape((A.size,) + A.shape)
    cols = dg.vmap(lambda v: dg.jvp(f, (A,), (v,))[1])(basis)
    J = dg.jacrev(f)(A).data.reshape(-1, A.size)
    np.testing.assert_allclose(cols.data.T, J, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------- higher order

def test_nested_grad_grad_scalar():
    f = lambda x: dg.sin(x) * dg.exp(0.5 * x) * x
    jf = lambda x: jnp.sin(x) * jnp.exp(0.5 * x) * x
    x = np.float64(0.7)
    for k, (ours, theirs) in enumerate([(dg.grad(f), jax.grad(jf)),
                                         (dg.grad(dg.grad(f)), jax.grad(jax.grad(jf))),
                                         (dg.grad(dg.grad(dg.grad(f))),
                                          jax.grad(jax.grad(jax.grad(jf))))]):
        np.testing.assert_allclose(ours(x).data, theirs(x), rtol=1e-12, err_msg=f"order {k + 1}")


def test_nested_grad_of_sum_of_gradient_several_args():
    """grad of a function that itself takes grad w.r.t. a different argument (mixed partials)."""
    def inner(a, b, c):
        g = dg.grad(dg_scalar, argnums=1)(a, b, c)
        return dg.sum(g * g)

    def j_inner(a, b, c):
        g = jax.grad(jx_scalar, argnums=1)(a, b, c)
        return jnp.sum(g * g)

    ours = dg.grad(inner, argnums=(0, 2))(*ABC)
    theirs = jax.jit(jax.grad(j_inner, argnums=(0, 2)))(*JABC)
    assert_tree_close(ours, theirs, rtol=1e-9)


def test_third_derivative_tensor():
    f = lambda b: dg_scalar(A, b, C)
    jf = lambda b: jx_scalar(A, b, C)
    ours = dg.jacfwd(dg.hessian(f))(B)
    theirs = jax.jit(jax.jacfwd(jax.hessian(jf)))(jnp.asarray(B))
    assert ours.shape == (4, 4, 4)
    assert_tree_close(ours, theirs, rtol=1e-8, atol=1e-10)
    # symmetric in all three indices
    T = ours.data
    np.testing.assert_allclose(T, T.transpose(1, 0, 2), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(T, T.transpose(2, 1, 0), rtol=1e-9, atol=1e-10)


def test_third_derivative_by_reverse_over_reverse_over_reverse():
    f = lambda b: dg_scalar(A, b, C)
    jf = lambda b: jx_scalar(A, b, C)
    ours = dg.jacrev(dg.jacrev(dg.grad(f)))(B)
    theirs = jax.jit(jax.jacrev(jax.jacrev(jax.grad(jf))))(jnp.asarray(B))
    assert_tree_close(ours, theirs, rtol=1e-8, atol=1e-10)


def test_forward_over_reverse():
    v = rng.standard_normal(B.shape)
    f = lambda b: dg_scalar(A, b, C)
    jf = lambda b: jx_scalar(A, b, C)
    g, Hv = dg.jvp(dg.grad(f), (B,), (v,))
    j_g, j_Hv = jax.jvp(jax.grad(jf), (jnp.asarray(B),), (jnp.asarray(v),))
    assert_tree_close(g, j_g)
    assert_tree_close(Hv, j_Hv, rtol=1e-9)


def test_reverse_over_forward():
    """grad of a directional derivative: d/dx <grad f(x), v> = H v, via grad(jvp)."""
    v = rng.standard_normal(B.shape)
    f = lambda b: dg_scalar(A, b, C)
    jf = lambda b: jx_scalar(A, b, C)
    ours = dg.grad(lambda b: dg.jvp(f, (b,), (v,))[1])(B)
    theirs = jax.jit(jax.grad(lambda b: jax.jvp(jf, (b,), (jnp.asarray(v),))[1]))(jnp.asarray(B))
    assert_tree_close(ours, theirs, rtol=1e-9)
    np.testing.assert_allclose(ours.data, dg.hvp(f, (B,), (v,)).data, rtol=1e-10, atol=1e-12)


def test_reverse_through_the_tangent():
    """The JVP is linear in the tangent: its gradient w.r.t. v is grad f (the tangent requires
    grad here, so forward mode must record it instead of computing it on bare arrays)."""
    v = rng.standard_normal(B.shape)
    f = lambda b: dg_scalar(A, b, C)
    ours = dg.grad(lambda t: dg.jvp(f, (dg.tensor(B),), (t,))[1])(v)
    theirs = jax.grad(lambda b: jx_scalar(A, b, C))(jnp.asarray(B))
    assert_tree_close(ours, theirs, rtol=1e-10)


def test_backward_through_a_jvp_of_a_leaf():
    """PyTorch-style backward() reaches a jvp's tangent through a leaf that requires grad (the
    tangent must be recorded although no vjp is open): d/db <grad f(b), v> = H v."""
    v = rng.standard_normal(B.shape)
    f = lambda b: dg_scalar(A, b, C)
    b = dg.tensor(B, requires_grad=True)
    dg.jvp(f, (b,), (v,))[1].backward()
    theirs = jax.grad(lambda b: jax.jvp(lambda x: jx_scalar(A, x, C), (b,), (jnp.asarray(v),))[1])
    assert_tree_close(b.grad, theirs(jnp.asarray(B)), rtol=1e-9)


def test_backward_through_an_hvp_to_a_closed_over_parameter():
    """hvp's forward pass may skip recording tangents only for its own inner grad: a parameter
    that f closes over (requires grad, outside every transform) still gets its gradient."""
    v = rng.standard_normal(B.shape)
    c = dg.tensor(C, requires_grad=True)
    hv = dg.hvp(lambda b: dg_scalar(A, b, c), (dg.tensor(B),), (v,))
    dg.sum(hv * hv).backward()

    def jx_loss(c):
        hv = jax.jvp(jax.grad(lambda b: jx_scalar(A, b, c)), (jnp.asarray(B),), (jnp.asarray(v),))[1]
        return jnp.sum(hv * hv)

    assert_tree_close(c.grad, jax.grad(jx_loss)(jnp.asarray(C)), rtol=1e-9)


def test_reverse_over_forward_several_args_and_vector_output():
    v = tuple(rng.standard_normal(np.shape(a)) for a in ABC)
    u = rng.standard_normal(2)

    def g(a, b, c):
        return dg.sum(dg.jvp(dg_layers, (a, b, c), v)[1] * u)

    def jg(a, b, c):
        return jnp.sum(jax.jvp(jx_layers, (a, b, c), tuple(map(jnp.asarray, v)))[1] * u)

    assert_tree_close(dg.grad(g, argnums=(0, 1, 2))(*ABC),
                      jax.jit(jax.grad(jg, argnums=(0, 1, 2)))(*JABC), rtol=1e-9)


def test_forward_over_forward_over_reverse():
    v, w = rng.standard_normal(B.shape), rng.standard_normal(B.shape)
    f = lambda b: dg_scalar(A, b, C)
    jf = lambda b: jx_scalar(A, b, C)
    hv = lambda b: dg.hvp(f, (b,), (v,))
    j_hv = lambda b: jax.jvp(jax.grad(jf), (b,), (jnp.asarray(v),))[1]
    ours = dg.jvp(hv, (B,), (w,))[1]
    theirs = jax.jit(lambda b, w: jax.jvp(j_hv, (b,), (w,))[1])(jnp.asarray(B), jnp.asarray(w))
    assert_tree_close(ours, theirs, rtol=1e-8, atol=1e-10)


def test_no_perturbation_confusion():
    """Siskind & Pearlmutter: d/dx [x * d/dy (x + y)]_{y=1} = 1 (a confused AD says 2)."""
    def f(x):
        inner = dg.jvp(lambda y: x + y, (np.float64(1.0),), (np.float64(1.0),))[1]
        return x * inner

    _, dot = dg.jvp(f, (np.float64(2.0),), (np.float64(1.0),))
    assert dot.item() == 1.0
    assert dg.grad(f)(np.float64(2.0)).item() == 1.0

    def g(x):  # and with the outer derivative taken in the inner function too
        return dg.grad(lambda y: x * y * y)(np.float64(3.0))  # 6 x

    assert dg.grad(g)(np.float64(2.0)).item() == 6.0
    assert dg.jvp(g, (np.float64(2.0),), (np.float64(1.0),))[1].item() == 6.0


# --------------------------------------------------------------------------- checkpoint

def _blocks(seed, n_blocks=3, width=8):
    r = np.random.default_rng(seed)
    return [(dg.tensor(r.standard_normal((width, width)) / np.sqrt(width), requires_grad=True),
             dg.tensor(0.1 * r.standard_normal(width), requires_grad=True))
            for _ in range(n_blocks)]


def _run(blocks, x, use_checkpoint):
    h = x
    for W, b in blocks:
        block = lambda h, W=W, b=b: dg.tanh(dg.linear(h, W, b)) + dg.relu(h) * 0.5
        h = dg.checkpoint(block, h) if use_checkpoint else block(h)
    return dg.mean(h ** 2)


def test_checkpoint_gradients_equal_plain_ones_bitwise():
    x0 = rng.standard_normal((5, 8))
    grads = []
    for use in (False, True):
        blocks = _blocks(3)
        x = dg.tensor(x0, requires_grad=True)
        loss = _run(blocks, x, use)
        loss.backward()
        grads.append([x.grad.data] + [t.grad.data for wb in blocks for t in wb])
        values = loss.item()
    assert values == _run(_blocks(3), dg.tensor(x0), False).item()
    for plain, ckpt in zip(*grads):
        assert plain.dtype == ckpt.dtype == np.float64
        np.testing.assert_array_equal(plain, ckpt)


def test_checkpoint_first_block_with_data_input():
    """The input of the first block is data (no grad): its closed-over weights still get grads."""
    x0 = rng.standard_normal((5, 8))
    grads = []
    for use in (False, True):
        blocks = _blocks(4)
        loss = _run(blocks, dg.tensor(x0), use)
        assert loss.requires_grad
        loss.backward()
        grads.append([t.grad.data for wb in blocks for t in wb])
    for plain, ckpt in zip(*grads):
        np.testing.assert_array_equal(plain, ckpt)


def test_checkpoint_through_grad_transform_bitwise():
    W = rng.standard_normal((8, 8)) / np.sqrt(8)

    def f(x, w, use):
        block = lambda h, w: dg.tanh(h @ w) * h
        h = x
        for _ in range(3):
            h = dg.checkpoint(block, h, w) if use else block(h, w)
        return dg.sum(h)

    x0 = rng.standard_normal((4, 8))
    plain = dg.grad(f, argnums=(0, 1))(x0, W, False)
    ckpt = dg.grad(f, argnums=(0, 1))(x0, W, True)
    for p, c in zip(plain, ckpt):
        np.testing.assert_array_equal(p.data, c.data)
    theirs = jax.grad(lambda x, w: jnp.sum(_j_three_blocks(x, w)), argnums=(0, 1))(x0, W)
    assert_tree_close(ckpt, theirs)


def _j_three_blocks(x, w):
    block = jax.checkpoint(lambda h, w: jnp.tanh(h @ w) * h)
    for _ in range(3):
        x = block(x, w)
    return x


def test_double_backward_through_checkpoint():
    """grad(grad(f)) and hessian through a checkpointed block equal the plain block's."""
    block = lambda h: dg.tanh(h) * h
    f = lambda v: dg.sum(dg.checkpoint(block, v))
    g = lambda v: dg.sum(block(v))
    x0 = np.float64(0.3)
    np.testing.assert_array_equal(dg.grad(dg.grad(f))(x0).data, dg.grad(dg.grad(g))(x0).data)
    v = rng.standard_normal(3)
    np.testing.assert_allclose(dg.hessian(f)(v).data, dg.hessian(g)(v).data, rtol=1e-14)
    theirs = jax.hessian(lambda v: jnp.sum(jax.checkpoint(lambda h: jnp.tanh(h) * h)(v)))(v)
    np.testing.assert_allclose(dg.hessian(f)(v).data, theirs, rtol=1e-12, atol=1e-14)


def test_checkpoint_forward_stores_no_intermediate_graph():
    """The checkpointed block is one node: its inner ops are not in the recorded graph."""
    W, b = _blocks(0, 1)[0]
    x = dg.tensor(rng.standard_normal((2, 8)), requires_grad=True)
    y = dg.checkpoint(lambda h: dg.tanh(dg.linear(h, W, b)), x)
    assert y.grad_fn.name == "checkpoint"
    assert all(not isinstance(i, dg.Tensor) or i.grad_fn is None for i in y.grad_fn.inputs)


def test_forward_mode_through_checkpoint():
    """jvp (and so hvp, jacfwd, hessian) through a checkpointed block equals the plain one."""
    W = rng.standard_normal((8, 8)) / np.sqrt(8)
    block = lambda h, w: dg.tanh(h @ w) * h
    x0, v = rng.standard_normal((4, 8)), rng.standard_normal((4, 8))
    plain = dg.jvp(lambda h: block(h, W), (x0,), (v,))[1]
    ckpt = dg.jvp(lambda h: dg.checkpoint(block, h, W), (x0,), (v,))[1]
    np.testing.assert_array_equal(ckpt.data, plain.data)
    f = lambda h: dg.sum(dg.checkpoint(block, h, W) ** 2)
    g = lambda h: dg.sum(block(h, W) ** 2)
    np.testing.assert_allclose(dg.hvp(f, (x0,), (v,)).data, dg.hvp(g, (x0,), (v,)).data,
                               rtol=1e-13, atol=1e-14)


# --------------------------------------------------------------------------- ravel_parameters

def test_ravel_parameters_round_trip_and_gradient():
    vec, unravel = dg.ravel_parameters(PARAMS)
    assert vec.shape == (sum(v.size for v in PARAMS.values()),)
    back = unravel(vec)
    for k, p in PARAMS.items():
        np.testing.assert_array_equal(back[k].data, p)
    g_flat = dg.grad(lambda v: dg_loss(unravel(v), X, Y))(vec)
    g = dg.grad(dg_loss)(PARAMS, X, Y)
    np.testing.assert_allclose(g_flat.data, np.concatenate([g[k].data.ravel() for k in PARAMS]),
                               rtol=1e-14, atol=1e-16)
    j_vec, _ = jax.flatten_util.ravel_pytree(jparams())
    assert vec.shape == j_vec.shape
