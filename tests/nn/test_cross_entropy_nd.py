"""cross_entropy, nll_loss and their modules on (N, C, d1, ...) scores with (N, d1, ...) labels
or (N, C, d1, ...) probabilities, and unbatched (C,), against torch in float64: values and
input gradients, with weight, ignore_index, label_smoothing and every reduction."""

import itertools

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn import functional as F

RNG = np.random.default_rng(16)
SHAPES = [(4, 3, 5), (2, 3, 2, 3), (3,)]
OPTIONS = list(itertools.product([None, "weight"], [-100, 1], [0.0, 0.2], ["mean", "sum", "none"]))


def labels(shape, ignore_index):
    c = shape[min(1, len(shape) - 1)]
    label_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    y = RNG.integers(0, c, size=label_shape)
    if ignore_index == -100 and y.size > 1:
        y.flat[0] = -100  # an ignored position
    return y


def probabilities(shape):
    axis = min(1, len(shape) - 1)
    p = RNG.random(shape)
    return p / p.sum(axis=axis, keepdims=True)


def agree(ours_fn, torch_fn, z, target):
    """Value and gradient of <loss, r> in the input, deepgrad against torch."""
    zt, zr = dg.tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    out, ref = ours_fn(zt, target), torch_fn(zr, torch.as_tensor(target))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = RNG.standard_normal(out.shape)
    (out * r).sum().backward()
    (ref * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(zt.grad.numpy(), zr.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["labels", "probabilities"])
@pytest.mark.parametrize("weight,ignore_index,smoothing,reduction", OPTIONS)
def test_cross_entropy_matches_torch(shape, kind, weight, ignore_index, smoothing, reduction):
    z = RNG.standard_normal(shape) * 3
    c = shape[min(1, len(shape) - 1)]
    w = RNG.random(c) + 0.5 if weight else None
    target = labels(shape, ignore_index) if kind == "labels" else probabilities(shape)
    options = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    if kind == "probabilities" and ignore_index != -100:  # torch refuses it; so does deepgrad
        with pytest.raises(ValueError, match="ignore_index=1 applies to class labels"):
            F.cross_entropy(z, target, **options)
        return
    agree(lambda a, t: F.cross_entropy(a, t, weight=w, **options),
          lambda a, t: torch.nn.functional.cross_entropy(
              a, t, weight=None if w is None else torch.tensor(w), **options), z, target)
    loss, ref = nn.CrossEntropyLoss(weight=w, **options), torch.nn.CrossEntropyLoss(
        weight=None if w is None else torch.tensor(w), **options)
    agree(lambda a, t: loss(a, t), lambda a, t: ref(a, t), z, target)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("weight,ignore_index,reduction",
                         [(w, i, r) for w, i, s, r in OPTIONS if s == 0.0])
def test_nll_loss_matches_torch(shape, weight, ignore_index, reduction):
    axis = min(1, len(shape) - 1)
    log_p = torch.log_softmax(torch.tensor(RNG.standard_normal(shape)), axis).numpy()
    w = RNG.random(shape[axis]) + 0.5 if weight else None
    tw = None if w is None else torch.tensor(w)
    target = labels(shape, ignore_index)
    agree(lambda a, t: F.nll_loss(a, t, w, ignore_index, reduction),
          lambda a, t: torch.nn.functional.nll_loss(a, t, tw, ignore_index=ignore_index,
                                                    reduction=reduction), log_p, target)
    loss = nn.NLLLoss(weight=w, ignore_index=ignore_index, reduction=reduction)
    ref = torch.nn.NLLLoss(weight=tw, ignore_index=ignore_index, reduction=reduction)
    agree(lambda a, t: loss(a, t), lambda a, t: ref(a, t), log_p, target)


@pytest.mark.parametrize("shape", [(5, 3), *SHAPES], ids=str)
@pytest.mark.parametrize("weight,smoothing,reduction",
                         [(w, s, r) for w, i, s, r in OPTIONS if i == -100])
def test_probability_targets_get_torchs_gradient(shape, weight, smoothing, reduction):
    z, q = RNG.standard_normal(shape), probabilities(shape)
    w = RNG.random(shape[min(1, len(shape) - 1)]) + 0.5 if weight else None
    zt, qt = dg.tensor(z, requires_grad=True), dg.tensor(q, requires_grad=True)
    zr, qr = torch.tensor(z, requires_grad=True), torch.tensor(q, requires_grad=True)
    out = F.cross_entropy(zt, qt, w, reduction=reduction, label_smoothing=smoothing)
    ref = torch.nn.functional.cross_entropy(zr, qr, None if w is None else torch.tensor(w),
                                            reduction=reduction, label_smoothing=smoothing)
    r = RNG.standard_normal(out.shape)
    (out * r).sum().backward()
    (ref * torch.tensor(r)).sum().backward()
    for ours, theirs in ((zt, zr), (qt, qr)):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9,
                                   atol=1e-12)


def test_segmentation_style_training_step_matches_torch():
    """A 1x1 convolution as a per-pixel classifier: (N, C, H, W) logits, (N, H, W) labels."""
    x, y = RNG.standard_normal((2, 4, 3, 3)), RNG.integers(0, 3, size=(2, 3, 3))
    w = RNG.standard_normal((3, 4, 1, 1))
    wt, wr = dg.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    ours = F.cross_entropy(F.conv2d(dg.tensor(x), wt), y, label_smoothing=0.1)
    theirs = torch.nn.functional.cross_entropy(torch.nn.functional.conv2d(torch.tensor(x), wr),
                                               torch.tensor(y), label_smoothing=0.1)
    ours.backward(), theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    np.testing.assert_allclose(wt.grad.numpy(), wr.grad.numpy(), rtol=1e-10)


def test_target_shapes_that_do_not_fit_are_named():
    z = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"must be \(2, 4\) \(class labels\)"):
        F.cross_entropy(z, np.zeros((2, 3), np.int64))
    with pytest.raises(ValueError, match=r"target has shape \(2, 3, 5\)"):
        F.cross_entropy(z, np.full((2, 3, 5), 1 / 3))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        F.cross_entropy(z, np.full((2, 4), 3))
    with pytest.raises(TypeError, match="class probabilities go to cross_entropy"):
        F.nll_loss(z, np.full((2, 3, 4), 0.5))
    with pytest.raises(ValueError, match="got a scalar"):
        F.cross_entropy(np.float64(1.0), np.int64(0))
