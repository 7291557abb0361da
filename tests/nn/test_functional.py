"""Losses against torch.nn.functional (float64), stability at large logits, and target errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
from deepgrad.nn import functional as F

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((6, 4)) * 3
LABELS = np.array([0, 3, 1, 2, 3, 0])
PROBS = RNG.dirichlet(np.ones(4), size=6)


def check(ours, ref, inputs, targets, reduction):
    x = dg.tensor(inputs, requires_grad=True)
    xr = torch.tensor(inputs, requires_grad=True)
    out = ours(x, targets, reduction=reduction)
    out_ref = ref(xr, torch.tensor(targets), reduction=reduction)
    np.testing.assert_allclose(out.numpy(), out_ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = RNG.standard_normal(out.shape)
    (out * r).sum().backward()
    (out_ref * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xr.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("targets", [LABELS, PROBS], ids=["labels", "probabilities"])
def test_cross_entropy(reduction, targets):
    check(F.cross_entropy, TF.cross_entropy, LOGITS, targets, reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction):
    check(F.nll_loss, TF.nll_loss, np.log(PROBS), LABELS, reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits(reduction):
    check(F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits,
          LOGITS, (RNG.random(LOGITS.shape) > 0.5).astype(np.float64), reduction)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    check(F.mse_loss, TF.mse_loss, LOGITS, RNG.standard_normal(LOGITS.shape), reduction)


def test_softmax_and_log_softmax():
    np.testing.assert_allclose(F.softmax(dg.tensor(LOGITS)).numpy(),
                               TF.softmax(torch.tensor(LOGITS), -1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(dg.tensor(LOGITS), axis=0).numpy(),
                               TF.log_softmax(torch.tensor(LOGITS), 0).numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_are_finite_for_logits_of_1e4(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], dtype)
    for loss_fn, target in [(F.cross_entropy, np.array([1, 0])),
                            (F.binary_cross_entropy_with_logits, np.array([[0, 1, 1], [1, 0, 0]],
                                                                          dtype))]:
        x = dg.tensor(z, requires_grad=True)
        loss = loss_fn(x, target)
        loss.backward()
        assert np.isfinite(loss.item()) and loss.item() > 1e3
        assert np.all(np.isfinite(x.grad.numpy()))


def test_penalties():
    w = [dg.tensor(np.array([1.0, -2.0])), dg.tensor(np.array([[3.0]]))]
    assert F.l1_penalty(w).item() == 6.0 and F.l2_penalty(w).item() == 14.0


@pytest.mark.parametrize("target,error,message", [
    (np.array([0, 1, 4, 0, 0, 0]), ValueError, r"labels must be in \[0, 4\).*0 to 4"),
    (np.array([0, -1, 1, 0, 0, 0]), ValueError, r"in \[0, 4\)"),
    (LABELS.astype(np.float64), TypeError, "must be integers"),
    (np.array([0, 1]), ValueError, "expected 6 labels"),
    (PROBS[:, :3], ValueError, "probabilities have shape"),
])
def test_cross_entropy_rejects_bad_targets(target, error, message):
    with pytest.raises(error, match=message):
        F.cross_entropy(dg.tensor(LOGITS), target)


def test_other_losses_reject_bad_input():
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(dg.tensor(LOGITS), LABELS, reduction="avg")
    with pytest.raises(ValueError, match="target shape"):
        F.mse_loss(dg.tensor(LOGITS[:, :1]), LOGITS[:, 0])
    with pytest.raises(ValueError, match="labels must be in"):
        F.nll_loss(dg.tensor(LOGITS), LABELS + 1)
