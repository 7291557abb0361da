"""Curvature of a loss: full Hessian, Lanczos top eigenvalues, Hutchinson's trace, Gauss-Newton.

Lecture: Lawrence, *Deep Architectures*, "Example: Hessian-vector product" (v^T H(w) =
d/dw (v^T g(w)), forward-over-reverse) and "Overparameterised Systems" (at an optimum the Hessian
has very low or negative eigenvalues: the parameters are badly determined). Papers: Pearlmutter
(1994) Fast exact multiplication by the Hessian; Hutchinson (1989) A stochastic estimator of the
trace of the influence matrix; Schraudolph (2002) Fast curvature matrix-vector products (the
Gauss-Newton matrix); Sagun et al. (2017) Empirical analysis of the Hessian of over-parametrized
neural networks; Ghorbani, Krishnan and Xiao (2019) An investigation into neural net
optimization via Hessian eigenvalue density.

Every function takes ``loss``, a function of one flat parameter vector w (a Tensor of length P;
see ``deepgrad.ravel_parameters``) returning a scalar Tensor, and ``params``, the point w (array).
"""
from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

from deepgrad.engine.transforms import hessian, hvp, jacrev


def _vector(params):
    return np.asarray(getattr(params, "data", params), dtype=np.float64).reshape(-1)


def full_hessian(loss, params):
    """H = d^2 E / dw dw^T (P x P) by forward-over-reverse, for small models."""
    return np.asarray(hessian(loss)(_vector(params)).data)


def hvp_operator(loss, params):
    """The Hessian as a SciPy LinearOperator: v -> H v by one forward-over-reverse pass."""
    w = _vector(params)

    def matvec(v):
        return np.asarray(hvp(loss, (w,), (np.asarray(v, dtype=np.float64).reshape(-1),)).data)

    return LinearOperator((w.size, w.size), matvec=matvec, dtype=np.float64)


def top_eigenvalues(loss, params, k=1, which="LA", tol=1e-10, seed=0):
    """The ``k`` largest ("LA") or smallest ("SA") Hessian eigenvalues by Lanczos (ARPACK's
    ``eigsh`` on HVPs; the Hessian is never formed). Sorted from largest to smallest."""
    op = hvp_operator(loss, params)
    v0 = np.random.default_rng(seed).standard_normal(op.shape[0])
    values = eigsh(op, k=k, which=which, tol=tol, v0=v0, return_eigenvectors=False)
    return np.sort(values)[::-1]


def hutchinson_trace(loss, params, n_samples=100, seed=0):
    """tr(H) = E[v^T H v] for Rademacher v (entries +-1): returns (estimate, standard error)."""
    w = _vector(params)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n_samples):
        v = rng.choice([-1.0, 1.0], size=w.size)
        samples.append(v @ np.asarray(hvp(loss, (w,), (v,)).data))
    samples = np.asarray(samples)
    return samples.mean(), samples.std(ddof=1) / np.sqrt(n_samples)


def gauss_newton(outputs, output_loss, params):
    """The Gauss-Newton part G = J^T (d^2 E / dz dz^T) J of the Hessian of E(z(w)).

    ``outputs(w)`` returns the network outputs z (any shape, e.g. (n, K) logits) and
    ``output_loss(z)`` the scalar loss E; J = dz/dw. H = G + sum_i (dE/dz_i) d^2 z_i/dw dw^T.
    For softmax cross-entropy d^2 E / dz dz^T is block diagonal with blocks diag(p) - p p^T of
    rank K - 1, so rank(G) <= n (K - 1).
    """
    w = _vector(params)
    z = np.asarray(outputs(w).data)
    J = np.asarray(jacrev(outputs)(w).data).reshape(z.size, w.size)
    H_z = np.asarray(hessian(output_loss)(z).data).reshape(z.size, z.size)
    return J.T @ H_z @ J
