"""The computational graph: nodes, ``apply`` (the one entry point) and its one hook slot.

``apply(prim, *args)`` computes a primitive with NumPy and then decides what to record:
a ``Node`` when grad mode is on and an input requires grad (reverse mode), tangents when an
input carries them (forward mode, see ``forward.py``), nothing otherwise. ``backward.py`` walks
the nodes back. Grad mode (``no_grad``) lives in ``mode.py`` and is re-exported here.
"""

from __future__ import annotations

import numpy as np

from . import versions
from .errors import ShapeError
from .forward import push_tangents
from .mode import _GradMode, _set_grad_enabled, enable_grad, is_grad_enabled, no_grad  # noqa: F401
from .tensor import Tensor


class Node:
    """How a non-leaf tensor was made: its primitive, its inputs, and the primitive's params.

    ``inputs`` holds the input Tensors (and constants) until backward frees it, ``arrays`` the
    values the forward saw (what the VJP rules read: no unwrapping per backward); ``diff`` the
    positions of the inputs that require grad; ``seq`` a creation counter (``origin``: the source
    line and module, set only under detect_anomaly). Inputs always exist
    before the node that uses them, so creation order is a topological order of the graph.
    """

    __slots__ = ("prim", "inputs", "arrays", "params", "diff", "seq", "origin")
    _counter = versions.counter

    def __init__(self, prim, inputs, arrays, params, diff):
        self.prim = prim
        self.inputs = inputs
        self.arrays = arrays
        self.params = params
        self.diff = diff
        self.seq = next(Node._counter)

    @property
    def name(self) -> str:
        return self.prim.name

    def __repr__(self) -> str:
        return f"<{self.prim.name}>"


# The one hook slot: the compile tracer (fast/compile.py) while it records a step, or
# detect_anomaly's checker; else None. While set, apply and run_backward hand the call to it; it
# disarms this slot and calls them back.
tracer = None


def apply(prim, *args, **params):
    """Run ``prim`` on ``args`` (Tensors or constants) and record what is needed to differentiate."""
    if tracer is not None:
        return tracer.apply(prim, args, params)
    raw = []
    diff = []
    has_tangents = False
    i = 0
    for a in args:
        if isinstance(a, Tensor):
            raw.append(a.data)
            if a.requires_grad:
                diff.append(i)
            if a.tangents is not None:
                has_tangents = True
        else:
            raw.append(a)
        i += 1
    try:
        out = prim.forward(*raw, **params)
    except ValueError as e:
        shapes = ", ".join(str(np.shape(r)) for r in raw)
        raise ShapeError(f"{prim.name}: inputs of shapes {shapes} do not fit: {e}") from None
    except TypeError as e:
        dtypes = ", ".join(str(getattr(r, "dtype", type(r).__name__)) for r in raw)
        raise TypeError(f"{prim.name}: unsupported inputs (dtypes {dtypes}): {e}") from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if out.dtype.kind not in "biuf":
        raise TypeError(f"{prim.name}: unsupported dtype {out.dtype} (deepgrad supports bool, "
                        "integer and floating arrays)")
    result = Tensor._wrap(out)
    if diff and _GradMode.enabled:
        result.requires_grad = True
        result.reverse_level = None  # computed when forward mode asks (fast/levels.py)
        result.grad_fn = Node(prim, args, raw, params, diff)
    if has_tangents:
        push_tangents(prim, args, params, result)
    return result
