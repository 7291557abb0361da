"""Kronecker identities and the lecture's matrix derivatives, against dense NumPy and autodiff."""
import numpy as np
import pytest

from deepgrad.lab.autodiff import kronecker as mc

rng = np.random.default_rng(0)
A, B = rng.standard_normal((3, 3)), rng.standard_normal((4, 4))
C, D = rng.standard_normal((3, 2)), rng.standard_normal((4, 5))


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_stacking_and_kron_match_numpy():
    M = np.arange(6.0).reshape(2, 3)
    assert mc.vec(M).tolist() == [0, 3, 1, 4, 2, 5]
    assert mc.vec_rows(M).tolist() == [0, 1, 2, 3, 4, 5]
    close(mc.unvec(mc.vec(M), M.shape), M)
    close(mc.kron(C, D), np.kron(C, D))


def test_kronecker_identities():
    close(mc.kron(A, B) @ mc.kron(C, D), mc.kron(A @ C, B @ D))
    close(mc.kron(C, D).T, mc.kron(C.T, D.T))
    close(mc.kron_inverse(A, B), np.linalg.inv(np.kron(A, B)))
    close(mc.kron_det(A, B), np.linalg.det(np.kron(A, B)))
    S1, S2 = A @ A.T, B @ B.T  # symmetric: real eigenvalues to compare sorted
    close(np.sort(mc.kron_eigvals(S1, S2).real), np.linalg.eigvalsh(np.kron(S1, S2)))
    X = rng.standard_normal((5, 2))
    close(mc.kron_matvec(C, D, mc.vec(X)), np.kron(C, D) @ mc.vec(X))


def test_removal_rule():
    E, F, G = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((4, 5))
    close(mc.remove_kron(E, F, G), mc.vec(E) @ np.kron(F, G))


def test_kron_solve():
    y = rng.standard_normal(12)
    close(mc.kron_solve(A, B, y), np.linalg.solve(np.kron(A, B), y))


def test_linear_jacobians_by_finite_structure():
    M, x = rng.standard_normal((3, 4)), rng.standard_normal(4)
    Jc, Jr = mc.linear_jacobian(x, 3), mc.linear_jacobian(x, 3, "rows")
    close(Jc @ mc.vec(M), M @ x)  # Ax is linear in A, so the Jacobian reproduces it exactly
    close(Jr @ mc.vec_rows(M), M @ x)
    close(Jc, np.kron(x[None, :], np.eye(3)))
    close(Jr, np.kron(np.eye(3), x[None, :]))


@pytest.mark.parametrize("activation", ["tanh", "relu", "linear"])
def test_mlp_jacobian_equals_torch_jacobian(activation):
    torch = pytest.importorskip("torch")
    Ws = [rng.standard_normal((5, 3)), rng.standard_normal((4, 5)), rng.standard_normal((2, 4))]
    x = rng.standard_normal(3)
    act = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda h: h}[activation]

    def f(*W):
        h = torch.tensor(x)
        for l, w in enumerate(W):
            h = w @ h
            h = act(h) if l < len(W) - 1 else h
        return h

    jac = torch.autograd.functional.jacobian(f, tuple(torch.tensor(W) for W in Ws))
    # d f / d W[i, j] -> column stacking: index j * rows + i
    expected = np.concatenate([j.numpy().transpose(0, 2, 1).reshape(2, -1) for j in jac], axis=1)
    close(mc.mlp_jacobian(Ws, x, activation), expected)


def test_mlp_jacobian_equals_deepgrad_jacrev():
    import deepgrad as dg

    Ws = [rng.standard_normal((5, 3)), rng.standard_normal((4, 5)), rng.standard_normal((2, 4))]
    x = rng.standard_normal(3)

    def f(*W):
        h = x
        for l, w in enumerate(W):
            h = dg.matmul(w, h)
            h = dg.tanh(h) if l < len(W) - 1 else h
        return h

    jac = dg.jacrev(f, argnums=(0, 1, 2))(*Ws)
    expected = np.concatenate([np.asarray(j.data).transpose(0, 2, 1).reshape(2, -1) for j in jac], 1)
    close(mc.mlp_jacobian(Ws, x, "tanh"), expected)
