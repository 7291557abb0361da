"""Weights across the border: torch state_dicts (tensors, or safetensors files written by torch)
load into the matching deepgrad module and back, giving the same outputs to 1e-6 both ways;
optimizer states from torch convert (the next steps match torch) or are refused clearly."""

import numpy as np
import pytest
import safetensors.torch
import torch

import deepgrad as dg
from deepgrad import nn, optim

X = np.random.default_rng(0).normal(size=(16, 6)).astype(np.float32)


class TorchResidual(torch.nn.Module):
    def __init__(self, block):
        super().__init__()
        self.block = block

    def forward(self, a):
        return a + self.block(a)


class TorchDense(torch.nn.Module):
    def __init__(self, d, widths):
        super().__init__()
        self.layers = torch.nn.ModuleList()
        for w in widths:
            self.layers.append(torch.nn.Linear(d, w))
            d += w

    def forward(self, x):
        for layer in self.layers:
            x = torch.cat([x, torch.relu(layer(x))], dim=-1)
        return x


def pairs():
    """(deepgrad module, torch module with the same structure and keys)."""
    T = torch.nn
    yield (nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3),
                         nn.LayerNorm(3)),
           T.Sequential(T.Linear(6, 8), T.BatchNorm1d(8), T.ReLU(), T.Linear(8, 3), T.LayerNorm(3)))
    yield (nn.Sequential(nn.Linear(6, 8), nn.Residual(nn.Sequential(nn.Linear(8, 8), nn.Tanh())),
                         nn.Linear(8, 2)),
           T.Sequential(T.Linear(6, 8), TorchResidual(T.Sequential(T.Linear(8, 8), T.Tanh())),
                        T.Linear(8, 2)))
    yield (nn.Sequential(nn.DenseBlock(6, [5, 4]), nn.Linear(15, 2)),
           T.Sequential(TorchDense(6, [5, 4]), T.Linear(15, 2)))


@pytest.mark.parametrize("ours,theirs", list(pairs()), ids=["norms", "residual", "dense"])
def test_state_dicts_cross_both_ways(ours, theirs, tmp_path):
    ours.double(), theirs.double()  # float64, so 1e-6 measures the mapping, not round-off
    X = globals()["X"].astype(np.float64)
    theirs.train()
    for _ in range(3):  # move BatchNorm's running statistics and num_batches_tracked
        theirs(torch.tensor(X) * 2 + 1)
    theirs.eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())  # torch tensors, by duck typing
    ours.eval()
    expected = theirs(torch.tensor(X)).detach().numpy()
    np.testing.assert_allclose(ours(X).numpy(), expected, atol=1e-6)
    path = tmp_path / "torch.safetensors"
    safetensors.torch.save_file(theirs.state_dict(), path)  # a file written by torch
    ours.load_state_dict(dg.load(path))
    np.testing.assert_allclose(ours(X).numpy(), expected, atol=1e-6)

    ours.train()
    for _ in range(2):
        ours(X * 3 - 1)  # deepgrad moves its statistics; torch reads them back
    ours.eval()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(theirs(torch.tensor(X)).detach().numpy(), ours(X).numpy(),
                               atol=1e-6)
    for key, value in theirs.state_dict().items():
        if key.endswith("num_batches_tracked"):
            assert int(value) == 5 and value.dtype == torch.int64


def test_torch_adam_state_converts_and_the_next_steps_match():
    torch.manual_seed(0)
    theirs = torch.nn.Linear(6, 2).double()
    ours = nn.Linear(6, 2)
    ours.load_state_dict(theirs.state_dict())
    ours.double()
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor(X[:, :2], dtype=torch.float64)
    t_opt = torch.optim.Adam(theirs.parameters(), lr=0.01, weight_decay=0.1)

    def torch_step():
        t_opt.zero_grad()
        torch.nn.functional.mse_loss(theirs(x), y).backward()
        t_opt.step()

    for _ in range(3):
        torch_step()
    ours.load_state_dict(theirs.state_dict())
    d_opt = optim.Adam(ours.parameters(), lr=0.5)
    d_opt.load_state_dict(t_opt.state_dict())
    assert d_opt.param_groups[0]["lr"] == 0.01
    for _ in range(3):
        torch_step()
        d_opt.zero_grad()
        dg.nn.functional.mse_loss(ours(x.numpy()), y.numpy()).backward()
        d_opt.step()
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-10)


def test_unsupported_torch_optimizer_options_are_refused():
    p = torch.nn.Parameter(torch.ones(2))
    t_opt = torch.optim.Adam([p], maximize=True)
    p.sum().backward()
    t_opt.step()
    d_opt = optim.Adam([nn.Parameter(np.ones(2, np.float32))])
    with pytest.raises(ValueError, match="maximize=True"):
        d_opt.load_state_dict(t_opt.state_dict())
    assert d_opt.state == {}


def test_pickled_torch_files_are_refused(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "w.pt")
    with pytest.raises(ValueError, match="never unpickles"):
        dg.load(tmp_path / "w.pt")


def test_a_header_whose_length_starts_like_a_pickle_still_loads(tmp_path):
    """A safetensors file starts with its header length: 128 bytes gives a first byte of 0x80,
    pickle's opening byte; such a file is read, not refused (found by a BatchNorm save)."""
    firsts = []
    for n in range(1, 100):  # the key's length moves the header length through 128
        path = tmp_path / f"{n}.safetensors"
        dg.save({"k" * n: np.arange(2.0)}, path)
        firsts.append(path.read_bytes()[:1])
        if firsts[-1] == b"\x80":
            np.testing.assert_array_equal(dg.load(path)["k" * n].numpy(), np.arange(2.0))
    assert b"\x80" in firsts
