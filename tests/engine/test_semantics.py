"""PyTorch's autograd semantics, one test each (issue 2, "Semantics as PyTorch")."""

import gc
import weakref

import matplotlib
import numpy as np
import pytest
import torch

import deepgrad as dg

from .test_compile_inline import _mlp_step

matplotlib.use("Agg")


def leaf(values, dtype=np.float64):
    return dg.tensor(np.array(values, dtype=dtype), requires_grad=True)


# ------------------------------------------------------------------ .grad accumulation

def test_grad_accumulates_across_backward_calls_and_clears_with_none():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data + 3)
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * x.data)


def test_grad_of_a_reused_tensor_sums_over_every_use():
    x = leaf([0.5, -1.5])
    h = x.exp()
    (h * h + dg.sin(h) + h).sum().backward()  # h used four times: pending cotangents add up
    e = np.exp(x.data)
    np.testing.assert_allclose(x.grad.data, (2 * e + np.cos(e) + 1) * e, rtol=1e-15)


def test_leaf_grad_is_its_own_array():
    """add passes its cotangent through unchanged; two leaves must not share (or alias) it."""
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.data[0] = 100.0
    assert b.grad.data[0] == 1.0


def test_grad_accumulates_in_place_as_pytorch():
    """The second backward adds into the existing .grad tensor (torch does the same)."""
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    assert x.grad is first
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (t * t).sum().backward()
    t_first = t.grad
    (t * t).sum().backward()
    assert t.grad is t_first
    np.testing.assert_array_equal(first.data, t_first.numpy())


def test_cotangent_seen_by_a_hook_is_not_taken_as_the_leaf_grad():
    """A gradient array someone else holds (a hook kept it) is copied, never adopted and later
    mutated by accumulation."""
    kept = []
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: kept.append(g))
    (3 * x).sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_array_equal(kept[0].data, [3.0, 3.0])
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0])


def test_non_leaf_grad_is_not_kept():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.sum().backward()
    assert h.grad is None and x.grad is not None


# ------------------------------------------------------------------ backward's arguments

def test_non_scalar_backward_needs_gradient():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    with pytest.raises(RuntimeError, match="gradient="):
        y.backward()
    y.backward(gradient=np.array([1.0, 10.0, 100.0]))
    np.testing.assert_array_equal(x.grad.data, 2 * x.data * [1, 10, 100])


def test_single_element_non_scalar_backward_needs_no_gradient():
    x = leaf([[2.0]])
    (x * x).backward()  # numel 1: implicit gradient of ones, as PyTorch
    np.testing.assert_array_equal(x.grad.data, [[4.0]])


def test_second_backward_through_a_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * (np.exp(x.data) * (x.data + 1)), rtol=1e-15)


def test_create_graph_gives_differentiable_gradients():
    x = leaf([0.5, 2.0])
    (x ** 3).sum().backward(create_graph=True, retain_graph=True)
    g = x.grad
    assert g.grad_fn is not None and g.requires_grad
    np.testing.assert_allclose(g.data, 3 * x.data ** 2, rtol=1e-15)
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data, rtol=1e-15)


def test_create_graph_retains_graph_by_default():
    """PyTorch: retain_graph defaults to create_graph, so double backward needs no extra flag."""
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a / b).sum().backward(create_graph=True)  # b_bar = -a/b^2 = -y/b uses the output y
    gb = b.grad
    a.grad = b.grad = None
    gb.sum().backward()
    np.testing.assert_allclose(a.grad.data, -1 / b.data ** 2, rtol=1e-15)
    np.testing.assert_allclose(b.grad.data, 2 * a.data / b.data ** 3, rtol=1e-15)


