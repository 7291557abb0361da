"""deepgrad.autograd.grad against torch.autograd.grad in float64: sums over outputs with their
grad_outputs, intermediate inputs, create_graph for second order, unused inputs, and errors."""

import numpy as np
import pytest
import torch

import deepgrad as dg


def _pair(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    return (dg.tensor(x, dtype=dg.float64, requires_grad=True),
            torch.tensor(x, dtype=torch.float64, requires_grad=True))


def _same(ours, theirs):
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert (o is None) == (t is None)
        if o is not None:
            np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-13, atol=1e-15)


def test_two_outputs_with_grad_outputs_and_an_intermediate_input():
    (a, ta), (b, tb) = _pair((3, 4), 0), _pair((4,), 1)
    u = np.random.default_rng(2).standard_normal((3, 4))

    def outputs(lib, a, b):
        h = lib.tanh(a * b)
        return h, (h * h).sum(), h
    h, s, _ = outputs(dg, a, b)
    th, ts, _ = outputs(torch, ta, tb)
    ours = dg.autograd.grad([h, s], [a, b, h], grad_outputs=[dg.tensor(u), None])
    theirs = torch.autograd.grad([th, ts], [ta, tb, th], grad_outputs=[torch.tensor(u), None])
    _same(ours, theirs)
    assert a.grad is None and b.grad is None  # no .grad is touched


def test_create_graph_gives_second_derivatives_as_torch():
    (a, ta), (p, tp) = _pair((5,), 3), _pair((), 4)
    a.data[...] = np.abs(a.data) + 0.5
    ta.data.copy_(torch.from_numpy(a.data))
    (da,) = dg.autograd.grad((a ** 2 * p + a ** p).sum(), a, create_graph=True)
    (tda,) = torch.autograd.grad((ta ** 2 * tp + ta ** tp).sum(), ta, create_graph=True)
    _same((da,), (tda,))
    _same(dg.autograd.grad(da.sum(), [a, p]), torch.autograd.grad(tda.sum(), [ta, tp]))


def test_an_exponent_tensor_of_2_keeps_the_mixed_second_derivative():
    # x ** 2's short cut (a + a) must not apply when the exponent is a Tensor requiring grad.
    (a, ta) = _pair((4,), 5)
    p, tp = dg.tensor(2.0, dtype=dg.float64, requires_grad=True), torch.tensor(
        2.0, dtype=torch.float64, requires_grad=True)
    (da,) = dg.autograd.grad((a.abs() ** p).sum(), [a], create_graph=True)
    (tda,) = torch.autograd.grad((ta.abs() ** tp).sum(), [ta], create_graph=True)
    _same(dg.autograd.grad(da.sum(), [p]), torch.autograd.grad(tda.sum(), [tp]))


def test_unused_inputs_raise_unless_allowed_or_materialized():
    (a, ta), (b, tb) = _pair((3,), 6), _pair((2,), 7)
    with pytest.raises(RuntimeError, match=r"inputs\[1\] was not used"):
        dg.autograd.grad((a * a).sum(), [a, b])
    _same(dg.autograd.grad((a * a).sum(), [a, b], allow_unused=True),
          torch.autograd.grad((ta * ta).sum(), [ta, tb], allow_unused=True))
    _same(dg.autograd.grad((a * a).sum(), [a, b], materialize_grads=True),
          torch.autograd.grad((ta * ta).sum(), [ta, tb], materialize_grads=True))


def test_bad_arguments_are_named():
    (a, _), (b, _) = _pair((3,), 8), _pair((3,), 9)
    y = a * b
    with pytest.raises(RuntimeError, match=r"outputs\[0\] has shape \(3,\).*grad_outputs\[0\]"):
        dg.autograd.grad(y, a)
    with pytest.raises(RuntimeError, match=r"inputs\[0\] does not require grad"):
        dg.autograd.grad(y.sum(), dg.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(RuntimeError, match=r"outputs\[0\] does not require grad"):
        dg.autograd.grad(dg.tensor(1.0), a)
    with pytest.raises(TypeError, match=r"inputs\[0\] is a ndarray"):
        dg.autograd.grad(y.sum(), [a.data])
    with pytest.raises(ValueError, match="grad_outputs has 2 entries but outputs has 1"):
        dg.autograd.grad(y.sum(), a, grad_outputs=[None, None])
    with pytest.raises(dg.ShapeError, match=r"grad_outputs\[0\] has shape \(2,\) but outputs\[0\] has "
                       r"shape \(3,\)"):
        dg.autograd.grad(y, a, grad_outputs=[dg.tensor([1.0, 2.0])])


def test_the_graph_is_freed_unless_retained():
    (a, _) = _pair((3,), 10)
    y = (a.exp()).sum()
    dg.autograd.grad(y, a, retain_graph=True)
    dg.autograd.grad(y, a)
    with pytest.raises(RuntimeError):
        dg.autograd.grad(y, a)
