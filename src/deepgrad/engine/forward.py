"""Forward mode: tangents pushed through each primitive's JVP rule, nestable by levels.

A tensor carries ``tangents``: a dict ``{level: Tensor}``, one perturbation direction per active
``jvp`` (each ``jvp`` call opens a new, larger level). For y = f(x) with x carrying x_dot at level
k, ``apply`` sets y.tangents[k] = J_f(x) x_dot using the primitive's JVP rule.

Nesting without perturbation confusion (Siskind & Pearlmutter): the rule for level k is evaluated
with level k and the levels above it hidden (``_hide_from``), using deepgrad ops on Tensors that
still carry their lower-level tangents. Levels opened later, inside a rule (a checkpoint's JVP runs
``jvp`` itself), stay visible. So the tangent at level k itself carries tangents at levels < k (the
mixed second derivatives), and a rule never sees its own level. Because the rules are ordinary
recorded ops, reverse mode can differentiate through them too (reverse-over-forward), and the
VJP rules, run on Tensors, push tangents (forward-over-reverse, used by ``hvp``).
"""

from __future__ import annotations

import contextlib
import itertools

import numpy as np

from .fast.array_jvp import push_on_arrays
from .tensor import Tensor

_levels = itertools.count(1)


class _Levels:
    last = 0  # the most recently opened level
    hidden = []  # (lo, hi) intervals of levels invisible to apply, one per rule being evaluated
    tensor_ops = array_ops = None  # the rules' vocabularies, given by the transform (jvp)


@contextlib.contextmanager
def _hide_from(level):
    """Hide ``level`` and every level opened so far above it."""
    _Levels.hidden.append((level, _Levels.last))
    try:
        yield
    finally:
        _Levels.hidden.pop()


def _visible(k) -> bool:
    return all(not lo <= k <= hi for lo, hi in _Levels.hidden)


def new_level(tensor_ops=None, array_ops=None) -> int:
    """A fresh level, larger than every level opened before (inner jvps get larger levels).

    ``jvp`` passes the two vocabularies the JVP rules run on (``vocabulary.py``, above this file):
    forward mode receives them instead of importing them.
    """
    if tensor_ops is not None:
        _Levels.tensor_ops, _Levels.array_ops = tensor_ops, array_ops
    _Levels.last = next(_levels)
    return _Levels.last


def push_tangents(prim, args, params, out):
    """Give ``out`` its tangent at every active level carried by ``args``."""
    hidden = _Levels.hidden
    if prim.jvp_on_arrays and push_on_arrays(prim, args, params, out, _Levels.array_ops,
                                             _visible if hidden else None):
        return  # on bare arrays: nothing will differentiate this tangent (fast/array_jvp.py)
    levels = sorted({k for a in args if isinstance(a, Tensor) and a.tangents
                     for k in a.tangents if not hidden or _visible(k)})
    d = _Levels.tensor_ops
    for k in levels:  # lower levels first: rules that use `out` see its lower-level tangents
        dots = tuple(a.tangents.get(k) if isinstance(a, Tensor) and a.tangents else None
                     for a in args)
        with _hide_from(k):
            out_dot = prim.jvp(d, dots, out, *args, **params)
            if out_dot is None:
                continue
            if not isinstance(out_dot, Tensor):
                out_dot = Tensor(out_dot)
            if out_dot.shape != out.shape:
                out_dot = d.broadcast_to(out_dot, out.shape)
            if out_dot.dtype != out.dtype and out.dtype.kind == "f":
                out_dot = d.astype(out_dot, out.dtype)
        out.tangents = {**(out.tangents or {}), k: out_dot}


def pop_tangent(y, level):
    """Remove and return ``y``'s tangent at ``level`` (zeros if ``y`` does not depend on it)."""
    if isinstance(y, Tensor) and y.tangents and level in y.tangents:
        t = y.tangents.pop(level)
        if not y.tangents:
            y.tangents = None
        return t
    return Tensor._wrap(np.zeros_like(y.data if isinstance(y, Tensor) else np.asarray(y)))
