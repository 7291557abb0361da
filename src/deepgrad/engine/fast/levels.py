"""Reverse levels: which reverse passes may differentiate a tensor, so array JVPs know when to run.

A speed device (docs/engine.md, "how it is made fast"), read by ``fast/array_jvp.py``: a tangent
at jvp level k may be pushed on bare arrays when no reverse pass can differentiate it, and a
reverse pass reaches a level-k tangent only after ``jvp`` hands it out, so only passes opened
*before* level k count. Every tensor carries ``reverse_level``: 0 (any ``backward()`` may
differentiate it) unless it requires grad only through the inputs of a ``vjp`` opened later,
which take that vjp's level from the same counter as the jvp levels (``transforms.vjp``). This
module computes the level of every other tensor, in ``apply``: the one rule below.
"""

from __future__ import annotations


def result_level(args, diff):
    """The reverse level of a recorded result: the smallest among its inputs that require grad.

    ``diff`` holds the positions of those inputs (at least one). A result made from a parameter
    (level 0) and from a vjp's input (level k) can be reached by ``backward()``: level 0.
    """
    level = args[diff[0]].reverse_level
    for i in diff:
        if args[i].reverse_level < level:
            level = args[i].reverse_level
    return level
