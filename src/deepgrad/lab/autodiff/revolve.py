"""Binomial checkpointing (revolve): reversing a long chain of steps with few stored states.

Lecture: UBC CPSC 440 review ("Checkpointing exists to reduce storage, but increases computational
cost"); Lawrence, *Deep Architectures* ("backprop caches intermediates; use checkpointing").
Paper: Griewank (1992) Achieving logarithmic growth of temporal and spatial complexity in reverse
automatic differentiation; Griewank and Walther (2000) Algorithm 799: revolve (ACM TOMS).

A chain x_i = F_i(x_{i-1}), i = 1..l, is reversed (its adjoints x_bar_{i-1} = x_bar_i dF_i/dx
computed from i = l down to 1) while at most ``c`` states are stored. Counting only the extra
forward steps ("advances"; each reverse step evaluates its own F_i once inside its VJP), the
minimum is

    t(l, c) = r l - beta(c + 1, r - 1),    beta(c, r) = (c + r)! / (c! r!),

with r the repetition number, the unique integer with beta(c, r - 1) < l <= beta(c, r).
It satisfies the dynamic programme (one split m: advance m steps, store x_m, reverse the right
part with one checkpoint fewer, then the left part again from x_0)

    t(l, c) = min_{1 <= m < l}  m + t(l - m, c - 1) + t(m, c),   t(1, c) = 0,  t(l, 0) = inf.

Storing everything (c >= l - 1) costs t = l - 1; one checkpoint costs l (l - 1) / 2.
"""
from __future__ import annotations

from functools import cache
from math import comb

import numpy as np


def revolve_steps(l: int, c: int) -> int:
    """Griewank's minimal number of forward steps to reverse ``l`` steps with ``c`` checkpoints."""
    if l < 1 or c < 0:
        raise ValueError("need l >= 1 steps and c >= 0 checkpoints")
    if l == 1:
        return 0
    if c == 0:
        raise ValueError("reversing more than one step needs at least one checkpoint")
    r = 0
    while comb(c + r, c) < l:
        r += 1
    return r * l - comb(c + r, c + 1)


@cache
def optimal_split(l: int, c: int) -> tuple[int, int]:
    """(t(l, c), best first advance m) by the dynamic programme in the module docstring."""
    if l == 1:
        return 0, 0
    if c == 0:
        return np.inf, 0
    return min((m + optimal_split(l - m, c - 1)[0] + optimal_split(m, c)[0], m)
               for m in range(1, l))


def revolve_gradient(steps, x0, c: int, x_bar):
    """Adjoint x_bar_0 of the chain ``steps`` at ``x0``, storing at most ``c`` states.

    ``steps`` are functions F_i taking and returning Tensors; ``x_bar`` is the adjoint of the
    final state x_l (for a loss E(x_l), dE/dx_l). Returns ``(x_bar_0, stats)`` with
    stats ``forward_steps`` (advances, equal to revolve_steps(l, c)) and ``peak_checkpoints``.
    """
    from deepgrad.engine.graph import no_grad
    from deepgrad.engine.transforms import vjp

    stats = {"forward_steps": 0, "peak_checkpoints": 0}

    def reverse(i, l, c, x, x_bar, held):
        if l == 1:
            _, vjp_fn = vjp(steps[i], x)
            (x_bar,) = vjp_fn(x_bar)
            return x_bar
        held += 1  # x is a stored checkpoint while its sub-chain is reversed
        stats["peak_checkpoints"] = max(stats["peak_checkpoints"], held)
        m = optimal_split(l, c)[1]
        y = x
        with no_grad():
            for j in range(i, i + m):
                y = steps[j](y)
        stats["forward_steps"] += m
        x_bar = reverse(i + m, l - m, c - 1, y, x_bar, held)
        return reverse(i, m, c, x, x_bar, held - 1)

    return reverse(0, len(steps), c, x0, x_bar, 0), stats
