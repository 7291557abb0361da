"""Reverse levels: which reverse passes may differentiate a tensor, so array JVPs know when to run.

A speed device (docs/engine.md, "how it is made fast"), read by ``fast/array_jvp.py``: a tangent
at jvp level k may be pushed on bare arrays when no reverse pass can differentiate it, and a
reverse pass reaches a level-k tangent only after ``jvp`` hands it out, so only passes opened
*before* level k count. Every tensor has a ``reverse_level``: 0 (any ``backward()`` may
differentiate it) unless it requires grad only through the inputs of a ``vjp`` opened later,
which take that vjp's level from the same counter as the jvp levels (``transforms.vjp``). A
recorded result's level is left unknown (None) by ``apply`` and computed here, once, when forward
mode first asks: training, which never asks, pays nothing for it.
"""

from __future__ import annotations


def reverse_level(t):
    """``t``'s reverse level: the smallest among the inputs of its node that require grad.

    Computed on first use and kept on the tensor; iteratively (no recursion limit), each unknown
    input first. A node freed by ``backward()`` counts as level 0 (a backward reached it).
    """
    stack = [t]
    while stack:
        u = stack[-1]
        node = u.grad_fn
        if u.reverse_level is not None:
            stack.pop()
        elif node is None or node.inputs is None:
            u.reverse_level = 0
            stack.pop()
        else:
            unknown = [node.inputs[i] for i in node.diff if node.inputs[i].reverse_level is None]
            if unknown:
                stack.extend(unknown)
            else:
                u.reverse_level = min(node.inputs[i].reverse_level for i in node.diff)
                stack.pop()
    return t.reverse_level
