"""BatchNorm1d/2d with torch's options (momentum=None, track_running_stats=False, 3-D and 4-D
inputs) against torch.nn in float64: values, gradients, buffers and state_dicts both ways."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn

RNG = np.random.default_rng(16)
SHAPES = {"1d-rows": ("BatchNorm1d", (6, 3)), "1d-signals": ("BatchNorm1d", (4, 3, 5)),
          "2d": ("BatchNorm2d", (3, 3, 4, 2))}


def pair(kind, **options):
    name, shape = SHAPES[kind]
    ours = getattr(nn, name)(3, **options)
    theirs = getattr(torch.nn, name)(3, dtype=torch.float64, **options)
    if ours.weight is not None:
        ours.weight.data[:] = RNG.standard_normal(3)
        ours.bias.data[:] = RNG.standard_normal(3)
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(ours.weight.data))
            theirs.bias.copy_(torch.tensor(ours.bias.data))
    return ours, theirs, shape


def step(ours, theirs, x):
    """One forward and backward of sum(out * r); asserts values and every gradient agree."""
    xt, xr = dg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(xt), theirs(xr)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    r = RNG.standard_normal(out.shape)
    (out * r).sum().backward()
    (ref * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), rtol=1e-9, atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-12)
        p.grad, q.grad = None, None


@pytest.mark.parametrize("kind", SHAPES)
@pytest.mark.parametrize("momentum", [0.3, None])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_train_and_eval_match_torch(float64, kind, momentum, track, affine):
    ours, theirs, shape = pair(kind, momentum=momentum, track_running_stats=track, affine=affine)
    for k in range(4):  # distinct batches: the cumulative average differs from any fixed momentum
        step(ours.train(), theirs.train(), RNG.standard_normal(shape) * (k + 1) + k)
    step(ours.eval(), theirs.eval(), RNG.standard_normal(shape) * 2 - 1)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-10)
    if not track:
        assert ours.running_mean is None and "running_mean" not in ours.state_dict()


def test_momentum_none_is_the_plain_average_of_the_batch_statistics(float64):
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [RNG.standard_normal((5, 2)) * s + s for s in (1.0, 3.0, 0.5)]
    for x in batches:
        bn(x)
    np.testing.assert_allclose(bn.running_mean, np.mean([x.mean(0) for x in batches], 0),
                               rtol=1e-12)
    # the first update replaces the initial (0, 1): a mean of the three unbiased variances
    np.testing.assert_allclose(bn.running_var, np.mean([x.var(0, ddof=1) for x in batches], 0),
                               rtol=1e-12)
    assert int(bn.num_batches_tracked) == 3


@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_state_dicts_cross_both_ways(float64, track, momentum):
    ours, theirs, shape = pair("2d", momentum=momentum, track_running_stats=track)
    theirs.train()
    for _ in range(3):
        theirs(torch.tensor(RNG.standard_normal(shape) * 2 + 1))
    ours.load_state_dict(theirs.state_dict())  # torch tensors, by duck typing
    x = RNG.standard_normal(shape)
    np.testing.assert_allclose(ours.eval()(x).numpy(), theirs.eval()(torch.tensor(x)).detach()
                               .numpy(), rtol=1e-10, atol=1e-12)
    ours.train()
    for _ in range(2):
        ours(RNG.standard_normal(shape) * 3 - 1)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(theirs.eval()(torch.tensor(x)).detach().numpy(),
                               ours.eval()(x).numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("options", [{"momentum": None}, {"track_running_stats": False},
                                     {"momentum": None, "affine": False}])
@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d"])
def test_save_and_load_keep_the_options(tmp_path, options, name):
    bn = getattr(nn, name)(3, **options)
    shape = (4, 3) if name == "BatchNorm1d" else (4, 3, 2, 2)
    for k in range(3):
        bn(RNG.standard_normal(shape).astype(np.float32) + k)
    dg.save(bn, tmp_path / "bn.safetensors")
    back = dg.load(tmp_path / "bn.safetensors")
    assert type(back) is type(bn) and back.config() == bn.config()
    x = RNG.standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(back.eval()(x).numpy(), bn.eval()(x).numpy())


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.BatchNorm1d(3, momentum=1.5)
    with pytest.raises(ValueError, match="expected a 4-D input"):
        nn.BatchNorm2d(3)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="expects 3 channels"):
        nn.BatchNorm1d(3)(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3, track_running_stats=False).eval()(np.zeros((1, 3)))
