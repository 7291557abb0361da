"""Matrix calculus with Kronecker products, checked against autodiff, and the Kronecker solve's speed.

Lecture: Lawrence, *Deep Architectures*, "Matrix Vector Chain Rule", "Kronecker Products",
"Computational Advantages" (O(n^3) becomes O(n1^3 + n2^3) for n = n1 n2) and "Three Fundamental
Gradients". Reference: Brookes (2005) The matrix reference manual; Van Loan (2000) The ubiquitous
Kronecker product (J. Comput. Appl. Math.).

Every identity and derivative of ``deepgrad.lab.autodiff.kronecker`` is evaluated on random matrices and
compared with a dense NumPy computation or with ``deepgrad.jacrev`` (derivatives w.r.t. a matrix
are flattened in column-stacking order, the lecture's A:). The table of maximum absolute errors
is the experiment's first result; the second is the time to solve (A (x) B) x = y with
``kron_solve`` against ``numpy.linalg.solve`` on the dense n x n matrix, n = n1^2, with fitted
log-log slopes in n (theory: 1.5 and 3).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

import deepgrad.engine.primitives as P
from deepgrad.engine.transforms import jacrev
from deepgrad.lab.timing import best_time
from deepgrad.lab.autodiff import kronecker as mc


@dataclass
class MatrixCalculusResult:
    identity_errors: dict  # identity -> max absolute error
    max_identity_error: float
    sizes: list  # n = n1 * n2 with n1 = n2
    kron_seconds: list
    dense_seconds: list  # for the first len(dense_seconds) sizes
    kron_slope: float
    dense_slope: float


def identity_errors(rng):
    A, B = rng.standard_normal((3, 3)), rng.standard_normal((4, 4))
    C, D = rng.standard_normal((3, 2)), rng.standard_normal((4, 5))
    E, F, G = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal((4, 5))
    S1, S2 = A @ A.T, B @ B.T
    X, y = rng.standard_normal((5, 2)), rng.standard_normal(12)
    M, x = rng.standard_normal((4, 6)), rng.standard_normal(6)
    Ws = [rng.standard_normal((5, 3)), rng.standard_normal((4, 5)), rng.standard_normal((2, 4))]
    x0 = rng.standard_normal(3)

    def mlp(*W):
        h = x0
        for l, w in enumerate(W):
            h = P.matmul(w, h)
            h = P.tanh(h) if l < len(W) - 1 else h
        return h

    jac = jacrev(mlp, argnums=(0, 1, 2))(*Ws)
    mlp_jac = np.concatenate([np.asarray(j.data).transpose(0, 2, 1).reshape(2, -1) for j in jac], 1)
    J_ax = np.asarray(jacrev(lambda A_: P.matmul(A_, x))(M).data)  # (4, 4, 6)
    checks = {
        "mixed product (A(x)B)(C(x)D) = AC(x)BD": (mc.kron(A, B) @ mc.kron(C, D),
                                                   mc.kron(A @ C, B @ D)),
        "transpose (C(x)D)^T = C^T(x)D^T": (mc.kron(C, D).T, mc.kron(C.T, D.T)),
        "inverse (A(x)B)^-1 = A^-1(x)B^-1": (mc.kron_inverse(A, B), np.linalg.inv(mc.kron(A, B))),
        "determinant det(A)^p det(B)^m": (mc.kron_det(A, B), np.linalg.det(mc.kron(A, B))),
        "eigenvalues lambda_i mu_j": (np.sort(mc.kron_eigvals(S1, S2).real),
                                      np.linalg.eigvalsh(mc.kron(S1, S2))),
        "vec trick (C(x)D) X: = (D X C^T):": (mc.kron_matvec(C, D, mc.vec(X)),
                                             mc.kron(C, D) @ mc.vec(X)),
        "removal rule (E:)^T (F(x)G) = ((G^T E F):)^T": (mc.remove_kron(E, F, G),
                                                          mc.vec(E) @ mc.kron(F, G)),
        "Kronecker solve": (mc.kron_solve(A, B, y), np.linalg.solve(mc.kron(A, B), y)),
        "d(Ax)/dA: = x^T (x) I (jacrev)": (mc.linear_jacobian(x, 4),
                                          J_ax.transpose(0, 2, 1).reshape(4, -1)),
        "d(Ax)/d(A^T): = I (x) x^T (jacrev)": (mc.linear_jacobian(x, 4, "rows"), J_ax.reshape(4, -1)),
        "MLP Jacobian in Kronecker form (jacrev)": (mc.mlp_jacobian(Ws, x0, "tanh"), mlp_jac),
    }
    return {k: float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for k, (a, b) in checks.items()}



def run(*, quick: bool = False, seed: int = 0,
        factor_sizes: tuple = (4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256),
        dense_max: int = 48) -> MatrixCalculusResult:
    """``dense_max``: the largest n1 for which the dense (n1^2 x n1^2) system is also solved."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    errors = identity_errors(rng)
    if quick:
        factor_sizes, dense_max = (4, 8, 16, 24, 32, 64, 128), 24
    kron_t, dense_t = [], []
    with threadpool_limits(1):  # one thread, so times follow the operation counts
        for m in factor_sizes:
            A = rng.standard_normal((m, m)) + m * np.eye(m)
            B = rng.standard_normal((m, m)) + m * np.eye(m)
            y = rng.standard_normal(m * m)
            kron_t.append(best_time(lambda A=A, B=B, y=y: mc.kron_solve(A, B, y)))
            if m <= dense_max:
                K = mc.kron(A, B)
                dense_t.append(best_time(lambda K=K, y=y: np.linalg.solve(K, y)))
    sizes = np.array([m * m for m in factor_sizes], dtype=float)
    # fit each slope on its three largest sizes, where the O(.) term dominates Python overheads
    slope = lambda t: float(np.polyfit(np.log(sizes[len(t) - 3:len(t)]), np.log(t[-3:]), 1)[0])
    return MatrixCalculusResult(errors, max(errors.values()), sizes.tolist(), kron_t, dense_t,
                                slope(kron_t), slope(dense_t))


def plot(result: MatrixCalculusResult) -> Figure:
    fig = Figure(figsize=(13, 4.8))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    names = list(result.identity_errors)
    errs = [max(result.identity_errors[k], 1e-18) for k in names]
    ax1.barh(np.arange(len(names)), errs, color="C0")
    ax1.set_yticks(np.arange(len(names)))
    ax1.set_yticklabels(names, fontsize=7)
    ax1.set_ylabel("identity or derivative checked")
    ax1.set_xscale("log")
    ax1.axvline(1e-10, color="C3", ls="--", lw=1, label="tolerance 1e-10")
    ax1.set_xlabel("max absolute error")
    ax1.set_title(f"Identities and derivatives: max error {result.max_identity_error:.1e}")
    ax1.legend(fontsize=8)
    ax2.loglog(result.sizes[:len(result.dense_seconds)], result.dense_seconds, "o-",
               label=f"dense solve (slope {result.dense_slope:.2f})")
    ax2.loglog(result.sizes, result.kron_seconds, "s-",
               label=f"kron_solve (slope {result.kron_slope:.2f})")
    ax2.set_xlabel("n = n1 n2 (n1 = n2)")
    ax2.set_ylabel("seconds (one thread)")
    ax2.set_title("Solving (A (x) B) x = y")
    ax2.legend()
    fig.tight_layout()
    return fig
