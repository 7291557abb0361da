"""Array JVPs: a tangent that nothing will differentiate is computed on bare ndarrays.

A speed device (docs/engine.md, "how it is made fast"): the JVP rule runs once on ``ARRAY_OPS``
instead of recording a Tensor op per term. Forward-over-reverse (``hvp``) spends most of its time
here: the backward pass's VJP rules push tangents through every op they run, and none of those
tangents is differentiated again.
"""

from __future__ import annotations

import numpy as np

from ..mode import _GradMode
from ..tensor import Tensor
from .levels import reverse_level


def plain_inputs(args, visible=None):
    """``(level, arrays, tangents)`` of ``args`` when the tangent ``apply`` pushes at that level
    can be computed on bare arrays, because nothing will differentiate it; else None.

    That is when one level carries every tangent of the arguments (``visible(level)``, when
    levels are hidden), the tangents carry none of their own, and no reverse pass can
    differentiate the result. A reverse pass can only reach a level-k tangent after ``jvp``
    hands it out, so only passes opened before level k (a smaller ``reverse_level``, 0 for
    ``backward()``) count; the vjp inside ``hvp = jvp(grad(f))`` is opened after its jvp and
    never differentiates that jvp's tangents. Then the result needs no graph and no tangents.
    """
    level, raw, dots = None, [], []  # (one loop over the arguments: this runs once per op)
    for a in args:
        if not isinstance(a, Tensor):
            raw.append(a)
            dots.append(None)
            continue
        raw.append(a.data)
        if a.tangents is None:
            dots.append(None)
            continue
        if len(a.tangents) != 1:
            return None
        ((k, dot),) = a.tangents.items()
        if dot.tangents is not None or (level is not None and k != level):
            return None
        level = k
        dots.append(dot.data)
    if level is None or (visible is not None and not visible(level)):
        return None
    if _GradMode.enabled:  # recording: a reverse pass opened before this level may reach it
        for a in args:
            if isinstance(a, Tensor):
                for t in (a, a.tangents[level]) if a.tangents else (a,):  # it and its tangent
                    if t.requires_grad and reverse_level(t) < level:
                        return None
    return level, raw, dots


def push_on_arrays(prim, args, params, out, d, visible=None):
    """Give ``out`` its tangent by the JVP rule run once on ndarrays (``d``: ``ARRAY_OPS``), one
    call instead of a recorded op per term, when ``plain_inputs`` allows; return whether it did."""
    plain = plain_inputs(args, visible)
    if plain is None:
        return False
    level, raw, dots = plain
    y = out.data
    out_dot = prim.jvp(d, dots, y, *raw, **params)  # y: the array, its attributes read below
    if out_dot is None:
        return True
    if type(out_dot) is not np.ndarray:
        out_dot = np.asarray(out_dot)
    if out_dot.shape != y.shape:
        out_dot = np.broadcast_to(out_dot, y.shape).copy()
    if out_dot.dtype != y.dtype and y.dtype.kind == "f":
        out_dot = out_dot.astype(y.dtype)
    out.tangents = {level: Tensor._wrap(out_dot)}
    return True
