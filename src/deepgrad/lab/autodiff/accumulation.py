"""Jacobian accumulation along a chain of maps: forward, reverse and optimal bracketings, and their cost.

A library for the ``ad_cost`` experiment (docs/lab/chain_cost.md, optimal_order.md,
jacobian_chain.md). A chain x_0 -> x_1 -> ... -> x_L with x_l in R^{d_l} has the Jacobian
J = J_L ... J_1; multiplying a (p x q) by a (q x r) matrix costs p q r multiplications, so the
bracketing decides the cost. A *bracketing* is a binary tree over the map indices 1..L written as
nested pairs in chain order: ``(a, b)`` is the product J(b) J(a). Papers: Naumann (2008) Optimal
Jacobian accumulation is NP-complete; Cormen et al., *Introduction to Algorithms*, section 15.2.
"""
from __future__ import annotations

from functools import cache

import numpy as np


def forward_order(L: int):
    """The forward-mode bracketing (((1, 2), 3), ..., L)."""
    tree = 1
    for leaf in range(2, L + 1):
        tree = (tree, leaf)
    return tree


def reverse_order(L: int):
    """The reverse-mode bracketing (1, (2, (..., (L-1, L))))."""
    tree = L
    for leaf in range(L - 1, 0, -1):
        tree = (leaf, tree)
    return tree


def optimal_order(dims):
    """Cheapest bracketing of J_L ... J_1 by the matrix-chain dynamic programme.

    ``cost[i][j] = min_{i <= k < j} cost[i][k] + cost[k+1][j] + d_j d_k d_{i-1}``
    is the cost of the sub-chain of maps i..j (an d_j x d_{i-1} Jacobian).
    Returns ``(cost, bracketing)``; O(L^3) time.
    """
    dims = tuple(int(d) for d in dims)
    L = len(dims) - 1
    if L < 1:
        raise ValueError("a chain needs at least two sizes d_0, d_1")

    @cache
    def best(i, j):
        if i == j:
            return 0, i
        candidates = []
        for k in range(i, j):
            (c1, t1), (c2, t2) = best(i, k), best(k + 1, j)
            candidates.append((c1 + c2 + dims[j] * dims[k] * dims[i - 1], (t1, t2)))
        return min(candidates, key=lambda c: c[0])

    return best(1, L)


def _cost(dims, tree):
    """(multiplications, first map, last map) of a bracketing."""
    if isinstance(tree, int):
        if not 1 <= tree < len(dims):
            raise ValueError(f"map index {tree} outside 1..{len(dims) - 1}")
        return 0, tree, tree
    a, b = tree
    ca, i, k = _cost(dims, a)
    cb, k1, j = _cost(dims, b)
    if k1 != k + 1:
        raise ValueError(f"bracketing {tree!r} does not cover a contiguous chain")
    return ca + cb + dims[j] * dims[k] * dims[i - 1], i, j


def chain_cost(dims, order="optimal") -> int:
    """Multiplications to accumulate the Jacobian of a chain with sizes ``dims`` = (d_0, ..., d_L).

    ``order`` is "forward", "reverse", "optimal" or an explicit bracketing (nested pairs of the
    map indices 1..L, in chain order).
    """
    dims = tuple(int(d) for d in dims)
    L = len(dims) - 1
    tree = _resolve(dims, order)
    cost, i, j = _cost(dims, tree)
    if (i, j) != (1, L):
        raise ValueError(f"bracketing {order!r} does not cover maps 1..{L}")
    return cost


def _resolve(dims, order):
    L = len(dims) - 1
    if order == "forward":
        return forward_order(L)
    if order == "reverse":
        return reverse_order(L)
    if order == "optimal":
        return optimal_order(dims)[1]
    if isinstance(order, str):
        raise ValueError(f"order must be 'forward', 'reverse', 'optimal' or a bracketing, "  # noqa: TRY004
                         f"not {order!r}")
    return order


def accumulate(jacobians, order="optimal"):
    """Multiply local Jacobians [J_1, ..., J_L] (J_l of shape d_l x d_{l-1}) in a bracketing."""
    dims = (jacobians[0].shape[1],) + tuple(J.shape[0] for J in jacobians)
    tree = _resolve(dims, order)

    def product(t):
        if isinstance(t, int):
            return jacobians[t - 1]
        a, b = t
        return product(b) @ product(a)

    return product(tree)


def local_jacobians(fns, x):
    """Forward pass x_l = f_l(x_{l-1}) and each map's Jacobian J_l at x_{l-1}, by deepgrad's
    jacfwd (one JVP per input) when d_{l-1} < d_l, else jacrev (one VJP per output)."""
    from deepgrad.engine.transforms import jacfwd, jacrev

    x = np.asarray(x, dtype=np.float64)
    jacobians = []
    for f in fns:
        y = np.asarray(f(x).data)
        jac = jacfwd(f) if x.size < y.size else jacrev(f)
        jacobians.append(np.asarray(jac(x).data).reshape(y.size, x.size))
        x = y
    return jacobians


def jacobian_chain(fns, x, order="optimal"):
    """Jacobian of f_L o ... o f_1 at ``x``, accumulated from local Jacobians in ``order``."""
    return accumulate(local_jacobians(fns, x), order)
