"""checkpoint under vmap is a real checkpoint: gradients as jax.vmap(jax.grad(jax.checkpoint)) in
float64, and the block's activations freed after the forward (tracemalloc, with vs without)."""

import tracemalloc

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine.backward import walk

jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

R = np.random.default_rng(14)
X = R.standard_normal((5, 4))
W = R.standard_normal((4, 4)) / 2


def block(h, w):
    return dg.tanh(h @ w) * h


def jblock(h, w):
    return jnp.tanh(h @ w) * h


def loss(w, x):
    return dg.sum(dg.checkpoint(block, dg.checkpoint(block, x, w), w) ** 2)


def jloss(w, x):
    b = jax.checkpoint(jblock)
    return jnp.sum(b(b(x, w), w) ** 2)


def close(ours, theirs):
    """``ours`` equals the JAX reference ``theirs`` (computed under jax.jit: op by op is slow)."""
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.data, np.asarray(t), rtol=1e-12, atol=1e-13)


def test_per_example_gradients_vmap_of_grad():
    ours = dg.vmap(dg.grad(loss, argnums=(0, 1)), in_axes=(None, 0))(W, X)
    theirs = jax.jit(jax.vmap(jax.grad(jloss, argnums=(0, 1)), in_axes=(None, 0)))(W, X)
    close(ours, theirs)


def test_grad_of_vmap_reaches_the_mapped_input_and_a_closed_over_parameter():
    w, x = dg.tensor(W, requires_grad=True), dg.tensor(X, requires_grad=True)
    y = dg.sum(dg.vmap(lambda xi: dg.checkpoint(lambda h: dg.tanh(h @ w) * h, xi))(x) ** 2)
    assert any(t.grad_fn is not None and t.grad_fn.name == "checkpoint" for t in walk([y]))
    y.backward()
    theirs = jax.jit(jax.grad(lambda w, x: jnp.sum(jax.vmap(lambda xi: jax.checkpoint(
        lambda h: jnp.tanh(h @ w) * h)(xi))(x) ** 2), argnums=(0, 1)))(W, X)
    close((w.grad, x.grad), theirs)
    ours = dg.grad(lambda w, x: dg.sum(dg.vmap(lambda xi: dg.checkpoint(block, xi, w))(x)),
                   argnums=(0, 1))(W, X)
    close(ours, jax.jit(jax.grad(lambda w, x: jnp.sum(jax.vmap(lambda xi: jax.checkpoint(jblock)(
        xi, w))(x)), argnums=(0, 1)))(W, X))


def test_nested_vmap_closed_over_weight_and_forward_mode_fallback():
    X3 = X.reshape(5, 2, 2) @ np.ones((2, 4))
    ours = dg.vmap(dg.vmap(dg.grad(loss), in_axes=(None, 0)), in_axes=(None, 0))(W, X3)
    theirs = jax.jit(jax.vmap(jax.vmap(jax.grad(jloss), in_axes=(None, 0)), in_axes=(None, 0)))(W, X3)
    close([ours], [theirs])
    inner = lambda w, x: dg.sum(dg.checkpoint(lambda v: dg.tanh(v @ w) * v, x) ** 2)
    jinner = lambda w, x: jnp.sum(jax.checkpoint(lambda v: jnp.tanh(v @ w) * v)(x) ** 2)
    Ws = R.standard_normal((3, 4, 4)) / 2
    close([dg.vmap(dg.vmap(dg.grad(inner), in_axes=(None, 0)), in_axes=(0, None))(Ws, X)],
          [jax.jit(jax.vmap(jax.vmap(jax.grad(jinner), in_axes=(None, 0)), in_axes=(0, None)))(Ws, X)])
    f = lambda x: dg.sum(dg.checkpoint(lambda h: dg.tanh(h) * h, x) ** 2)
    jf = lambda x: jnp.sum(jax.checkpoint(lambda h: jnp.tanh(h) * h)(x) ** 2)
    close([dg.vmap(dg.hessian(f))(X)], [jax.jit(jax.vmap(jax.hessian(jf)))(X)])


def test_jit_of_vmap_of_grad_through_checkpoint_is_traced():
    jitted = dg.jit(dg.vmap(dg.grad(loss, argnums=(0, 1)), in_axes=(None, 0)))
    theirs = jax.jit(jax.vmap(jax.grad(jloss, argnums=(0, 1)), in_axes=(None, 0)))(W, X)
    for _ in range(2):  # the trace, then the replay
        close(jitted(W, X), theirs)
    assert len(jitted.sources) == 1 and not jitted.fallback_reasons


# --------------------------------------------------------------------------- the memory saving

def _deep(use_checkpoint, n_blocks=6, layers=3, width=256, seed=0):
    r = np.random.default_rng(seed)
    weights = [[r.standard_normal((width, width)) / np.sqrt(width) for _ in range(layers)]
               for _ in range(n_blocks)]

    def f(x):  # one example: n_blocks blocks of `layers` wide tanh layers each
        h = x
        for ws in weights:
            blk = lambda h, ws=ws: _layers(h, ws)
            h = dg.checkpoint(blk, h) if use_checkpoint else blk(h)
        return dg.sum(h ** 2)

    return f


def _layers(h, ws):
    for w in ws:
        h = dg.tanh(h @ w)
    return h


def _traced(fn):
    """(what ``fn()`` left allocated, the peak while it ran), in bytes, and its result."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        out = fn()
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return now - base, peak - base, out


def test_checkpoint_under_vmap_frees_the_block_activations():
    X = np.random.default_rng(1).standard_normal((32, 256))
    alive, peak, grads = {}, {}, {}
    for use in (False, True):
        f, x = _deep(use), dg.tensor(X, requires_grad=True)  # (weights made before tracing)
        alive[use], _, y = _traced(lambda: dg.vmap(f)(x))  # grad(vmap): the forward is kept
        dg.sum(y).backward()
        _, peak[use], grads[use] = _traced(lambda: dg.vmap(dg.grad(f))(X))
        np.testing.assert_allclose(x.grad.data, grads[use].data, rtol=1e-12)
    np.testing.assert_allclose(grads[True].data, grads[False].data, rtol=1e-12, atol=1e-14)
    activation = X.nbytes  # one layer's batch of activations
    # plain: every layer's activations (18 layers) stay alive until backward (38 batches
    # measured); checkpointed: the blocks' inputs and outputs (7 measured)
    assert alive[False] > 18 * activation
    assert alive[True] < 0.3 * alive[False], (alive, activation)
    # vmap(grad): the peak adds one block's activations to those (measured: 0.41 of plain)
    assert peak[True] < 0.5 * peak[False], (peak, activation)
