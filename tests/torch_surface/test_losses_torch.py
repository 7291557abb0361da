"""The torch-named losses and functional forms against torch.nn.functional in float64: values and
gradients with respect to the input, every option (weight, ignore_index, label_smoothing,
pos_weight, delta, beta, reductions)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn import functional as F

rng = np.random.default_rng(0)
Z = rng.normal(size=(6, 4)) * 2
LABELS = np.array([0, 3, 1, -100, 2, 3])
W = np.array([0.5, 2.0, 1.0, 3.0])
P = rng.dirichlet(np.ones(4), size=6)
X = rng.normal(size=(6, 3)) * 2
T = rng.normal(size=(6, 3))
PROB = 1 / (1 + np.exp(-X))
BIN = (rng.random((6, 3)) > 0.5).astype(np.float64)

CASES = [
    ("ce", lambda z: F.cross_entropy(z, LABELS), lambda z: TF.cross_entropy(z, torch.tensor(LABELS)), Z),
    ("ce weight", lambda z: F.cross_entropy(z, LABELS, weight=W),
     lambda z: TF.cross_entropy(z, torch.tensor(LABELS), weight=torch.tensor(W)), Z),
    ("ce smooth weight", lambda z: F.cross_entropy(z, LABELS, weight=W, label_smoothing=0.2),
     lambda z: TF.cross_entropy(z, torch.tensor(LABELS), weight=torch.tensor(W),
                                label_smoothing=0.2), Z),
    ("ce smooth sum", lambda z: F.cross_entropy(z, LABELS, reduction="sum", label_smoothing=0.1),
     lambda z: TF.cross_entropy(z, torch.tensor(LABELS), reduction="sum", label_smoothing=0.1), Z),
    ("ce smooth none", lambda z: F.cross_entropy(z, LABELS, reduction="none", label_smoothing=0.1),
     lambda z: TF.cross_entropy(z, torch.tensor(LABELS), reduction="none", label_smoothing=0.1), Z),
    ("ce ignore 1", lambda z: nn.CrossEntropyLoss(ignore_index=1)(z, np.abs(LABELS) % 4),
     lambda z: TF.cross_entropy(z, torch.tensor(np.abs(LABELS) % 4), ignore_index=1), Z),
    ("ce probs smooth", lambda z: F.cross_entropy(z, P, weight=W, label_smoothing=0.3),
     lambda z: TF.cross_entropy(z, torch.tensor(P), weight=torch.tensor(W), label_smoothing=0.3), Z),
    ("nll weight", lambda z: nn.NLLLoss(weight=W)(dg.log_softmax(z, dim=1), LABELS),
     lambda z: TF.nll_loss(TF.log_softmax(z, 1), torch.tensor(LABELS), weight=torch.tensor(W)), Z),
    ("mse", lambda x: nn.MSELoss()(x, T), lambda x: TF.mse_loss(x, torch.tensor(T)), X),
    ("l1", lambda x: nn.L1Loss(reduction="sum")(x, T),
     lambda x: TF.l1_loss(x, torch.tensor(T), reduction="sum"), X),
    ("huber", lambda x: nn.HuberLoss(delta=0.7)(x, T),
     lambda x: TF.huber_loss(x, torch.tensor(T), delta=0.7), X),
    ("smooth l1", lambda x: nn.SmoothL1Loss(beta=0.5, reduction="none")(x, T),
     lambda x: TF.smooth_l1_loss(x, torch.tensor(T), beta=0.5, reduction="none"), X),
    ("bce", lambda x: nn.BCELoss(weight=np.arange(3.0))(dg.sigmoid(x), BIN),
     lambda x: TF.binary_cross_entropy(torch.sigmoid(x), torch.tensor(BIN),
                                       weight=torch.arange(3.0, dtype=torch.float64)), X),
    ("bce logits pos_weight", lambda x: nn.BCEWithLogitsLoss(pos_weight=np.array([1.0, 2, 3]))(x, BIN),
     lambda x: TF.binary_cross_entropy_with_logits(x, torch.tensor(BIN),
                                                   pos_weight=torch.tensor([1.0, 2, 3],
                                                                           dtype=torch.float64)), X),
    ("gelu tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"), X),
    ("silu", lambda x: nn.SiLU()(x), TF.silu, X),
    ("softmax dim", lambda x: F.softmax(x, dim=0), lambda x: TF.softmax(x, dim=0), X),
    ("log_softmax dim", lambda x: F.log_softmax(x, dim=1), lambda x: TF.log_softmax(x, dim=1), X),
]


@pytest.mark.parametrize("name,ours,theirs,x", CASES, ids=[c[0] for c in CASES])
def test_value_and_gradient_match_torch(name, ours, theirs, x):
    a = dg.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    out_a, out_b = ours(a), theirs(b)
    np.testing.assert_allclose(out_a.numpy(), out_b.detach().numpy(), rtol=1e-12, atol=1e-12)
    cotangent = rng.normal(size=out_b.shape)
    out_a.backward(cotangent if out_a.ndim else None)
    out_b.backward(torch.tensor(cotangent) if out_b.ndim else None)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_one_hot_and_dropout_as_torch():
    labels = np.array([2, 0, 1])
    np.testing.assert_array_equal(F.one_hot(labels, 4).numpy(),
                                  TF.one_hot(torch.tensor(labels), 4).numpy())
    assert F.one_hot(labels).shape == (3, 3)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\)"):
        F.one_hot(labels, 2)
    x = dg.ones(1000, 10)
    y = F.dropout(x, 0.25, generator=0).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)} and abs((y == 0).mean() - 0.25) < 0.02
    np.testing.assert_array_equal(F.dropout(x, 0.25, training=False).numpy(), x.numpy())


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="weight must have one entry per class"):
        F.cross_entropy(dg.tensor(Z), LABELS, weight=W[:3])
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        F.cross_entropy(dg.tensor(Z), LABELS, label_smoothing=1.5)
    with pytest.raises(ValueError, match="labels must be in"):
        F.cross_entropy(dg.tensor(Z), np.array([0, 1, 2, 3, 4, -1]))
    with pytest.raises(ValueError, match="input must be probabilities"):
        F.binary_cross_entropy(dg.tensor(X), BIN)
    with pytest.raises(ValueError, match="target shape"):
        F.l1_loss(dg.tensor(X), T[:, :2])