def test_create_graph_differentiates_through_the_cotangent():
    """As PyTorch: a gradient= that requires grad is part of the recorded backward pass."""
    x, u = leaf([1.0, 2.0]), leaf([3.0, 5.0])
    (x * x).backward(gradient=u, create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_array_equal(x.grad.data, 2 * u.data)
    assert u.grad is not None, "the cotangent's graph was dropped"
    np.testing.assert_array_equal(u.grad.data, 2 * x.data)


def test_first_order_backward_records_nothing():
    x = leaf([1.0, 2.0])
    (x.exp() * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad


# ------------------------------------------------------------------ grad mode

def test_no_grad_records_nothing_and_enable_grad_reenables():
    x = leaf([1.0, 2.0])
    with dg.no_grad():
        y = x * 2
        assert not dg.is_grad_enabled()
        with dg.enable_grad():
            z = x * 3
    assert dg.is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad
    assert z.grad_fn is not None and z.requires_grad
    np.testing.assert_array_equal(y.data, [2.0, 4.0])


def test_no_grad_as_decorator_and_restored_after_an_exception():
    @dg.no_grad()
    def f(x):
        return x * 2

    x = leaf([1.0])
    assert f(x).grad_fn is None
    with pytest.raises(ZeroDivisionError), dg.no_grad():
        raise ZeroDivisionError
    assert dg.is_grad_enabled() and (x * 2).grad_fn is not None


# ------------------------------------------------------------------ detach / requires_grad_

def test_detach_shares_data_and_stops_gradients():
    x = leaf([1.0, 2.0, 3.0])
    d = x.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.data, x.data)
    (x * x.detach()).sum().backward()  # d/dx (x * c) = c, not 2x
    np.testing.assert_array_equal(x.grad.data, x.data)


def test_requires_grad_():
    x = dg.tensor(np.array([1.0, 2.0]))
    assert not x.requires_grad and (x * 2).grad_fn is None
    assert x.requires_grad_() is x and x.requires_grad
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])
    x.requires_grad_(False)
    assert (x * 2).grad_fn is None
    y = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_integer_tensors_cannot_require_grad():
    for data in ([1, 2], np.arange(3, dtype=np.int32), True):
        with pytest.raises(TypeError, match="floating"):
            dg.tensor(data, requires_grad=True)
    with pytest.raises(TypeError):
        dg.tensor([1, 2]).requires_grad_()
    # an integer operand takes part without a gradient of its own
    x, k = leaf([1.5, 2.5]), dg.tensor([2, 3])
    y = (x * k).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 3.0])
    assert k.grad is None and not k.requires_grad


# ------------------------------------------------------------------ hooks

def test_register_hook_matches_torch():
    """Hooks on a leaf and on an intermediate see the gradient; a returned tensor replaces it."""
    values = np.array([0.3, -1.2, 2.0])
    seen, seen_t = [], []
    x = dg.tensor(values, requires_grad=True)
    h = dg.sin(x)
    h.register_hook(lambda g: seen.append(g.data.copy()))
    h.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: seen.append(g.data.copy()))
    (h * h).sum().backward()

    xt = torch.tensor(values, requires_grad=True)
    ht = torch.sin(xt)
    ht.register_hook(lambda g: seen_t.append(g.numpy().copy()))
    ht.register_hook(lambda g: g * 10)
    xt.register_hook(lambda g: seen_t.append(g.numpy().copy()))
    (ht * ht).sum().backward()

    assert len(seen) == len(seen_t) == 2
    for a, b in zip(seen, seen_t):
        np.testing.assert_allclose(a, b, rtol=1e-15)
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-15)


def test_register_hook_needs_requires_grad():
    with pytest.raises(RuntimeError):
        dg.tensor([1.0]).register_hook(lambda g: g)


# ------------------------------------------------------------------ scale and memory

def test_chain_of_10000_ops_backward_is_iterative():
    x = leaf([1.0, -2.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0001 ** 10_000] * 2, rtol=1e-11)
    y2 = x
    for _ in range(10_000):
        y2 = dg.sin(y2)
    y2.sum().backward()  # also deep: a non-linear chain
    assert np.all(np.isfinite(x.grad.data))


def test_backward_frees_intermediate_buffers():
    x = leaf(np.linspace(-1, 1, 1000))
    h = x.exp()
    ref = weakref.ref(h.data)
    y = (h * h).sum()
    del h
    gc.collect()
    assert ref() is not None, "the graph must hold the intermediate until backward"
    y.backward()
    gc.collect()
    assert ref() is None, "backward kept an intermediate buffer alive"


def test_retain_graph_keeps_intermediate_buffers():
    x = leaf(np.linspace(-1, 1, 1000))
    h = x.exp()
    ref = weakref.ref(h.data)
    y = (h * h).sum()
    del h
    y.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None


def test_backward_frees_buffers_while_it_runs():
    """By the time backward reaches the start of a chain, the chain's end is already gone."""
    x = leaf(np.linspace(-1, 1, 1000))
    first = dg.sin(x)
    h = first
    for _ in range(20):
        h = dg.cos(h)
    late = weakref.ref(h.data)
    y = (h * 2).sum()
    del h
    alive = []
    first.register_hook(lambda g: alive.append(late() is not None))
    y.backward()
    assert alive == [False]


