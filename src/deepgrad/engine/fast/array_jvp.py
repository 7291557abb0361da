"""Array JVPs: a tangent that nothing will differentiate is computed on bare ndarrays.

A speed device (docs/engine.md, "how it is made fast"): the JVP rule runs once on ``ARRAY_OPS``
instead of recording a Tensor op per term. Forward-over-reverse (``hvp``) spends most of its time
here: the backward pass's VJP rules push tangents through every op they run, and none of those
tangents is differentiated again.
"""

from __future__ import annotations

import numpy as np

from ..mode import is_grad_enabled
from ..tensor import Tensor
from .levels import reverse_level


def _plain(args, level):
    """Whether the tangent at ``level`` can be computed on bare arrays: nothing will differentiate it.

    True when ``level`` is the only tangent any argument carries, the tangents carry none of
    their own, and no reverse pass can differentiate the result. A reverse pass can only reach a
    level-k tangent after ``jvp`` hands it out, so only passes opened before level k (a smaller
    ``reverse_level``, 0 for ``backward()``) count; the vjp inside ``hvp = jvp(grad(f))`` is
    opened after its jvp and never differentiates that jvp's tangents. Then the JVP rule's result
    needs no graph and no tangents.
    """
    recording = is_grad_enabled()
    for a in args:
        if not isinstance(a, Tensor):
            continue
        if recording and a.requires_grad and reverse_level(a) < level:
            return False
        if a.tangents:
            if len(a.tangents) != 1:
                return False
            dot = a.tangents.get(level)
            if dot is None or dot.tangents is not None or (
                    recording and dot.requires_grad and reverse_level(dot) < level):
                return False
    return True


def _push_on_arrays(prim, args, params, out, level, d):
    """The JVP rule run on ndarrays (``ARRAY_OPS``): one call instead of a recorded op per term.

    Forward-over-reverse (``hvp``) spends most of its time here: the backward pass's VJP rules
    push tangents through every op they run, and none of those tangents is differentiated again.
    """
    raw, dots = [], []  # (one loop, not two list comprehensions: each is a call in CPython 3.11)
    for a in args:
        if isinstance(a, Tensor):
            raw.append(a.data)
            dots.append(a.tangents[level].data if a.tangents else None)
        else:
            raw.append(a)
            dots.append(None)
    out_dot = prim.jvp(d, dots, out.data, *raw, **params)
    if out_dot is None:
        return
    if type(out_dot) is not np.ndarray:
        out_dot = np.asarray(out_dot)
    if out_dot.shape != out.shape:
        out_dot = np.broadcast_to(out_dot, out.shape).copy()
    if out_dot.dtype != out.dtype and out.dtype.kind == "f":
        out_dot = out_dot.astype(out.dtype)
    out.tangents = {level: Tensor._wrap(out_dot)}
