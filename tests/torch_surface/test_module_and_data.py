"""Module's torch methods (containers, hooks, apply, requires_grad_, to, repr), saving a user's own
Module without pickle, and the Dataset / TensorDataset / random_split / DataLoader protocol as
torch.utils.data (batches compared with torch's own DataLoader)."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn
from deepgrad.data import DataLoader, Dataset, TensorDataset, random_split


class Net(nn.Module):
    def __init__(self, width=4, act="relu"):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(3, width), nn.Linear(width, 2)])
        self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Identity(7)})
        self.act = act

    def forward(self, x):
        for block in self.blocks:
            x = dg.relu(block(x))
        return self.heads["a"](x)


class TorchNet(torch.nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(3, width), torch.nn.Linear(width, 2)])
        self.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(2, 1), "b": torch.nn.Identity(7)})


def test_containers_name_like_torch_and_walk_like_torch():
    ours, theirs = Net(5), TorchNet(5)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert len(list(ours.children())) == len(list(theirs.children())) == 2
    seen = []
    ours.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"
    assert ours.requires_grad_(False) is ours and not any(p.requires_grad for p in ours.parameters())
    assert repr(nn.Sequential(nn.Linear(2, 3), nn.ReLU())) == repr(
        torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU()))


def test_forward_hooks_and_pre_hooks():
    layer, calls = nn.Linear(3, 2), []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    y = layer(np.ones((4, 3), np.float32))
    np.testing.assert_allclose(y.numpy(), np.broadcast_to(layer.bias.numpy() + 1, (4, 2)))
    assert calls == [(4, 2)]
    pre.remove(), post.remove()
    np.testing.assert_allclose(layer(np.ones((1, 3), np.float32)).numpy(),
                               layer.weight.numpy().sum(1)[None] + layer.bias.numpy(), rtol=1e-6)


def test_a_users_module_saves_and_loads_without_pickle(tmp_path):
    model = Net(6, act="tanh")
    dg.save(model, tmp_path / "net.safetensors")
    again = dg.load(tmp_path / "net.safetensors")
    assert isinstance(again, Net) and again.act == "tanh" and again.blocks[0].out_features == 6
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(again(x).numpy(), model(x).numpy())
    dg.save(model.state_dict(), tmp_path / "weights.pth")  # torch.save(model.state_dict(), ...)
    fresh = Net(6)
    fresh.load_state_dict(dg.load(tmp_path / "weights.pth", weights_only=True))
    np.testing.assert_array_equal(fresh(x).numpy(), model(x).numpy())


def test_module_to_casts_in_place():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).to("cpu").to(dg.float64)
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": float(i), "pair": (i, np.array([i, i * i], np.float32))}


def flat(batch):
    if isinstance(batch, dict):
        return [flat(batch[k]) for k in sorted(batch)]
    if isinstance(batch, (list, tuple)):
        return [flat(b) for b in batch]
    return (np.asarray(batch.numpy()).tolist(), str(batch.dtype).replace("torch.", ""))


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 4}, {"batch_size": 4, "drop_last": True}])
def test_collated_batches_match_torchs_dataloader(kwargs):
    ours = [flat(b) for b in DataLoader(Squares(10), **kwargs)]
    theirs = [flat(b) for b in torch.utils.data.DataLoader(Squares(10), **kwargs)]
    assert ours == theirs and len(DataLoader(Squares(10), **kwargs)) == len(ours)


def test_tensor_dataset_fast_path_and_random_split():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    data = TensorDataset(torch.tensor(X), y)  # torch tensors are read by duck typing
    assert len(data) == 10 and data[3][1].item() == 3
    batches = list(DataLoader(data, batch_size=4, shuffle=True, generator=0))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(seen) == list(range(10)) and list(seen) != list(range(10))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb.numpy(), X[yb.numpy()])
    a, b = random_split(data, [7, 3], generator=1)
    assert len(a) == 7 and len(b) == 3
    assert sorted([a[i][1].item() for i in range(7)] + [b[i][1].item() for i in range(3)]) == \
        list(range(10))
    assert [len(s) for s in random_split(range(10), [0.5, 0.3, 0.2])] == [5, 3, 2]
    with pytest.raises(ValueError, match="do not add up"):
        random_split(data, [3, 3])
    with pytest.raises(ValueError, match="tensor 1 has 9 rows"):
        TensorDataset(X, y[:9])
