"""Lexicographic directional derivatives: a correct generalised derivative at ReLU kinks.

Lecture: UBC CPSC 440 review, "Failure of AD on ReLUs". Papers: Nesterov (2005) Lexicographic
differentiation of nonsmooth functions (Math. Programming); Khan and Barton (2015) A vector
forward mode of automatic differentiation for generalized derivative evaluation (Optim. Methods
Softw.); Barton, Khan, Stechlinski and Watson (2018) Computationally relevant generalized
derivatives.

Plain autodiff picks one derivative per kink (ReLU'(0) = 0), so at x = 0 it claims
f'(0) = 0 for f(x) = relu(x) - relu(-x), which is the identity. The lexicographic derivative
instead differentiates along a sequence of directions M = [m_1, ..., m_k] (a nonsingular n x n
matrix, default the identity): the LD-derivative f'(x; M) = [f^(0)'(x; m_1), ..., f^(k-1)'(m_k)],
where f^(j) is the directional derivative of f^(j-1) along m_j. It is computed by forward mode
with k tangents at once; each smooth primitive uses its usual JVP rule, and each kink resolves
its branch by the lexicographic sign of (u, u_dot_1, ..., u_dot_k), the first non-zero entry:

    relu'(u; U) = U if fsign(u, U) > 0 else 0            abs'(u; U) = fsign(u, U) U
    max(a, b)'  = A if fsign(a - b, A - B) >= 0 else B    (min, leaky_relu, clip alike)

The lexicographic derivative J_L f(x; M) = f'(x; M) M^{-1} is then the Jacobian of one linear
piece of f touching x; for piecewise-linear compositions (ReLU networks) it is an element of the
Clarke subdifferential, and it equals the derivative wherever f is differentiable.

Implementation: f is evaluated once with x recording a graph, and the graph is replayed in
topological order pushing the k tangents. Kinks hidden inside a comparison (``where(x > 0, ...)``)
or in max/min reductions are not resolved (a NotImplementedError names the reduction).
"""

from __future__ import annotations

import numpy as np

from .backward import walk
from .vocabulary import ARRAY_OPS
from .tensor import Tensor


def _fsign(u, U):
    """Sign of the first non-zero entry of (u, U[0], U[1], ...), elementwise (0 if all are 0)."""
    s = np.sign(u)
    for Uj in U:
        s = np.where(s == 0, np.sign(Uj), s)
    return s


def _relu(U, y, x):
    return U * (_fsign(x, U) > 0)


def _leaky_relu(U, y, x, negative_slope):
    return np.where(_fsign(x, U) > 0, U, negative_slope * U)


def _abs(U, y, x):
    return _fsign(x, U) * U


def _maximum(A, B, y, a, b, sign=1):
    s = sign * _fsign(a - b, A - B)
    return np.where(s >= 0, A, B)


def _clip(U, y, x, lo, hi):
    inside = np.ones(np.shape(x), dtype=bool)
    if lo is not None:
        inside &= _fsign(x - lo, U) > 0
    if hi is not None:
        inside &= _fsign(hi - x, -U) > 0
    return U * inside


_UNARY_KINKS = {"relu": _relu, "leaky_relu": _leaky_relu, "abs": _abs, "clip": _clip}
_BINARY_KINKS = {"maximum": 1, "minimum": -1}


def _push(node, y, dots):
    """Tangents (k, *y.shape) of y = prim(inputs) from the inputs' tangents (or None)."""
    name, params = node.prim.name, node.params
    xs = [a.data if isinstance(a, Tensor) else a for a in node.inputs]
    k = next(d.shape[0] for d in dots if d is not None)
    zeros = [np.zeros((k,) + np.shape(x)) if d is None else d for d, x in zip(dots, xs)]
    if name in _UNARY_KINKS:
        return _UNARY_KINKS[name](zeros[0], y, xs[0], **params)
    if name in _BINARY_KINKS:
        A, B = (np.broadcast_to(Z, (k,) + y.shape) for Z in zeros)
        return _maximum(A, B, y, xs[0], xs[1], sign=_BINARY_KINKS[name])
    if name in ("max", "min"):
        raise NotImplementedError(f"ld_derivative does not resolve ties in the {name} reduction")
    out = []
    for j in range(k):
        dj = tuple(None if d is None else d[j] for d in dots)
        t = node.prim.jvp(ARRAY_OPS, dj, y, *xs, **params)
        out.append(np.zeros(y.shape) if t is None else np.broadcast_to(t, y.shape))
    return np.stack(out)


def ld_derivative(f, x, directions=None):
    """The lexicographic derivative J_L f(x; M) = f'(x; M) M^{-1}, shape f(x).shape + x.shape.

    ``f`` maps a Tensor to a Tensor (built from deepgrad ops); ``x`` is an array or number;
    ``directions`` is a nonsingular (n x n) matrix M whose columns are the directions m_1..m_n
    (n = x.size; default the identity). At a kink it returns the Jacobian of the linear piece that
    the perturbation x + t m_1 + t^2 m_2 + ... enters as t -> 0+, e.g. ``ld_derivative(
    lambda x: relu(x) - relu(-x), 0.0) == 1`` where reverse mode returns 0.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    M = np.eye(n) if directions is None else np.asarray(directions, dtype=np.float64)
    if M.shape != (n, n):
        raise ValueError(f"directions must be a ({n}, {n}) matrix, got shape {M.shape}")
    xt = Tensor(x, requires_grad=True)
    y = f(xt)
    tangents = {id(xt): M.T.reshape((n,) + x.shape)}
    for t in walk([y]):
        if t.grad_fn is None:
            continue
        dots = [tangents.get(id(a)) if isinstance(a, Tensor) else None for a in t.grad_fn.inputs]
        if any(d is not None for d in dots):
            tangents[id(t)] = _push(t.grad_fn, t.data, dots)
    Y = tangents.get(id(y), np.zeros((n,) + y.shape)).reshape(n, -1)  # f'(x; M), one row per m_j
    J = np.linalg.solve(M.T, Y).T  # f'(x; M) M^{-1}
    return J.reshape(y.shape + x.shape)
