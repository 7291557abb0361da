"""nn conv/pool layers: PyTorch's init distribution, torch weights load and give torch's outputs."""

import math

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn


class TorchNet(torch.nn.Module):
    """A small 2-D CNN with named attributes (state_dict keys conv1.weight, ...)."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, 3, padding=1)
        self.pool = torch.nn.MaxPool2d(2)
        self.conv2 = torch.nn.Conv2d(4, 6, 3, stride=1, padding="same", groups=2)
        self.avg = torch.nn.AdaptiveAvgPool2d((2, 2))
        self.flat = torch.nn.Flatten()
        self.fc = torch.nn.Linear(24, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        return self.fc(self.flat(self.avg(torch.relu(self.conv2(x)))))


class OurNet(nn.Module):
    def __init__(self):
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=1, padding="same", groups=2)
        self.avg = nn.AdaptiveAvgPool2d((2, 2))
        self.flat = nn.Flatten()
        self.fc = nn.Linear(24, 10)

    def forward(self, x):
        x = self.pool(dg.relu(self.conv1(x)))
        return self.fc(self.flat(self.avg(dg.relu(self.conv2(x)))))


def test_torch_cnn_weights_load_and_give_the_same_outputs():
    torch.manual_seed(0)
    theirs = TorchNet().float()
    ours = OurNet()
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    assert set(sd) == set(ours.state_dict())  # the same key names, no mapping
    ours.load_state_dict(sd)
    x = np.random.default_rng(0).normal(size=(5, 1, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(ours(dg.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(),
                               atol=1e-6)


def test_torch_sequential_1d_cnn_loads_through_a_key_map():
    """Sequential keys are torch's `0.weight` once torch-surface's change lands; map until then."""
    torch.manual_seed(1)
    theirs = torch.nn.Sequential(torch.nn.Conv1d(1, 5, 5, stride=2, padding=1), torch.nn.ReLU(),
                                 torch.nn.AvgPool1d(2), torch.nn.Conv1d(5, 3, 3, dilation=2),
                                 torch.nn.AdaptiveAvgPool1d(1), torch.nn.Flatten(),
                                 torch.nn.Unflatten(1, (3, 1)), torch.nn.Flatten())
    ours = nn.Sequential(nn.Conv1d(1, 5, 5, stride=2, padding=1), nn.ReLU(), nn.AvgPool1d(2),
                         nn.Conv1d(5, 3, 3, dilation=2), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
                         nn.Unflatten(1, (3, 1)), nn.Flatten())
    own = list(ours.state_dict())
    sd = {k: v.detach().numpy() for k, v in theirs.state_dict().items()}
    by_suffix = {k: next(o for o in own if o.endswith("." + k) or o == k) for k in sd}
    ours.load_state_dict({by_suffix[k]: v for k, v in sd.items()})
    x = np.random.default_rng(1).normal(size=(4, 1, 40)).astype(np.float32)
    np.testing.assert_allclose(ours(dg.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(),
                               atol=1e-6)


def test_default_init_is_pytorchs_distribution():
    """W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform a=sqrt(5)); b the same bound."""
    layer = nn.Conv2d(8, 64, (3, 5), groups=2, generator=0)
    fan_in = 4 * 15
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound and np.abs(p).max() > 0.9 * bound
    assert abs(layer.weight.data.std() - bound / math.sqrt(3)) < 0.05 * bound
    torch_w = torch.nn.Conv2d(8, 64, (3, 5), groups=2).weight
    assert torch_w.shape == layer.weight.shape
    assert abs(torch_w.detach().abs().max().item() - bound) < 0.01 * bound


def test_he_init_option():
    layer = nn.Conv1d(16, 256, 5, init="he", generator=0)
    assert abs(layer.weight.data.std() - math.sqrt(2 / 80)) < 0.03 * math.sqrt(2 / 80)
    assert not layer.bias.data.any()


def test_save_and_load_a_cnn(tmp_path):
    model = nn.Sequential(nn.Conv1d(1, 4, 5, stride=2, padding="valid"), nn.ReLU(),
                          nn.MaxPool1d(2), nn.Flatten(), nn.Linear(36, 3))
    x = np.random.default_rng(0).normal(size=(2, 1, 40)).astype(np.float32)
    dg.save(model, tmp_path / "m.safetensors")
    back = dg.load(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(back(dg.tensor(x)).data, model(dg.tensor(x)).data)


@pytest.mark.parametrize("make, match", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), "divisible by groups"),
    (lambda: nn.Conv1d(0, 4, 3), "in_channels"),
    (lambda: nn.Conv1d(1, 4, 3, init="xavier"), "init"),
    (lambda: nn.Conv1d(1, 4, 3, padding="full"), "padding"),
    (lambda: nn.Conv1d(1, 4, (3, 3)), "kernel_size"),
])
def test_bad_layer_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
