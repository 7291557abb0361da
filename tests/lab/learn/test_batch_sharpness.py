"""Batch size and sharpness: Lanczos on deepgrad's HVPs against a dense PyTorch float64 Hessian."""
import numpy as np
import torch

from deepgrad.lab.learn import batch_sharpness as bs


def torch_loss(X, y):
    X, y = torch.tensor(X), torch.tensor(y)
    k = bs.INPUTS * bs.WIDTH

    def loss(w):
        W, b = w[:k].reshape(bs.INPUTS, bs.WIDTH), w[k:k + bs.WIDTH]
        v, c = w[k + bs.WIDTH:bs.P - 1], w[bs.P - 1]
        return ((torch.tanh(X @ W + b) @ v + c - y) ** 2).mean()

    return loss


def test_sharpness_matches_dense_hessian_and_grows_with_batch_size():
    r = bs.run(quick=True)
    X, y = bs.data(64, 0)
    dense = [torch.linalg.eigvalsh(torch.autograd.functional.hessian(
        torch_loss(X, y), torch.tensor(w))).max().item() for w in r.final_params]
    np.testing.assert_allclose(r.sharpness, dense, rtol=1e-6)
    # every run rests below GD's linear-stability bound 2/lr, and smaller batches end flatter
    assert np.all(r.sharpness < r.stability_bound)
    assert r.sharpness[0] < r.sharpness[-1]
    assert np.all(r.final_loss < np.var(y))
    assert bs.plot(r).axes
