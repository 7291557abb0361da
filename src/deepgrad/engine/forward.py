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

from . import graph, primitives  # both partly loaded here; used only at call time
from .tensor import Tensor

_levels = itertools.count(1)


class _Levels:
    last = 0  # the most recently opened level
    hidden = []  # (lo, hi) intervals of levels invisible to apply, one per rule being evaluated


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


def new_level() -> int:
    """A fresh level, larger than every level opened before (inner jvps get larger levels)."""
    _Levels.last = next(_levels)
    return _Levels.last


def push_tangents(prim, args, params, out):
    """Give ``out`` its tangent at every active level carried by ``args``."""
    hidden = _Levels.hidden
    levels = sorted({k for a in args if isinstance(a, Tensor) and a.tangents
                     for k in a.tangents if not hidden or _visible(k)})
    if len(levels) == 1 and prim.jvp_on_arrays and _plain(args, levels[0]):
        _push_on_arrays(prim, args, params, out, levels[0])
        return
    for k in levels:  # lower levels first: rules that use `out` see its lower-level tangents
        dots = tuple(a.tangents.get(k) if isinstance(a, Tensor) and a.tangents else None
                     for a in args)
        with _hide_from(k):
            out_dot = prim.jvp(primitives.TENSOR_OPS, dots, out, *args, **params)
            if out_dot is None:
                continue
            if not isinstance(out_dot, Tensor):
                out_dot = Tensor(out_dot)
            if out_dot.shape != out.shape:
                out_dot = primitives.TENSOR_OPS.broadcast_to(out_dot, out.shape)
            if out_dot.dtype != out.dtype and out.dtype.kind == "f":
                out_dot = primitives.TENSOR_OPS.astype(out_dot, out.dtype)
        if out.tangents is None:
            out.tangents = {}
        out.tangents[k] = out_dot


def _plain(args, level):
    """Whether the tangent at ``level`` can be computed on bare arrays: nothing will differentiate it.

    True when ``level`` is the only tangent any argument carries, the tangents carry none of
    their own, and no reverse pass can differentiate the result. A reverse pass can only reach a
    level-k tangent after ``jvp`` hands it out, so only passes opened before level k (a smaller
    ``reverse_level``, 0 for ``backward()``) count; the vjp inside ``hvp = jvp(grad(f))`` is
    opened after its jvp and never differentiates that jvp's tangents. Then the JVP rule's result
    needs no graph and no tangents.
    """
    recording = graph.is_grad_enabled()
    for a in args:
        if not isinstance(a, Tensor):
            continue
        if recording and a.requires_grad and a.reverse_level < level:
            return False
        if a.tangents:
            if len(a.tangents) != 1:
                return False
            dot = a.tangents.get(level)
            if dot is None or dot.tangents is not None or (
                    recording and dot.requires_grad and dot.reverse_level < level):
                return False
    return True


def _push_on_arrays(prim, args, params, out, level):
    """The JVP rule run on ndarrays (``ARRAY_OPS``): one call instead of a recorded op per term.

    Forward-over-reverse (``hvp``) spends most of its time here: the backward pass's VJP rules
    push tangents through every op they run, and none of those tangents is differentiated again.
    """
    raw = [a.data if isinstance(a, Tensor) else a for a in args]
    dots = [a.tangents[level].data if isinstance(a, Tensor) and a.tangents else None
            for a in args]
    out_dot = prim.jvp(primitives.ARRAY_OPS, dots, out.data, *raw, **params)
    if out_dot is None:
        return
    out_dot = np.asarray(out_dot)
    if out_dot.shape != out.shape:
        out_dot = np.broadcast_to(out_dot, out.shape).copy()
    if out_dot.dtype != out.dtype and out.dtype.kind == "f":
        out_dot = out_dot.astype(out.dtype)
    out.tangents = {level: Tensor._wrap(out_dot)}


def with_tangent(x, level, x_dot):
    """A new tensor equal to ``x`` (linked to it in the graph) that carries ``x_dot`` at ``level``."""
    y = primitives.identity(x)
    if y.tangents is None:
        y.tangents = {}
    y.tangents[level] = x_dot
    return y


def pop_tangent(y, level):
    """Remove and return ``y``'s tangent at ``level`` (zeros if ``y`` does not depend on it)."""
    if isinstance(y, Tensor) and y.tangents and level in y.tangents:
        t = y.tangents.pop(level)
        if not y.tangents:
            y.tangents = None
        return t
    return primitives.TENSOR_OPS.zeros_like(y if isinstance(y, Tensor) else Tensor(y))