TRANSFORMS = {
    "grad": lambda f, x: dg.grad(f)(x),
    "value_and_grad": lambda f, x: dg.value_and_grad(f)(x),
    "vjp": lambda f, x: dg.vjp(f, x)[1](1.0),
    "jvp": lambda f, x: dg.jvp(f, (x,), (x,)),
    "hvp": lambda f, x: dg.hvp(f, (x,), (x,)),
    "vmap(grad)": lambda f, x: dg.vmap(dg.grad(f))(x),
    "jacrev": lambda f, x: dg.jacrev(f)(x),
    "jacfwd": lambda f, x: dg.jacfwd(f)(x),
    "hessian": lambda f, x: dg.hessian(f)(x),
    "checkpoint": lambda f, x: dg.grad(lambda x: dg.checkpoint(f, x))(x),
    "jit(grad)": lambda f, x: dg.jit(dg.grad(f))(x),
    "tree_map": lambda f, x: dg.tree_util.tree_map(f, {"a": [x]}),
}


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transforms_free_their_graph_without_the_garbage_collector(name):
    """Reference counting alone frees what a transform built: a reference cycle would hold the
    activations until a collection (a recursive closure in tree_flatten did, and cost W4 15%)."""
    made = []

    def f(x):
        h = dg.tanh(x)
        made.append(weakref.ref(h))
        return (h * h).sum()

    x = dg.tensor(np.linspace(-1, 1, 6).reshape(2, 3))
    gc.collect()
    gc.disable()
    try:
        TRANSFORMS[name](f, x)
        alive = sum(r() is not None for r in made)
        assert made and alive == 0, f"{alive} of {len(made)} intermediates wait for gc"
    finally:
        gc.enable()


@pytest.mark.parametrize("compiled", [False, True])
def test_a_training_step_frees_its_activations_without_the_garbage_collector(compiled):
    model, step, x, y = _mlp_step()  # Linear, ReLU, Linear under SGD
    made = []
    model[1].register_forward_hook(lambda module, inputs, out: made.append(weakref.ref(out)))
    run = dg.compile(step) if compiled else step
    gc.collect()
    gc.disable()
    try:
        run(x, y)  # traced (compiled) or eager: the activations go with the step's last reference
        assert made and all(r() is None for r in made)
    finally:
        gc.enable()


# ------------------------------------------------------------------ dtypes, repr, NumPy

def test_dtype_rules():
    assert dg.tensor(1.0).dtype == np.float32
    assert dg.tensor([1.0, 2.0]).dtype == np.float32
    assert dg.tensor([1, 2]).dtype == np.int64
    assert dg.tensor(True).dtype == np.bool_
    assert dg.tensor(np.zeros(2)).dtype == np.float64
    assert dg.tensor(np.zeros(2, np.float16)).dtype == np.float16
    assert dg.tensor(np.zeros(2, np.int32)).dtype == np.int32
    assert dg.tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert (dg.tensor([1.0]) * 2.5).dtype == np.float32  # a Python float does not promote
    assert (dg.tensor([1.0]) + dg.tensor(np.ones(1))).dtype == np.float64
    dg.set_default_dtype(np.float64)
    assert dg.get_default_dtype() == np.float64 and dg.tensor(1.0).dtype == np.float64
    assert dg.tensor([1, 2]).dtype == np.int64
    with pytest.raises(TypeError):
        dg.set_default_dtype(np.int32)


def test_gradient_has_its_leafs_dtype():
    x = dg.tensor([1.0, 2.0], requires_grad=True)  # float32
    (dg.astype(x, np.float64) * np.array([1.0, 3.0])).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [1.0, 3.0])


def test_repr_shows_data_dtype_and_grad_fn():
    x = dg.tensor([1.5, -2.0], requires_grad=True)
    assert repr(x) == "tensor([ 1.5, -2. ], dtype=float32, requires_grad=True)"
    y = x * 2
    assert repr(y) == "tensor([ 3., -4.], dtype=float32, grad_fn=<mul>)"
    assert repr(dg.tensor(3)) == "tensor(3, dtype=int64)"
    assert y.grad_fn.name == "mul" and y.grad_fn.inputs[0] is x


def test_array_protocol():
    t = dg.tensor(np.arange(3.0))
    a = np.asarray(t)
    assert a is t.data
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    c = np.array(t, copy=True)
    c[0] = 7
    assert t.data[0] == 0
    np.testing.assert_array_equal(np.concatenate([t, t]), [0, 1, 2, 0, 1, 2])
    assert isinstance(np.ones(3) * t, dg.Tensor)  # ndarray (op) Tensor stays a Tensor
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    (line,) = ax.plot(t, t * 2)
    np.testing.assert_array_equal(line.get_ydata(), [0, 2, 4])
    plt.close(fig)


def test_comparisons_are_outside_the_graph():
    x = leaf([1.0, -1.0])
    m = x > 0
    assert m.dtype == np.bool_ and not m.requires_grad and m.grad_fn is None
    np.testing.assert_array_equal(m.data, [True, False])


def test_mse_loss_refuses_mismatched_shapes_and_unknown_reductions():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(dg.ShapeError, match=r"input has shape \(2, 2\) but target has shape \(2,\)"):
        dg.mse_loss(x, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="reduction must be"):
        dg.mse_loss(x, np.zeros((2, 2)), reduction="avg")
