"""deepgrad.jit: values and gradients equal to eager and to jax.jit (float64), retracing per
signature, static_argnums, pytrees of parameters, and each fallback's message."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine.fast.compile import CompileWarning
from deepgrad.tree_util import tree_leaves, tree_map

jax.config.update("jax_enable_x64", True)


def _mlp_params(rng, sizes=(5, 7, 3), as_dict=False):
    pairs = [(rng.standard_normal((n, m)), rng.standard_normal(n))
             for m, n in zip(sizes[:-1], sizes[1:])]
    if as_dict:
        return {f"layer{i}": {"w": w, "b": b} for i, (w, b) in enumerate(pairs)}
    return pairs


def _layers(params):
    return [(p["w"], p["b"]) for p in params.values()] if isinstance(params, dict) else params


def dg_loss(params, x, y, act=dg.tanh):
    layers = _layers(params)
    h = x
    for w, b in layers[:-1]:
        h = act(h @ w.T + b)
    w, b = layers[-1]
    logits = h @ w.T + b
    return -dg.mean((logits - dg.logsumexp(logits, axis=1, keepdims=True)) * y)


def jax_loss(params, x, y, act=jnp.tanh):
    layers = [(p["w"], p["b"]) for p in params.values()] if isinstance(params, dict) else params
    h = x
    for w, b in layers[:-1]:
        h = act(h @ w.T + b)
    w, b = layers[-1]
    logits = h @ w.T + b
    return -jnp.mean((logits - jax.scipy.special.logsumexp(logits, axis=1, keepdims=True)) * y)


def dg_update(params, x, y):
    grads = dg.grad(dg_loss)(params, x, y)
    return tree_map(lambda p, g: p - 0.1 * g, params, grads)


def jax_update(params, x, y):
    grads = jax.grad(jax_loss)(params, x, y)
    return jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)


def _data(rng, n=6):
    return rng.standard_normal((n, 5)), np.eye(3)[rng.integers(0, 3, n)]


def _arrays(tree):
    """The leaves in JAX's order (dicts by sorted key; deepgrad keeps insertion order)."""
    return [np.asarray(leaf) for leaf in jax.tree_util.tree_leaves(tree)]


@pytest.mark.parametrize("as_dict", [False, True], ids=["list of (W, b)", "dict of dicts"])
def test_update_equals_eager_and_jax_jit(as_dict):
    rng = np.random.default_rng(0)
    params, (x, y) = _mlp_params(rng, as_dict=as_dict), _data(rng)
    ours, eager, jax_params = dg.jit(dg_update), params, params
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        p = params
        for _ in range(3):  # trace, then two replays
            p, eager = ours(p, x, y), dg_update(eager, x, y)
            jax_params = jax.jit(jax_update)(jax_params, x, y)
            for a, b, c in zip(_arrays(p), _arrays(eager), _arrays(jax_params)):
                assert np.array_equal(a, b)                       # bit-identical to eager
                np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)
    assert len(ours.sources) == 1 and not ours.fallback_reasons
    assert type(p) is type(params)
    assert all(isinstance(leaf, dg.Tensor) for leaf in tree_leaves(p))


def test_jitted_loss_and_grad_equal_jax():
    rng = np.random.default_rng(1)
    params, (x, y) = _mlp_params(rng), _data(rng)
    value_and_grad = dg.jit(dg.value_and_grad(dg_loss))
    for _ in range(2):
        value, grads = value_and_grad(params, x, y)
    v_ref, g_ref = jax.jit(jax.value_and_grad(jax_loss))(params, x, y)
    np.testing.assert_allclose(value.item(), float(v_ref), rtol=1e-13)
    for a, b in zip(_arrays(grads), _arrays(g_ref)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)
    assert "vjp" in next(iter(value_and_grad.sources.values()))  # the VJP rules are replayed


def test_retraces_on_new_shapes_and_dtypes():
    rng = np.random.default_rng(2)
    f = dg.jit(lambda w, x: dg.sum(dg.tanh(x @ w) ** 2, axis=0))
    w = rng.standard_normal((5, 4))
    for n in (3, 8, 3):
        x = rng.standard_normal((n, 5))
        np.testing.assert_array_equal(f(w, x).numpy(), (np.tanh(x @ w) ** 2).sum(0))
    assert len(f.sources) == 2                      # one program per batch size, reused after
    out = f(w.astype(np.float32), rng.standard_normal((3, 5)).astype(np.float32))
    assert out.dtype == np.float32 and len(f.sources) == 3


