"""Lanczos, Hutchinson and Gauss-Newton against the dense Hessian (numpy eigvalsh) and PyTorch."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.lab.autodiff.curvature import full_hessian, gauss_newton, hutchinson_trace, top_eigenvalues

rng = np.random.default_rng(0)
n, d, h, K = 6, 2, 5, 3
X, y = rng.standard_normal((n, d)), np.array([0, 1, 2, 0, 1, 2])
shapes = [(h, d), (h,), (K, h), (K,)]
w0 = rng.standard_normal(sum(int(np.prod(s)) for s in shapes)) * 0.7


def logits(w):
    parts, i = [], 0
    for s in shapes:
        size = int(np.prod(s))
        parts.append(dg.reshape(w[i:i + size], s))
        i += size
    W1, b1, W2, b2 = parts
    return dg.tanh(X @ W1.T + b1) @ W2.T + b2


def ce(z):
    return dg.cross_entropy(z, y)


def loss(w):
    return ce(logits(w))


def test_full_hessian_equals_torch():
    torch = pytest.importorskip("torch")

    def tloss(w):
        parts = torch.split(w, [int(np.prod(s)) for s in shapes])
        W1, b1, W2, b2 = (p.reshape(s) for p, s in zip(parts, shapes))
        z = torch.tanh(torch.tensor(X) @ W1.T + b1) @ W2.T + b2
        return torch.nn.functional.cross_entropy(z, torch.tensor(y))

    expected = torch.autograd.functional.hessian(tloss, torch.tensor(w0)).numpy()
    np.testing.assert_allclose(full_hessian(loss, w0), expected, rtol=1e-8, atol=1e-10)


def test_lanczos_equals_eigvalsh():
    exact = np.linalg.eigvalsh(full_hessian(loss, w0))
    np.testing.assert_allclose(top_eigenvalues(loss, w0, k=3), exact[::-1][:3], rtol=1e-6)
    np.testing.assert_allclose(top_eigenvalues(loss, w0, k=1, which="SA"), exact[:1], rtol=1e-6)


def test_hutchinson_within_three_standard_errors():
    exact = np.trace(full_hessian(loss, w0))
    estimate, se = hutchinson_trace(loss, w0, n_samples=200, seed=1)
    assert abs(estimate - exact) < 3 * se


def test_gauss_newton_rank_and_psd():
    G = gauss_newton(logits, ce, w0)
    eig = np.linalg.eigvalsh(G)
    assert eig.min() > -1e-10
    assert np.linalg.matrix_rank(G, tol=1e-9 * eig.max()) == n * (K - 1)
