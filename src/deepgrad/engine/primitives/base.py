"""The base of every primitive: ``Primitive``, ``elementwise()``, ``linear_map()``, shape helpers.

Every primitive is declared once: NumPy forward, VJP rule(s) and JVP rule side by side.

Each block reads ``name = Primitive(name, forward, vjps, jvp)`` under a one-line comment with
the maths, in JAX's notation: ``y_dot`` is a tangent (forward mode), ``x_bar`` a cotangent
(reverse mode). ``vjps`` holds one rule per input, ``rule(d, y_bar, y, *xs, **params) -> x_bar``;
``jvp(d, x_dots, y, *xs, **params) -> y_dot`` gets None for inputs without a tangent.

The rules are written once against an ops namespace ``d``: ``ARRAY_OPS`` (plain NumPy, used by a
first-order backward: fast, nothing recorded) or ``TENSOR_OPS`` (deepgrad's own differentiable
functions, used with ``create_graph=True`` and in forward mode, so the same rule gives double
backward, Hessian-vector products and derivatives of any order). Only ``forward`` and
``ARRAY_OPS`` touch ``np.*``. Broadcasting needs no rule: the engine sums each x_bar back to its
input's shape in one place (the adjoint of broadcasting is summation).
"""

from __future__ import annotations

import math

import numpy as np

from ..graph import apply
from ..tensor import _data, _shape  # noqa: F401  (re-exported to the primitives)


class Primitive:
    """A differentiable operation; calling it runs ``apply`` (record / push tangents / compute)."""

    __slots__ = ("name", "forward", "vjps", "jvp", "jvp_on_arrays", "out", "batch")

    def __init__(self, name, forward, vjps, jvp, jvp_on_arrays=True, out=None, batch=None):
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.jvp = jvp
        self.jvp_on_arrays = jvp_on_arrays  # False when the JVP rule needs Tensors (checkpoint)
        # out= variants for deepgrad.compile: (forward(buf, *xs), (vjp_k(buf, g, y, *xs), ...)),
        # each writing into a buffer allocated once (used where it gives eager's values)
        self.out = out
        self.batch = batch  # the name of its batching rule in engine/batching.py (vmap), or None

    __call__ = apply  # prim(*args, **params) is apply(prim, *args, **params), with no frame between

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


def registry() -> dict:
    """Every public primitive by name: the module-level Primitives of deepgrad.engine's modules.

    A primitive declared at module level in any engine file (this one, or a new one such as a
    convolution file) joins the registry, and with it the differential fuzzer (tests/fuzz),
    which fails until the primitive has a fuzz entry. Primitives made at run time
    (``checkpoint``, custom rules) are not module-level and stay out.
    """
    import importlib
    import pkgutil

    package = importlib.import_module("deepgrad.engine")
    found = {}
    for info in pkgutil.walk_packages(package.__path__, "deepgrad.engine."):
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, Primitive):
                found.setdefault(value.name, value)
    return found


class _EveryInput:
    """``vjps`` for variadic primitives (concatenate, stack): ``vjps[i]`` is ``rule(i)``."""

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        return lambda *a, **k: self.rule(i, *a, **k)


def _sum_dots(terms):
    """Sum the non-None JVP terms (None when every input's tangent was None)."""
    total = None
    for t in terms:
        if t is not None:
            total = t if total is None else total + t
    return total


def pointwise(name, forward, vjps, **declared):
    """An elementwise primitive from VJP rules that scale y_bar pointwise (x_bar_i = y_bar dy/dx_i).

    The JVP is the same rules applied to the tangents, y_dot = sum_i vjp_i(x_dot_i): the Jacobian
    of an elementwise map is diagonal, so it is its own transpose. Other keywords are Primitive's.
    """
    def jvp(d, dots, y, *xs, **params):
        return _sum_dots(rule(d, t, y, *xs, **params) for rule, t in zip(vjps, dots) if t is not None)

    return Primitive(name, forward, vjps, jvp, batch="elementwise", **declared)


def elementwise(name, forward, *partials):
    """An elementwise primitive from its partial derivatives ``p_i(d, y, *xs) = dy/dx_i``:
    x_bar_i = y_bar * p_i, and so (``pointwise``) y_dot = sum_i p_i * x_dot_i."""
    return pointwise(name, forward, tuple(
        (lambda p: lambda d, g, y, *xs, **kw: g * p(d, y, *xs, **kw))(p) for p in partials))


def linear_map(name, forward, vjps, **declared):
    """A primitive linear in its inputs: its JVP is derived, the map itself applied to the tangents.

    Declared, not written (autograd's ``def_linear``, PyTorch's ``auto_linear``): for a linear f,
    y_dot = f(x_dot_1, ..., x_dot_n), an input without a tangent contributing zeros. Only the
    VJP (the adjoint map) is written by hand; other keywords are Primitive's.
    """
    def jvp(d, dots, y, *xs, **params):
        if len(dots) > 1:  # (concatenate, stack)
            dots = [t if t is not None else d.zeros_like(x) for t, x in zip(dots, xs)]
        # on arrays (fast/array_jvp.py) the NumPy forward, on Tensors the primitive itself
        return (forward if type(dots[0]) is np.ndarray else prim)(*dots, **params)

    prim = Primitive(name, forward, vjps, jvp, **declared)
    return prim


# --------------------------------------------------------------------------- shape helpers

def _norm_axis(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints, or None for all axes."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -ndim <= a < (ndim or 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of dimension {ndim}")
    return tuple(sorted(int(a) % (ndim or 1) for a in axes))


def _kept_shape(shape, axis):
    """The shape a reduction over ``axis`` has with keepdims=True."""
    return tuple(1 if axis is None or i in axis else s for i, s in enumerate(shape))


def _count(shape, axis):
    """Number of elements a reduction over ``axis`` combines."""
    return math.prod(shape) if axis is None else math.prod(shape[i] for i in axis)


def _sum_to_axes(shape, target):
    lead = len(shape) - len(target)
    return tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(target) if s == 1 and shape[i + lead] != 1
    )


def _is_basic_index(index):
    """True for indices without integer arrays: they select each element at most once."""
    items = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(i, (list, range)) or (isinstance(i, np.ndarray) and i.dtype != bool)
                   for i in items)
