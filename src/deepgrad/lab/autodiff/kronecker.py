"""Matrix calculus with stacking and Kronecker products (Brookes' approach).

Lecture: Lawrence, *Deep Architectures*, "Matrix Vector Chain Rule", "Kronecker Products", "Three
Fundamental Gradients". Reference: Brookes (2005) The matrix reference manual; Magnus and
Neudecker (2019) Matrix differential calculus.

Notation. ``A:`` = vec(A) stacks the columns of A (m x n) into an mn vector; vec_rows stacks the
rows, vec_rows(A) = vec(A^T). For A (m x n) and B (p x q) the Kronecker product A (x) B is the
(mp x nq) matrix of blocks a_ij B, i.e. (A (x) B)[i1 p + i2, j1 q + j2] = a_{i1 j1} b_{i2 j2}.

Identities (each verified in the ``matrix_calculus`` experiment):

    (A (x) B)(C (x) D) = AC (x) BD                      mixed product
    (A (x) B)^T = A^T (x) B^T                           transpose
    (A (x) B)^{-1} = A^{-1} (x) B^{-1}                  inverse
    det(A (x) B) = det(A)^p det(B)^m   (A m x m, B p x p)
    eig(A (x) B) = {lambda_i(A) mu_j(B)}
    (A (x) B) X: = (B X A^T):                           the vec trick
    (E:)^T (F (x) G) = ((G^T E F):)^T                   the removal rule

Derivatives. For b = A x with A (m x n):  db/dA: = x^T (x) I_m (column stacking) and
db/d(A^T): = I_m (x) x^T (row stacking). In an MLP, f_l = W_l phi_{l-1}, phi_l = phi(f_l), phi_0 = x,
this is the activation gradient df_l/dw_l = phi_{l-1}^T (x) I_{d_l} (w_l = W_l:), and

    df_L/dw_{L-k} = [ prod_{i=0}^{k-1} W_{L-i} Phi'_{L-i-1} ] (phi_{L-k-1}^T (x) I_{d_{L-k}}).
"""
from __future__ import annotations

import numpy as np


def vec(A):
    """Column stacking A: of an (m x n) matrix: [a_{:,1}; a_{:,2}; ...; a_{:,n}], length mn."""
    return np.asarray(A).reshape(-1, order="F")


def vec_rows(A):
    """Row stacking of an (m x n) matrix, equal to vec(A^T)."""
    return np.asarray(A).reshape(-1)


def unvec(a, shape):
    """Inverse of vec: the (m x n) matrix whose columns are consecutive slices of ``a``."""
    return np.asarray(a).reshape(shape, order="F")


def kron(A, B):
    """Kronecker product: (A (x) B)[i1 p + i2, j1 q + j2] = a_{i1 j1} b_{i2 j2}, shape (mp, nq)."""
    A, B = np.atleast_2d(A), np.atleast_2d(B)
    (m, n), (p, q) = A.shape, B.shape
    return (A[:, None, :, None] * B[None, :, None, :]).reshape(m * p, n * q)


def kron_matvec(A, B, x):
    """(A (x) B) x without forming the product: (A (x) B) X: = (B X A^T): with X = unvec(x)."""
    X = unvec(x, (B.shape[1], A.shape[1]))
    return vec(B @ X @ A.T)


def kron_solve(A, B, y):
    """Solve (A (x) B) x = y for square invertible A (m x m), B (p x p).

    x = (A^{-1} (x) B^{-1}) y = (B^{-1} Y A^{-T}):  with Y = unvec(y, (p, m)): two small solves,
    O(m^3 + p^3 + mp(m + p)) instead of O(m^3 p^3) for the dense (mp x mp) system.
    """
    Y = unvec(y, (B.shape[0], A.shape[0]))
    return vec(np.linalg.solve(A, np.linalg.solve(B, Y).T).T)


def kron_inverse(A, B):
    """(A (x) B)^{-1} = A^{-1} (x) B^{-1}."""
    return kron(np.linalg.inv(A), np.linalg.inv(B))


def kron_det(A, B):
    """det(A (x) B) = det(A)^p det(B)^m for A (m x m) and B (p x p)."""
    return np.linalg.det(A) ** B.shape[0] * np.linalg.det(B) ** A.shape[0]


def kron_eigvals(A, B):
    """Eigenvalues of A (x) B: all products lambda_i(A) mu_j(B) (in kron order)."""
    return np.outer(np.linalg.eigvals(A), np.linalg.eigvals(B)).reshape(-1)


def remove_kron(E, F, G):
    """The removal rule (E:)^T (F (x) G) = ((G^T E F):)^T, as a vector of length b d.

    E is (c x a) for F (a x b) and G (c x d): a chain-rule row vector times a Kronecker-structured
    Jacobian, computed with two small matrix products and no Kronecker product.
    """
    return vec(G.T @ E @ F)


def linear_jacobian(x, m, stacking="columns"):
    """d(A x)/dA for A (m x n): x^T (x) I_m for A: (columns), I_m (x) x^T for rows, shape (m, mn)."""
    x = np.asarray(x, dtype=float).reshape(1, -1)
    eye = np.eye(m)
    if stacking == "columns":
        return kron(x, eye)
    if stacking == "rows":
        return kron(eye, x)
    raise ValueError(f"stacking must be 'columns' or 'rows', not {stacking!r}")


_ACTIVATIONS = {
    "relu": (lambda f: np.maximum(f, 0.0), lambda f: (f > 0).astype(float)),  # NOTE: ReLU'(0) = 0
    "tanh": (np.tanh, lambda f: 1.0 - np.tanh(f) ** 2),
    "linear": (lambda f: f, np.ones_like),
}


def mlp_jacobian(weights, x, activation="tanh"):
    """Jacobian of f_L with respect to all weights [w_1: ... w_L:] of the MLP f_l = W_l phi_{l-1}.

    ``weights`` = [W_1, ..., W_L] with W_l of shape (d_l, d_{l-1}); phi_l = phi(f_l) for l < L and
    the output f_L is linear. Assembled layer by layer from the three fundamental gradients:
    across-layer W_l, basis Phi'_l = diag(phi'(f_l)), activation phi_{l-1}^T (x) I_{d_l}.
    Returns a (d_L, sum_l d_l d_{l-1}) matrix.
    """
    phi, dphi = _ACTIVATIONS[activation]
    phis, fs = [np.asarray(x, dtype=float)], []
    for l, W in enumerate(weights):
        fs.append(W @ phis[-1])
        phis.append(phi(fs[-1]) if l < len(weights) - 1 else fs[-1])
    blocks = []
    P = np.eye(weights[-1].shape[0])  # prod_i W_{L-i} Phi'_{L-i-1}, built from the top
    for l in range(len(weights) - 1, -1, -1):
        blocks.append(P @ linear_jacobian(phis[l], weights[l].shape[0]))
        if l > 0:
            P = P @ weights[l] * dphi(fs[l - 1])
    return np.concatenate(blocks[::-1], axis=1)
