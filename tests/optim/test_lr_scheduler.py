"""Schedulers against torch.optim.lr_scheduler: the same learning rates step by step, and the same
parameters after 100 steps of training under them."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.optim import lr_scheduler as ours_sched

CASES = {
    "StepLR": lambda S, o: S.StepLR(o, step_size=7, gamma=0.5),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, gamma=0.97),
    "CosineAnnealingLR": lambda S, o: S.CosineAnnealingLR(o, T_max=40, eta_min=1e-3),
    "LinearLR": lambda S, o: S.LinearLR(o, start_factor=0.1, total_iters=10),
    "OneCycleLR": lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=100),
    "OneCycleLR-linear": lambda S, o: S.OneCycleLR(o, max_lr=0.3, epochs=10, steps_per_epoch=10,
                                                   anneal_strategy="linear", pct_start=0.25),
    "SequentialLR": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.2, total_iters=5),
            S.CosineAnnealingLR(o, T_max=60)], milestones=[10]),
}


def setup(optimizer, **kwargs):
    w = np.random.default_rng(0).standard_normal(6).astype(np.float32)
    p, q = nn.Parameter(w.copy()), torch.tensor(w.copy(), requires_grad=True)
    return (p, getattr(optim, optimizer)([p], **kwargs),
            q, getattr(torch.optim, optimizer)([q], **kwargs))


def train(p, opt, sched, q, ref, ref_sched, steps=100, metric=None, restart=None):
    """100 steps of both; at step 50 `restart(opt)` may return a fresh (optimizer, scheduler)
    pair, which gets the saved states of the old ones and carries on."""
    rng = np.random.default_rng(1)
    for t in range(steps):
        if t == 50 and restart is not None:
            saved = opt.state_dict(), sched.state_dict()
            opt, sched = restart(p)
            opt.load_state_dict(saved[0])
            sched.load_state_dict(saved[1])
        g = rng.standard_normal(6).astype(np.float32)
        p.grad, q.grad = dg.tensor(g), torch.tensor(g)
        opt.step()
        ref.step()
        if metric is None:
            sched.step()
            ref_sched.step()
        else:
            sched.step(metric(t))
            ref_sched.step(metric(t))
        np.testing.assert_allclose(sched.get_last_lr(), ref_sched.get_last_lr(), rtol=1e-10)
    np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_schedule_matches_torch(name, optimizer):
    kwargs = dict(lr=0.1, momentum=0.9) if optimizer == "SGD" else dict(lr=0.01)
    p, opt, q, ref = setup(optimizer, **kwargs)
    sched, ref_sched = CASES[name](ours_sched, opt), CASES[name](torch.optim.lr_scheduler, ref)
    np.testing.assert_allclose(sched.get_last_lr(), ref_sched.get_last_lr(), rtol=1e-10)

    def restart(param):
        fresh = getattr(optim, optimizer)([param], **kwargs)
        return fresh, CASES[name](ours_sched, fresh)

    train(p, opt, sched, q, ref, ref_sched, restart=restart)


def test_reduce_lr_on_plateau_matches_torch():
    p, opt, q, ref = setup("SGD", lr=0.1)
    kwargs = dict(factor=0.5, patience=3, cooldown=2, min_lr=1e-3)
    sched = ours_sched.ReduceLROnPlateau(opt, **kwargs)
    ref_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(ref, **kwargs)
    def restart(param):
        fresh = optim.SGD([param], lr=0.1)
        return fresh, ours_sched.ReduceLROnPlateau(fresh, **kwargs)

    train(p, opt, sched, q, ref, ref_sched, metric=lambda t: 1.0 / (1 + t % 17),
          restart=restart)
    assert sched.get_last_lr()[0] < 0.1


def test_scheduler_state_dict_round_trip():
    p, opt, _, _ = setup("SGD", lr=0.1)
    sched = ours_sched.CosineAnnealingLR(opt, T_max=20)
    for _ in range(7):
        sched.step()
    saved = sched.state_dict()
    other = ours_sched.CosineAnnealingLR(optim.SGD([p], lr=0.1), T_max=20)
    other.load_state_dict(saved)
    other.step()
    sched.step()
    assert other.get_last_lr() == sched.get_last_lr()


def test_bad_arguments_are_named():
    p, opt, _, _ = setup("SGD", lr=0.1)
    with pytest.raises(ValueError, match="step_size"):
        ours_sched.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="total_steps"):
        ours_sched.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="momentum"):
        ours_sched.OneCycleLR(optim.Adagrad([p]), max_lr=1.0, total_steps=10)
    with pytest.raises(TypeError, match="Optimizer"):
        ours_sched.StepLR(object(), step_size=1)
