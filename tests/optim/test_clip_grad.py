"""clip_grad_norm_ against torch.nn.utils.clip_grad_norm_."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn, optim


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (3,), (2, 2)]]
    ours = [nn.Parameter(np.zeros_like(g)) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = dg.tensor(g.copy()), torch.tensor(g.copy())
    total = optim.clip_grad_norm_(ours, max_norm, norm_type)
    ref = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total == pytest.approx(ref.item(), rel=1e-5)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_nonfinite_norm_raises_when_asked():
    p = nn.Parameter(np.zeros(2, np.float32))
    p.grad = dg.tensor(np.array([np.inf, 1.0], np.float32))
    with pytest.raises(RuntimeError, match="total norm"):
        optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
