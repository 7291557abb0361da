"""Issue 12's engine half: one regression test per defect class the fuzzer found (against
PyTorch in float64), the in-place / version-counter / grad-setter / copy rules, loss validation,
and detect_anomaly."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import deepgrad as dg
from deepgrad import nn
from deepgrad.engine.graph import ShapeError


def torch_grad(fn, *arrays):
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    return [g.numpy() for g in torch.autograd.grad(fn(*ts), ts)]


# ------------------------------------------------------------------ the five defect classes

def test_nn_functional_bce_gives_the_target_its_gradient():
    z, y = np.array([0.3, -1.2, 2.0]), np.array([0.2, 0.9, 0.5])
    zt, yt = dg.tensor(z, requires_grad=True), dg.tensor(y, requires_grad=True)
    nn.functional.binary_cross_entropy_with_logits(zt, yt).backward()
    expected = torch_grad(F.binary_cross_entropy_with_logits, z, y)
    np.testing.assert_allclose(zt.grad.data, expected[0], rtol=1e-12)
    np.testing.assert_allclose(yt.grad.data, expected[1], rtol=1e-12)


def test_jvp_and_hvp_keep_the_tangent_of_a_repeated_output():
    x, v = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    def twice(a):
        s = dg.sin(a)
        return s, s  # one tensor at two places of the output

    _, (t1, t2) = dg.jvp(twice, (x,), (v,))
    np.testing.assert_allclose(t1.data, np.cos(x) * v)
    np.testing.assert_allclose(t2.data, np.cos(x) * v)
    f = lambda a, b: dg.sum((a + b) ** 3)  # add hands one cotangent object to both inputs
    a, b = np.array([0.5, 1.0]), np.array([0.2, -0.3])
    hv = dg.hvp(f, (a, b), (v, v))
    ta, tb = torch.tensor(a), torch.tensor(b)
    expected = torch.autograd.functional.hvp(lambda p, q: ((p + q) ** 3).sum(), (ta, tb),
                                             (torch.tensor(v), torch.tensor(v)))[1]
    for got, want in zip(hv, expected):
        np.testing.assert_allclose(got.data, want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("base,exponent", [([0.0, 2.0], [0.0, 0.0]), ([0.0, 3.0], [2.0, 2.0]),
                                           ([0.0, 1.5], [1.0, 1.0])])
def test_pow_at_a_zero_base_has_finite_derivatives_as_pytorch(base, exponent):
    a, p = np.array(base), np.array(exponent)
    at, pt = dg.tensor(a, requires_grad=True), dg.tensor(p, requires_grad=True)
    dg.sum(at ** pt).backward()
    expected = torch_grad(lambda x, q: (x ** q).sum(), a, p)
    np.testing.assert_array_equal(at.grad.data, expected[0])
    np.testing.assert_array_equal(pt.grad.data, expected[1])
    np.testing.assert_array_equal(dg.hessian(lambda x: dg.sum(x ** 1.0))(np.array([0.0, 1.0])).data,
                                  np.zeros((2, 2)))  # d2/dx2 x**1 at 0 is 0, not NaN


@pytest.mark.parametrize("fn,tfn", [
    (lambda x: dg.sum(dg.sqrt(dg.relu(x))), lambda x: torch.sqrt(torch.relu(x)).sum()),
    (lambda x: dg.sum(dg.sqrt(dg.clip(x, 0.0, None))), lambda x: torch.sqrt(x.clamp(0.0)).sum()),
    (lambda x: dg.sum(dg.sqrt(dg.max(dg.reshape(x, (1, 2)), axis=0) * 0 + dg.abs(x) - 1)),
     lambda x: torch.sqrt(torch.amax(x.reshape(1, 2), 0) * 0 + x.abs() - 1).sum()),
])
def test_selection_not_multiplication_so_zero_times_inf_is_not_nan(fn, tfn):
    x = np.array([-1.0, 4.0])
    xt = dg.tensor(x, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fn(xt).backward()
    np.testing.assert_array_equal(xt.grad.data, torch_grad(tfn, x)[0])


def test_max_reduction_gradient_is_finite_next_to_an_infinite_cotangent():
    x = dg.tensor(np.array([[1.0, 3.0], [3.0, 0.0]]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dg.sum(dg.sqrt(dg.max(x, axis=1) - 3.0)).backward()
    # exact: 0 off the maxima (they do not move the output: central differences give 0), inf at
    # them. PyTorch's amax and JAX's max mask by multiplication and give NaN off the maxima.
    t = torch.tensor(x.data, requires_grad=True)
    torch.sqrt(torch.amax(t, 1) - 3.0).sum().backward()
    assert np.isnan(t.grad.numpy()[0, 0])
    np.testing.assert_array_equal(x.grad.data, [[0.0, np.inf], [np.inf, 0.0]])


def test_var_with_ddof_at_least_the_count_is_nan_as_pytorch():
    x = np.array([2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        xt = dg.tensor(x, requires_grad=True)
        y = dg.var(xt, ddof=1)
        y.backward()
        _, tangent = dg.jvp(lambda a: dg.var(a, ddof=1), (x,), (np.ones(1),))
    t = torch.tensor(x, requires_grad=True)
    yt = torch.var(t, correction=1)
    yt.backward()
    assert np.isnan(y.item()) and np.isnan(yt.item())
    np.testing.assert_array_equal(np.isnan(xt.grad.data), np.isnan(t.grad.numpy()))
    assert np.isnan(tangent.item())


# ------------------------------------------------------------------ section 4

def test_in_place_update_under_no_grad_keeps_the_leaf():
    p = dg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    dg.sum(p * p).backward()
    before = p
    with dg.no_grad():
        p -= 0.1 * p.grad
        p.data -= 0.0
    assert p is before and p.requires_grad and p.is_leaf
    np.testing.assert_allclose(p.data, [0.8, 1.6])
    p.grad = None
    dg.sum(p * p).backward()  # the next backward works on the updated leaf
    np.testing.assert_allclose(p.grad.data, [1.6, 3.2])


def test_in_place_on_a_leaf_that_requires_grad_while_recording_raises():
    p = dg.tensor(np.array([1.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        p += 1


def test_assigning_a_wrong_grad_raises_at_once():
    p = dg.tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(TypeError, match="grad"):
        p.grad = 0.0
    with pytest.raises(ShapeError, match=r"grad.*\(2,\)"):
        p.grad = dg.tensor(np.zeros(2))
    p.grad = dg.tensor(np.ones(3))
    p.grad = None


def test_a_saved_tensor_modified_in_place_makes_backward_raise():
    w = dg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = dg.tensor(np.array([3.0, 4.0]))
    y = dg.sum(w * x)  # mul saves x for w's gradient
    x += 1
    assert x._version == 1
    with pytest.raises(RuntimeError, match="in-place.*version 1"):
        y.backward()
    y2 = dg.sum(w * x)  # made after the change: fine
    y2.backward()
    np.testing.assert_allclose(w.grad.data, [4.0, 5.0])


def test_tensor_copies_and_as_tensor_from_numpy_share():
    a = np.array([1.0, 2.0])
    t, s, n = dg.tensor(a), dg.as_tensor(a), dg.from_numpy(a)
    a[0] = 9.0
    assert t.data[0] == 1.0 and s.data[0] == 9.0 and n.data[0] == 9.0
    with pytest.raises(TypeError, match="from_numpy"):
        dg.from_numpy([1.0])


@pytest.mark.parametrize("target,error,word", [
    (np.array([0, -1, 1, 2]), ValueError, "target"),
    (np.array([0, 1, 3, 2]), ValueError, "target"),
    (np.zeros(4), TypeError, "target"),
    (np.zeros((4, 1), np.int64), ShapeError, "target"),
])
def test_top_level_cross_entropy_validates_its_target(target, error, word):
    z = dg.tensor(np.zeros((4, 3)))
    with pytest.raises(error, match=word):
        dg.cross_entropy(z, target)


def test_top_level_bce_and_mse_refuse_broadcasting_shapes():
    z = dg.tensor(np.zeros((4, 1)))
    with pytest.raises(ShapeError, match="target"):
        dg.binary_cross_entropy_with_logits(z, np.zeros(4))
    with pytest.raises(ShapeError, match="target"):
        dg.mse_loss(z, np.zeros(4))
    with pytest.raises(ValueError, match="reduction"):
        dg.binary_cross_entropy_with_logits(z, np.zeros((4, 1)), reduction="avg")


# ------------------------------------------------------------------ detect_anomaly

def test_detect_anomaly_names_the_primitive_line_and_module_in_forward():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    model.layers[2].weight.data[0, 0] = np.inf
    with pytest.raises(dg.AnomalyError) as info, dg.detect_anomaly():
        model(dg.tensor(np.ones((2, 4), np.float32)))
    text = str(info.value)
    assert "linear" in text and "2 (Linear 8->3)" in text  # torch's Sequential names
    assert "test_trust.py" in text and "model(dg.tensor(" in text and "(3, 8)" in text


def test_detect_anomaly_catches_a_nan_loss_and_a_nan_gradient():
    with pytest.raises(dg.AnomalyError, match="log"), dg.detect_anomaly(), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        dg.log(dg.tensor(np.array([-1.0]), requires_grad=True))
    x = dg.tensor(np.array([0.0, 1.0]), requires_grad=True)
    with pytest.raises(dg.AnomalyError, match="backward of sqrt") as info, dg.detect_anomaly(), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = dg.sqrt(x)
        dg.sum(y).backward()
    assert "y = dg.sqrt(x)" in str(info.value)


def test_without_the_mode_nothing_is_checked_or_recorded():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = dg.log(dg.tensor(np.array([-1.0]), requires_grad=True))
    assert np.isnan(y.item()) and not hasattr(y.grad_fn, "origin")


def test_fit_with_detect_anomaly_raises_on_a_diverged_step():
    from deepgrad import optim, train

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 2)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    with pytest.raises(dg.AnomalyError), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        train.fit(model, nn.functional.mse_loss, optim.SGD(model.parameters(), lr=1e12), (X, y),
                  epochs=3, batch_size=8, progress=False, detect_anomaly=True)