def test_static_argnums():
    def power_sum(x, n):
        y = x
        for _ in range(n - 1):  # Python control flow on a static argument
            y = y * x
        return dg.sum(y)

    f = dg.jit(power_sum, static_argnums=1)
    x = np.array([1.5, -2.0, 0.5])
    assert f(x, 2).item() == pytest.approx(np.sum(x ** 2))
    assert f(x, 3).item() == pytest.approx(np.sum(x ** 3))
    assert f(x, 3).item() == pytest.approx(np.sum(x ** 3))
    assert len(f.sources) == 2
    g = dg.jit(lambda x, shape: dg.reshape(x, shape), static_argnums=(1,))
    assert g(np.arange(6.0), (2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match="static argument 1 .* hashable"):
        g(np.arange(6.0), [2, 3])
    with pytest.raises(ValueError, match="static_argnums"):
        dg.jit(power_sum, static_argnums=5)(x, 2)


def test_static_argnames_as_jax():
    def power_sum(x, n=2):
        y = x
        for _ in range(n - 1):
            y = y * x
        return dg.sum(y)

    x = np.array([1.5, -2.0, 0.5])
    by_name = dg.jit(power_sum, static_argnames="n")
    by_num = dg.jit(power_sum, static_argnums=1)
    ref = jax.jit(lambda x, n=2: jnp.sum(x ** n), static_argnames="n")
    for f in (by_name, by_num):   # each completes the other through the signature, as JAX
        for call in (lambda f: f(x, n=3), lambda f: f(x, 3), lambda f: f(x)):
            assert call(f).item() == pytest.approx(float(call(ref)), rel=1e-12)
        assert f.static_argnums == (1,) and f.static_argnames == ("n",)
    assert by_name(x * 2, n=4).item() == pytest.approx(np.sum((x * 2) ** 4))  # not frozen
    with pytest.raises(ValueError, match="static_argnames has 'm'"):
        dg.jit(power_sum, static_argnames="m")
    with pytest.raises(TypeError, match="static argument 'n' .* hashable"):
        by_name(x, n=[3])


def _fallback(fn, *args):
    jitted = dg.jit(fn)
    with pytest.warns(CompileWarning) as caught:
        first = jitted(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)   # warned once per signature
        second = jitted(*args)
    np.testing.assert_allclose(np.asarray(first), np.asarray(second))
    eager = fn(*[dg.tensor(a) for a in args])
    np.testing.assert_allclose(np.asarray(first), np.asarray(eager))
    assert jitted.sources == {}
    return str(caught[0].message)


def test_fallback_on_a_data_dependent_branch():
    def f(x):
        return dg.sum(x) * 2 if dg.sum(x) > 0 else -dg.sum(x)

    msg = _fallback(f, np.array([1.0, 2.0]))
    assert "falls back to eager" in msg and "branch on data" in msg


def test_fallback_on_item():
    msg = _fallback(lambda x: dg.tensor(dg.sum(x).item() + 1.0), np.array([1.0, 2.0]))
    assert ".item()" in msg


def test_fallback_on_random_draws():
    dg.manual_seed(0)
    first = None

    def f(x):
        return x + dg.randn(2)

    jitted = dg.jit(f)
    with pytest.warns(CompileWarning, match="random generator"):
        first = jitted(np.zeros(2))
    assert not np.array_equal(first.numpy(), jitted(np.zeros(2)).numpy())  # fresh draws


def test_fallback_on_unsupported_transforms_inside():
    x = np.array([0.3, 0.4])
    nested = lambda x: dg.jvp(lambda u: dg.jvp(dg.sin, (u,), (dg.ones_like(u),))[1], (x,),  # noqa: E731
                              (dg.ones_like(x),))[1]
    assert "nested forward mode" in _fallback(nested, x)


def test_hvp_inside_jit_equals_eager_and_jax():   # relu: its rule's x > 0 is recorded
    rng = np.random.default_rng(3)
    params, (x, y) = _mlp_params(rng), _data(rng)
    tangents = tree_map(lambda p: rng.standard_normal(p.shape), params)
    hvp = dg.jit(lambda p, v, x, y: dg.hvp(lambda q: dg_loss(q, x, y, dg.relu), (p,), (v,)))
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for _ in range(2):
            ours = hvp(params, tangents, x, y)
    eager = dg.hvp(lambda q: dg_loss(q, x, y, dg.relu), (params,), (tangents,))
    ref = jax.jit(lambda p, v: jax.jvp(jax.grad(lambda q: jax_loss(q, x, y, jax.nn.relu)),
                                       (p,), (v,))[1])(params, tangents)
    for a, b, c in zip(_arrays(ours), _arrays(eager), _arrays(ref)):
        assert np.array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-11, atol=1e-12)
    assert "jvp" in next(iter(hvp.sources.values()))  # tangents replayed by their JVP rules


def test_fallback_on_comparisons_and_argmax_in_user_code():
    x = np.array([[0.5, -1.0, 2.0]])
    assert "NumPy greater" in _fallback(lambda x: dg.where(x > 0, x, -x), x)
    assert "NumPy argmax" in _fallback(lambda x: dg.argmax(x, axis=1), x)


def test_fallback_on_a_non_tensor_result():
    with pytest.warns(CompileWarning, match="other than Tensors"):
        assert dg.jit(lambda x: "done")(np.ones(2)) == "done"


def test_arguments_that_require_grad_run_eagerly_and_keep_their_graph():
    f = dg.jit(lambda x: dg.sum(x * x))
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    f(x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert f.sources == {}


def test_jit_inside_jit_is_inlined():
    inner = dg.jit(lambda x: dg.exp(x))
    outer = dg.jit(lambda x: dg.sum(inner(x) * 2))
    x = np.array([0.1, 0.2])
    for _ in range(2):
        assert outer(x).item() == pytest.approx(2 * np.exp(x).sum())
    assert len(outer.sources) == 1 and inner.sources == {}


def test_closed_over_arrays_are_constants_and_python_numbers_static():
    scale = np.array([2.0, 3.0])
    f = dg.jit(lambda x, lr: x * scale * lr)
    np.testing.assert_array_equal(f(np.ones(2), 0.5).numpy(), [1.0, 1.5])
    np.testing.assert_array_equal(f(np.ones(2), 2.0).numpy(), [4.0, 6.0])
    assert len(f.sources) == 2


def test_a_numpy_view_of_an_argument_is_still_the_argument():
    f = dg.jit(lambda x: dg.tanh(np.asarray(x)))   # asarray: a plain view of the traced array
    for v in (0.5, -1.0):
        x = np.full(3, v)
        np.testing.assert_array_equal(f(x).numpy(), np.tanh(x))   # not frozen at the first x


def test_a_numpy_slice_of_an_argument_falls_back():
    msg = _fallback(lambda x: dg.tanh(np.asarray(x)[:2]), np.array([0.1, 0.2, 0.3]))
    assert "outside deepgrad's ops" in msg
