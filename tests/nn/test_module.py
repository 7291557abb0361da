"""Module: walking attributes, state_dict round trips and their errors, modes, repr."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn


class Net(nn.Module):
    def __init__(self):
        self.shared = nn.Linear(3, 3)
        self.blocks = [self.shared, nn.BatchNorm1d(3)]
        self.head = nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.5))
        self.scale = nn.Parameter(np.ones(1, np.float32))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x) * self.scale


def test_parameters_are_found_by_walking_attributes_once_each():
    names = [k for k, _ in Net().named_parameters()]
    assert names == ["scale", "shared.weight", "shared.bias", "blocks.1.weight", "blocks.1.bias",
                     "head.0.weight", "head.0.bias"]
    assert [k for k, _ in Net().named_buffers()] == ["blocks.1.running_mean",
                                                     "blocks.1.running_var",
                                                     "blocks.1.num_batches_tracked"]


def test_state_dict_round_trip_copies_in_place():
    a, b = Net(), Net()
    b_weight = b.shared.weight.data
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.shared.weight.data is b_weight
    for (k, v), (_, w) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(v, w)
    state = a.state_dict()
    state["scale"][:] = 7  # a snapshot: changing it does not change the model
    assert a.scale.data[0] == 1


def test_load_state_dict_names_mismatches_and_changes_nothing():
    model = nn.MLP([4, 8, 2])
    before = model.state_dict()
    other = nn.MLP([4, 16, 2]).state_dict()
    other["extra"] = np.zeros(1)
    del other["layers.2.bias"]
    with pytest.raises(ValueError) as info:
        model.load_state_dict(other)
    message = str(info.value)
    assert "layers.0.weight: expected shape (8, 4), got (16, 4)" in message
    assert "missing keys: layers.2.bias" in message and "unexpected keys: extra" in message
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    fits = nn.MLP([4, 8, 2]).state_dict()
    del fits["layers.2.bias"]
    fits["extra"] = np.zeros(1)
    result = model.load_state_dict(fits, strict=False)
    assert result.missing_keys == ["layers.2.bias"] and result.unexpected_keys == ["extra"]


def test_train_eval_and_zero_grad():
    net = Net()
    assert net.eval() is net and not any(m.training for m in net.modules())
    assert net.train() is net and all(m.training for m in net.modules())
    net(dg.tensor(np.ones((4, 3), np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_parameters_are_float32_leaves_that_require_grad():
    p = nn.Parameter([1, 2])
    assert p.requires_grad and p.is_leaf and p.dtype == np.float32
    assert "Parameter" in repr(p)


def test_sequential_container():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and len(seq[:2]) == 2
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert seq(np.ones((5, 2), np.float32)).shape == (5, 1)
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(nn.ReLU(), "relu")


def test_repr_is_readable():
    text = repr(nn.MLP([2, 4, 1]))
    assert text.startswith("MLP(") and "(layers.0): Linear(in_features=2, out_features=4" in text


def test_config_describes_constructor_arguments():
    assert nn.MLP([2, 4, 1], activation="tanh").config() == {
        "widths": [2, 4, 1], "activation": "tanh", "output_activation": None, "bias": True,
        "init": "he", "skip": None}
    assert Net().config() == {}  # recorded constructor arguments (nn/config.py)

    class Hooked(nn.Module):
        def __init__(self, fn):
            self.fn = fn

    with pytest.raises(TypeError, match="Hooked cannot be saved: argument fn is a function"):
        Hooked(lambda x: x).config()
