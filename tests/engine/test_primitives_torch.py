"""Every spec row against PyTorch in float64: value, gradient (plain and create_graph), and
double backward (the gradient of a random linear functional of the gradient)."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad.engine.primitives import registry

from .spec import COMPOSED, ELSEWHERE, ROW_NAME, SPECS, sample_row, to_dg, to_torch


def assert_close(actual, expected, rtol, what):
    """|actual - expected| <= rtol * max(|expected|, 1): relative to the array's scale."""
    expected = np.asarray(expected)
    scale = np.max(np.abs(expected), initial=1.0)
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=rtol * scale,
                               err_msg=what)


def _cotangent(shape, dtype, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _diff(spec, items):
    return [x for x, a in zip(items, spec.args) if a.differentiable]


def test_every_primitive_has_a_row():
    """Coverage from the primitive registry: a primitive without a row, with both its PyTorch and
    its JAX column, fails here (and so does a row naming neither a primitive nor a composed function)."""
    primitives = set(registry()) - ELSEWHERE
    rows = {ROW_NAME.get(p, p): p for p in primitives}
    with_torch = {s.name.split("[")[0] for s in SPECS}
    with_jax = {s.name.split("[")[0] for s in SPECS if s.jax is not None and not s.kink}
    assert not set(rows) - with_torch, f"primitives without a row: {sorted(set(rows) - with_torch)}"
    assert not set(rows) - with_jax, f"primitives without a JAX column: {sorted(set(rows) - with_jax)}"
    assert with_torch <= set(rows) | COMPOSED, \
        f"rows naming no primitive: {sorted(with_torch - set(rows) - COMPOSED)}"
    assert not COMPOSED & set(rows), f"composed and a primitive: {sorted(COMPOSED & set(rows))}"


def test_row_names_are_unique():
    names = [s.name for s in SPECS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "create_graph"])
@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_value_and_gradient(spec, create_graph):
    arrays = sample_row(spec)
    xs, ts = to_dg(arrays, spec), to_torch(arrays, spec)
    y, yt = spec.dg(*xs), spec.torch(*ts)
    expected = yt.detach().numpy()
    assert y.shape == expected.shape
    assert y.dtype == expected.dtype
    assert_close(y.data, expected, spec.rtol, f"{spec.name}: value")

    u = _cotangent(y.shape, y.dtype, seed=1)
    y.backward(gradient=u, create_graph=create_graph)
    yt.backward(torch.from_numpy(u))
    for i, (x, t) in enumerate(zip(_diff(spec, xs), _diff(spec, ts))):
        assert x.grad is not None, f"{spec.name}: input {i} got no gradient"
        assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
        assert_close(x.grad.data, t.grad.numpy(), spec.rtol, f"{spec.name}: gradient of input {i}")


def _second_order_torch(spec, ts, yt, u, vs):
    inputs = _diff(spec, ts)
    gs = torch.autograd.grad(yt, inputs, torch.from_numpy(u), create_graph=True)
    s = sum((g * torch.from_numpy(v)).sum() for g, v in zip(gs, vs))
    if not s.requires_grad:  # the gradient does not depend on the inputs: zero second order
        return [np.zeros(t.shape) for t in inputs]
    hs = torch.autograd.grad(s, inputs, allow_unused=True)
    return [np.zeros(t.shape) if h is None else h.numpy(force=True) for h, t in zip(hs, inputs)]


def _second_order_dg(spec, xs, y, u, vs):
    inputs = _diff(spec, xs)
    # retain_graph explicitly: its default is test_semantics' business, the rules are ours here
    y.backward(gradient=u, create_graph=True, retain_graph=True)
    gs = [x.grad for x in inputs]
    for x in inputs:
        x.grad = None
    s = dg.tensor(0.0, dtype=np.float64)
    for g, v in zip(gs, vs):
        s = s + (g * v).sum()
    if not s.requires_grad:
        return [np.zeros(x.shape) for x in inputs]
    s.backward()
    return [np.zeros(x.shape) if x.grad is None else x.grad.data for x in inputs]


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_double_backward(spec):
    """d/dx <J(x)^T u, v>: the VJP rules differentiated again, against torch's create_graph."""
    arrays = sample_row(spec)
    xs, ts = to_dg(arrays, spec), to_torch(arrays, spec)
    y, yt = spec.dg(*xs), spec.torch(*ts)
    u = _cotangent(y.shape, y.dtype, seed=1)
    rng = np.random.default_rng(2)
    vs = [rng.standard_normal(x.shape).astype(x.dtype) for x in _diff(spec, xs)]
    expected = _second_order_torch(spec, ts, yt, u, vs)
    got = _second_order_dg(spec, xs, y, u, vs)
    for i, (a, b) in enumerate(zip(got, expected)):
        assert np.shape(a) == np.shape(b)
        assert_close(a, b, max(spec.rtol, 1e-10), f"{spec.name}: second derivative, input {i}")
