"""jacfwd (a vmapped JVP) and jacrev (a vmapped VJP) against JAX in float64: scalar inputs, 0-d
and 1-d outputs, pytrees, argnums tuples, Hessians, chunk_size, and the zero-tangent bug that
kept jacfwd a Python loop (a JVP output without a tangent came back unbatched under vmap)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.tree_util import tree_flatten

jax.config.update("jax_enable_x64", True)

RTOL, ATOL = 1e-10, 1e-12
rng = np.random.default_rng(11)
S = np.array(0.7)                    # a scalar input
V = rng.standard_normal(3)           # a vector input
M = rng.standard_normal((2, 2))      # a matrix input


def _close(ours, theirs):
    o, o_def = tree_flatten(ours)
    t, t_def = jax.tree_util.tree_flatten(theirs)
    assert len(o) == len(t), (o_def, t_def)
    for a, b in zip(o, t):
        np.testing.assert_allclose(np.asarray(a.data), np.asarray(b), rtol=RTOL, atol=ATOL)


# each case: (deepgrad function, the same function in jax.numpy, arguments)
CASES = {
    "scalar in, 0-d out": (lambda s: dg.sin(s) * s, lambda s: jnp.sin(s) * s, (S,)),
    "scalar in, 1-d out": (lambda s: dg.tanh(s * V), lambda s: jnp.tanh(s * V), (S,)),
    "1-d in, 0-d out": (lambda v: dg.sum(dg.exp(v) * v), lambda v: jnp.sum(jnp.exp(v) * v), (V,)),
    "linear in a scalar": (lambda s: 2.0 * s + 3.0, lambda s: 2.0 * s + 3.0, (S,)),
    "scalar and vector, tuple out": (
        lambda s, v: (s * dg.sum(v ** 2), dg.tanh(v) + 0 * s),
        lambda s, v: (s * jnp.sum(v ** 2), jnp.tanh(v) + 0 * s), (S, V)),
    "fuzzer's min": (  # tests/fuzz found it: raised ShapeError once jacfwd was batched
        lambda s, v: dg.sqrt(dg.abs(dg.min(v))) + 0 * s,
        lambda s, v: jnp.sqrt(jnp.abs(jnp.min(v))) + 0 * s, (np.array(-2.0), np.array([1e4, 3.0]))),
    "matrix and vector": (lambda m, v: dg.tanh(m) @ v[:2] * v[2],
                          lambda m, v: jnp.tanh(m) @ v[:2] * v[2], (M, V)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_jacobian_as_jax(name):
    """jacfwd and jacrev both against jax.jacfwd (JAX's first call of a shape is the slow part)."""
    f, jf, args = CASES[name]
    argnums = tuple(range(len(args))) if len(args) > 1 else 0
    theirs = jax.jacfwd(jf, argnums)(*args)
    _close(dg.jacfwd(f, argnums)(*args), theirs)
    _close(dg.jacrev(f, argnums)(*args), theirs)


@pytest.mark.parametrize("name", [n for n in CASES if "tuple" not in n and "1-d out" not in n
                                  and "matrix" not in n])
def test_hessian_as_jax(name):
    """hessian = jacfwd(jacrev(f)): scalar inputs included (the fuzzer's failure)."""
    f, jf, args = CASES[name]
    argnums = tuple(range(len(args))) if len(args) > 1 else 0
    _close(dg.hessian(f, argnums)(*args), jax.hessian(jf, argnums)(*args))


def test_jacobians_of_a_dict_with_argnums_tuple():
    """A pytree argument (dict) and a plain one, argnums as a tuple in reverse order."""
    p = {"a": V, "b": S}

    def f(s, p):
        return dg.stack([p["b"] * dg.sum(p["a"]), s * p["a"][0]])

    def jf(s, p):
        return jnp.stack([p["b"] * jnp.sum(p["a"]), s * p["a"][0]])

    theirs = jax.jacfwd(jf, (1, 0))(S, p)
    _close(dg.jacfwd(f, (1, 0))(S, p), theirs)
    _close(dg.jacrev(f, (1, 0))(S, p), theirs)
    _close(dg.hessian(lambda s, p: dg.sum(f(s, p) ** 2), (0, 1))(S, p),
           jax.hessian(lambda s, p: jnp.sum(jf(s, p) ** 2), (0, 1))(S, p))


def test_vmap_of_jvp_of_a_constant_gradient_keeps_the_batch():
    """The bug itself: d/dx of grad(2x) has no tangent; under vmap its zeros are per example."""
    out = dg.vmap(lambda v: dg.jvp(dg.grad(lambda x: 2.0 * x), (S,), (v,))[1])(np.ones(3))
    want = jax.vmap(lambda v: jax.jvp(jax.grad(lambda x: 2.0 * x), (S,), (v,))[1])(np.ones(3))
    assert out.shape == (3,)
    _close(out, want)


def test_vmap_of_hessian_with_a_scalar_input():
    f = lambda s: dg.sin(s) ** 3  # noqa: E731
    _close(dg.vmap(dg.hessian(f))(V), jax.vmap(jax.hessian(lambda s: jnp.sin(s) ** 3))(V))


@pytest.mark.parametrize("chunk_size", [1, 3, 100])
@pytest.mark.parametrize("jac", [dg.jacfwd, dg.jacrev], ids=["jacfwd", "jacrev"])
def test_chunked_equals_unchunked_and_bounds_the_batch(jac, chunk_size):
    """7 unit vectors (3 + 4 entries) in chunks that need not divide 7: the same Jacobian, and
    no vmap call sees more than chunk_size of them at once."""
    seen = []

    def f(v, m):
        seen.append(v.data.shape[0] if v.data.ndim == 2 else 1)  # physical batch inside vmap
        return dg.tanh(m @ v[:2]) * v[2], dg.sum(v * v) * m

    whole = jac(f, (0, 1))(V, M)
    seen.clear()
    chunked = jac(f, (0, 1), chunk_size=chunk_size)(V, M)
    assert max(seen) <= chunk_size
    for a, b in zip(tree_flatten(chunked)[0], tree_flatten(whole)[0]):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("bad", [0, -2, 2.5, "4"])
@pytest.mark.parametrize("jac", [dg.jacfwd, dg.jacrev], ids=["jacfwd", "jacrev"])
def test_bad_chunk_size_names_the_transform(jac, bad):
    with pytest.raises(ValueError, match=r"(jacfwd|jacrev): chunk_size must be a positive int"):
        jac(lambda v: v * 2, chunk_size=bad)(V)
