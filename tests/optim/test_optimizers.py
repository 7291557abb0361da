"""Every optimiser against torch.optim on the same gradient sequence, in float32."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn, optim

SHAPES = [(5, 3), (3,)]

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=1e-3)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=1e-3, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.5, amsgrad=True)),
]


def make_params(seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    ours = [nn.Parameter(a.copy()) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return ours, theirs


def gradients(steps, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(np.float32) for s in SHAPES] for _ in range(steps)]


def set_grads(ours, theirs, grads):
    for p, q, g in zip(ours, theirs, grads):
        p.grad = dg.tensor(g.copy())
        q.grad = torch.tensor(g.copy())


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_torch_after_100_steps_with_state_dict_round_trip(name, kwargs):
    ours, theirs = make_params()
    opt = getattr(optim, name)(ours, **kwargs)
    ref = getattr(torch.optim, name)(theirs, **kwargs)
    for t, grads in enumerate(gradients(100)):
        if t == 50:  # a fresh optimiser restored from the saved state carries on identically
            saved = opt.state_dict()
            opt = getattr(optim, name)(ours, lr=123.0)
            opt.load_state_dict(saved)
        set_grads(ours, theirs, grads)
        opt.step()
        ref.step()
    for p, q in zip(ours, theirs):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=2e-5, atol=2e-6)


def test_step_skips_parameters_without_grad_and_builds_no_graph():
    ours, _ = make_params()
    before = ours[1].data.copy()
    opt = optim.Adam(ours)
    ours[0].grad = dg.tensor(np.ones(SHAPES[0], np.float32))
    opt.step()
    np.testing.assert_array_equal(ours[1].data, before)
    assert ours[0].grad_fn is None and ours[0].is_leaf


def test_updates_are_in_place():
    ours, _ = make_params()
    buffers = [p.data for p in ours]
    opt = optim.SGD(ours, lr=0.1, momentum=0.9)
    for grads in gradients(3):
        for p, g in zip(ours, grads):
            p.grad = dg.tensor(g)
        opt.step()
    assert all(p.data is b for p, b in zip(ours, buffers))


def test_zero_grad():
    ours, _ = make_params()
    opt = optim.SGD(ours)
    for p in ours:
        p.grad = dg.tensor(np.ones(p.shape, np.float32))
    opt.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in ours)
    opt.zero_grad()
    assert all(p.grad is None for p in ours)


def test_param_groups_have_their_own_hyperparameters():
    ours, theirs = make_params()
    opt = optim.SGD([{"params": [ours[0]]}, {"params": [ours[1]], "lr": 0.5}], lr=0.1)
    ref = torch.optim.SGD([{"params": [theirs[0]]}, {"params": [theirs[1]], "lr": 0.5}], lr=0.1)
    set_grads(ours, theirs, gradients(1)[0])
    opt.step()
    ref.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("make,message", [
    (lambda ps: optim.SGD(ps, lr=-1), "lr"),
    (lambda ps: optim.SGD(ps, momentum=0, nesterov=True), "nesterov"),
    (lambda ps: optim.Adam(ps, betas=(0.9, 1.0)), "beta"),
    (lambda ps: optim.RMSprop(ps, eps=-1e-8), "eps"),
    (lambda ps: optim.Adam([]), "empty"),
    (lambda ps: optim.Adam([ps[0], ps[0]]), "appears twice"),
])
def test_bad_hyperparameters_are_named(make, message):
    ours, _ = make_params()
    with pytest.raises(ValueError, match=message):
        make(ours)


def test_load_state_dict_rejects_another_model():
    ours, _ = make_params()
    opt = optim.Adam(ours)
    set_grads(ours, make_params()[1], gradients(1)[0])
    opt.step()
    with pytest.raises(ValueError, match="parameters"):
        optim.Adam(ours[:1]).load_state_dict(opt.state_dict())
