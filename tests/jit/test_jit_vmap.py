"""deepgrad.jit of vmap: per-example gradients (the physical ops vmap's rules apply are traced
and replayed), equal to jax.jit(jax.vmap(jax.grad)) in float64 on fresh inputs every call."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine import primitives as P
from deepgrad.engine.fast.compile import CompileWarning
from deepgrad.engine.vocabulary import ARRAY_OPS

jax.config.update("jax_enable_x64", True)


def dg_loss(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = dg.tanh(dg.linear(h, w, b))
    w, b = params[-1]
    return dg.sum((h @ w.T + b - y) ** 2)


def jax_loss(params, x, y):
    h = x
    for w, b in params[:-1]:
        h = jnp.tanh(h @ w.T + b)
    w, b = params[-1]
    return jnp.sum((h @ w.T + b - y) ** 2)


def _params(rng, sizes=(4, 6, 3)):
    return [(rng.standard_normal((n, m)), rng.standard_normal(n))
            for m, n in zip(sizes[:-1], sizes[1:])]


def _replayed(jitted, ref, calls):
    """Each call's leaves equal the reference's; the later calls replay one traced program."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for args in calls:
            ours = jax.tree_util.tree_leaves(jitted(*args))
            theirs = jax.tree_util.tree_leaves(ref(*args))
            assert len(ours) == len(theirs)
            for a, b in zip(ours, theirs):
                np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-11, atol=1e-12)
    assert len(jitted.sources) == 1 and not jitted.fallback_reasons


def test_jit_of_vmap_grad_gives_jax_per_example_gradients():
    rng = np.random.default_rng(0)
    ours = dg.jit(dg.vmap(dg.grad(dg_loss), in_axes=(None, 0, 0)))
    ref = jax.jit(jax.vmap(jax.grad(jax_loss), in_axes=(None, 0, 0)))
    calls = [(_params(rng), rng.standard_normal((5, 4)), rng.standard_normal((5, 3)))
             for _ in range(3)]   # new parameters and data every call: nothing frozen
    _replayed(ours, ref, calls)
    src = next(iter(ours.sources.values()))
    assert "vmap_matvec vjp" in src   # the per-example weight gradients: vmap's own kernel


def test_jit_of_vmap_with_axes_nesting_and_gathers():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((3, 4))
    cases = [  # (deepgrad function, JAX function, argument shapes)
        (dg.vmap(lambda x: dg.tanh(x @ w.T), in_axes=1, out_axes=1),
         jax.vmap(lambda x: jnp.tanh(x @ w.T), in_axes=1, out_axes=1), [(4, 5)]),
        (dg.vmap(dg.vmap(lambda a, b: dg.sum(a * b))),
         jax.vmap(jax.vmap(lambda a, b: jnp.sum(a * b))), [(2, 3, 4), (2, 3, 4)]),
        (dg.vmap(dg.grad(lambda v: dg.sum(dg.sin(v[0, :, [2, 0]]) ** 2)), in_axes=2),
         jax.vmap(jax.grad(lambda v: jnp.sum(jnp.sin(v[0, :, jnp.array([2, 0])]) ** 2)),
                  in_axes=2), [(2, 3, 5, 4)]),
    ]
    for ours, ref, shapes in cases:
        calls = [tuple(rng.standard_normal(s) for s in shapes) for _ in range(2)]
        _replayed(dg.jit(ours), jax.jit(ref), calls)


def test_a_traced_index_runs_eagerly_not_frozen():
    rng = np.random.default_rng(2)
    ours = dg.jit(dg.vmap(dg.grad(lambda x, k: dg.sum(x[k] ** 2))))   # k: one index per example
    ref = jax.vmap(jax.grad(lambda x, k: jnp.sum(x[k] ** 2)))
    with pytest.warns(CompileWarning, match="index array computed from the function's argum"):
        ours(rng.standard_normal((4, 5, 2)), rng.integers(0, 5, 4))
    for _ in range(2):
        x, k = rng.standard_normal((4, 5, 2)), rng.integers(0, 5, 4)
        np.testing.assert_allclose(ours(x, k).numpy(), ref(x, k), rtol=1e-13)


def test_custom_vjp_inside_jit_runs_eagerly_not_frozen():
    @dg.custom_vjp
    def f(x):
        return dg.sin(x)

    f.defvjp(lambda x: (dg.sin(x), x), lambda x, g: (g * dg.cos(x),))
    jitted = dg.jit(dg.vmap(dg.grad(lambda x: dg.sum(f(x) * 2))))
    with pytest.warns(CompileWarning, match="custom derivative"):
        jitted(np.ones((2, 3)))
    x = np.array([[0.5, 1.0, 2.0], [-1.0, 0.0, 3.0]])
    np.testing.assert_allclose(jitted(x).numpy(), 2 * np.cos(x), rtol=1e-14)


def test_compile_of_a_step_with_vmap_inside_is_bit_identical_to_eager():
    def make():
        dg.manual_seed(0)
        model = dg.nn.Linear(3, 2)
        opt = dg.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):   # per-example losses by vmap, then their mean's backward
            opt.zero_grad()
            loss = dg.mean(dg.vmap(lambda xi, yi: dg.sum((model(xi) - yi) ** 2))(x, y))
            loss.backward()
            opt.step()
            return loss
        return model, step

    (m1, compiled), (m2, eager) = make(), make()
    compiled = dg.compile(compiled)
    rng = np.random.default_rng(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        for _ in range(3):
            x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
            assert compiled(x, y).item() == eager(x, y).item()
    assert compiled.source is not None
    np.testing.assert_array_equal(m1.weight.data, m2.weight.data)


@pytest.mark.parametrize("power", [2, 3, 2.5])
def test_jit_grad_of_a_power_equals_jax(power):
    # x ** 2's x_bar is g (a + a) (pow's own rule at a constant 2); other powers take pow_da;
    # both equal JAX on fresh inputs, zeros included.
    rng = np.random.default_rng(3)
    ours = dg.jit(dg.grad(lambda x: dg.sum(dg.tanh(x) ** power)))
    ref = jax.jit(jax.grad(lambda x: jnp.sum(jnp.tanh(x) ** power)))
    calls = [(np.abs(rng.standard_normal((4, 3))) * (rng.random((4, 3)) > 0.3),)
             for _ in range(3)]
    _replayed(ours, ref, calls)


def test_a_squares_x_bar_is_pow_das_value_bit_for_bit():
    # The a + a short cut must give pow_da's 2 a^1 at every value, specials and subnormals too.
    a = np.array([0.0, -0.0, 1.5, -3.0, np.inf, -np.inf, np.nan, 5e-324, 1e308, -2.5e-310])
    g = np.array([1.0, -2.0, 0.5, np.inf, 3.0, -1.0, 2.0, 7.0, 4.0, -np.inf])
    cheap = P.pow.vjps[0](ARRAY_OPS, g, a ** 2, a, 2)
    general = g * P.pow_da.forward(a, 2)
    np.testing.assert_array_equal(cheap, general)
    assert np.array_equal(np.signbit(cheap), np.signbit(general))
