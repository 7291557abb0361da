"""vmap of indexing against jax.vmap (float64): advanced indices split by a slice (NumPy moves
their axes to the front) for every mapped axis, and per-example integer indices (one gather)."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine.vmap import VmapFallbackWarning

jax.config.update("jax_enable_x64", True)

IDX = np.array([2, 0, 1, 2])


def _check(ours, theirs, *args, in_axes=0):
    with warnings.catch_warnings():
        warnings.simplefilter("error", VmapFallbackWarning)   # rules only, no loop
        got = dg.vmap(ours, in_axes=in_axes)(*args)
    want = jax.vmap(theirs, in_axes=in_axes)(*[jnp.asarray(a) for a in args])
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-13)


@pytest.mark.parametrize("axis", [0, 1, 2, 3])
def test_split_advanced_index_for_every_mapped_axis(axis):
    shape = [3, 4, 5]
    shape.insert(axis, 6)
    x = np.random.default_rng(axis).standard_normal(shape)
    _check(lambda v: v[0, :, IDX], lambda v: v[0, :, IDX], x, in_axes=axis)
    _check(lambda v: v[IDX, :, [1, 0, 2, 4]], lambda v: v[IDX, :, jnp.array([1, 0, 2, 4])], x,
           in_axes=axis)
    # and its gradient (getitem's adjoint, batched the same way)
    _check(dg.grad(lambda v: dg.sum(dg.sin(v[0, :, IDX]))),
           jax.grad(lambda v: jnp.sum(jnp.sin(v[0, :, IDX]))), x, in_axes=axis)


@pytest.mark.parametrize("name", ["v[k]", "v[:, k]", "v[..., k]", "v[0, :, k]", "v[:, k, 1]",
                                  "v[None, :, [1, 2], k]", "w[k]"])
def test_per_example_integer_index(name):
    rng = np.random.default_rng(1)
    k = rng.integers(0, 4, 6)
    if name == "w[k]":  # an unbatched array indexed per example
        w = rng.standard_normal((4, 3))
        _check(lambda k: dg.tensor(w)[k], lambda k: jnp.asarray(w)[k], k)
        return
    x = rng.standard_normal((6, 4, 4, 4))
    f = eval(f"lambda v, k: {name}")  # noqa: S307  (the same text for both libraries)
    _check(f, f, x, k)


def test_per_example_gradient_through_a_gather():
    rng = np.random.default_rng(2)
    x, k = rng.standard_normal((4, 5, 3)), rng.integers(0, 5, (4, 2))
    _check(dg.grad(lambda v, k: dg.sum(v[k] ** 3)), jax.grad(lambda v, k: jnp.sum(v[k] ** 3)),
           x, k)


def test_a_mask_per_example_is_refused():
    x, m = np.ones((2, 3)), np.array([[True, False, True], [False, False, True]])
    with pytest.raises(NotImplementedError, match="boolean mask"):
        dg.vmap(lambda v, m: v[m])(x, m)
