"""Elementwise primitives: arithmetic, the maths functions, activations, where, clip, casts.

Each is one block under a one-line comment with the maths (see ``base.py`` for the rules'
signatures); ``elementwise()`` derives both rules from the partial derivatives.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special

from ..fast import select
from .base import Primitive, _data, elementwise, linear_map, pointwise

# --------------------------------------------------------------------------- arithmetic

# y = a + b          y_dot = a_dot + b_dot          a_bar = y_bar, b_bar = y_bar
add = pointwise("add", np.add, (lambda d, g, y, a, b: g, lambda d, g, y, a, b: g))

# y = a - b          y_dot = a_dot - b_dot          a_bar = y_bar, b_bar = -y_bar
sub = pointwise("sub", np.subtract, (lambda d, g, y, a, b: g, lambda d, g, y, a, b: -g))

# y = -x             y_dot = -x_dot                 x_bar = -y_bar
neg = linear_map("neg", np.negative, (lambda d, g, y, x: -g,), batch="elementwise")

# y = a * b          y_dot = a_dot b + a b_dot      a_bar = y_bar b, b_bar = y_bar a
mul = elementwise("mul", np.multiply, lambda d, y, a, b: b, lambda d, y, a, b: a)

# y = a / b          y_dot = a_dot / b - y b_dot / b      a_bar = y_bar / b, b_bar = -y_bar y / b
div = pointwise("div", np.divide, (lambda d, g, y, a, b: g / b, lambda d, g, y, a, b: -g * y / b))

# pow's two partial derivatives are primitives of their own, so that their derivatives (pow's
# second derivatives) can take the exact limits at a = 0 too, where the formulas meet 0 * inf.

def _pow_da_fwd(a, p):
    """p a^(p-1), and 0 where a = 0 and p = 0 (d/da a^0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((a == 0) & (p == 0), 0.0, p * np.power(a, p - 1))


def _pow_dp_fwd(a, p):
    """a^p log a, and 0 where a = 0 (0^p is constant for p > 0; PyTorch's choice at p <= 0)."""
    zero = a == 0
    return np.where(zero, 0.0, np.power(a, p) * np.log(np.where(zero, 1.0, a)))


def _pow_mixed(d, a, p):
    """d2(a^p)/(da dp) = a^(p-1) (1 + p log a); at a = 0 its limit: 0 for p > 1, -inf for
    0 < p <= 1, +inf for p <= 0. Its own derivatives (third order) are where-guarded only."""
    a_, p_ = _data(a), _data(p)
    zero = a_ == 0
    limit = np.where(p_ > 1, 0.0, np.where(p_ > 0, -np.inf, np.inf))
    safe = d.where(zero, 1.0, a)
    return d.where(zero, limit, d.pow(safe, p - 1) * (1 + p * d.log(safe)))


# y = p a^(p-1)      dy/da = p (p-1) a^(p-2)        dy/dp = a^(p-1) (1 + p log a)
pow_da = elementwise("pow_da", _pow_da_fwd,
                     lambda d, y, a, p: p * d.pow_da(a, p - 1),
                     lambda d, y, a, p: _pow_mixed(d, a, p))

# y = a^p log a      dy/da = a^(p-1) (1 + p log a)  dy/dp = a^p log(a)^2
pow_dp = elementwise("pow_dp", _pow_dp_fwd,
                     lambda d, y, a, p: _pow_mixed(d, a, p),
                     lambda d, y, a, p: d.where(_data(a == 0), 0.0,
                                                y * d.log(d.where(_data(a == 0), 1.0, a))))


def _pow_da_at(d, y, a, p):
    """dy/da; for a constant exponent 2 (``x ** 2``, the commonest power) as a + a: the same
    values as pow_da's 2 a^1 at every a, without its general power and where. An exponent that
    is a Tensor keeps pow_da, whose own derivative in p the mixed second derivative needs."""
    return a + a if type(p) in (int, float) and p == 2 else d.pow_da(a, p)


# y = a ** p         dy/da = p a^(p-1)              dy/dp = y log a
# NOTE: at a = 0 the formulas meet 0 * inf; pow_da and pow_dp take the exact limits instead.
pow = elementwise("pow", np.power, _pow_da_at, lambda d, y, a, p: d.pow_dp(a, p))

# --------------------------------------------------------------------------- elementwise maths

# y = exp(x)         y_dot = y x_dot                x_bar = y_bar y
exp = elementwise("exp", np.exp, lambda d, y, x: y)

# y = log(x)         y_dot = x_dot / x              x_bar = y_bar / x
log = pointwise("log", np.log, (lambda d, g, y, x: g / x,))

# y = sqrt(x)        y_dot = x_dot / (2 y)          x_bar = y_bar / (2 y)
sqrt = pointwise("sqrt", np.sqrt, (lambda d, g, y, x: g / (2 * y),))

# y = |x|            dy/dx = sign(x)
# NOTE: abs'(0) = 0 (sign(0) = 0), the subgradient PyTorch and JAX return.
abs = elementwise("abs", np.abs, lambda d, y, x: d.sign(x))

# y = sign(x)        dy/dx = 0 (almost everywhere; 0 at the jump too)
sign = pointwise("sign", np.sign, (lambda d, g, y, x: d.zeros_like(g),))

# y = sin(x)         dy/dx = cos(x)
sin = elementwise("sin", np.sin, lambda d, y, x: d.cos(x))

# y = cos(x)         dy/dx = -sin(x)
cos = elementwise("cos", np.cos, lambda d, y, x: -d.sin(x))

# y = tanh(x)        dy/dx = 1 - y^2
tanh = elementwise("tanh", np.tanh, lambda d, y, x: 1 - y * y)

# y = sigmoid(x)     dy/dx = y (1 - y)     (scipy's expit is stable for large |x|)
sigmoid = elementwise("sigmoid", scipy.special.expit, lambda d, y, x: y * (1 - y))

# y = erf(x)         dy/dx = 2/sqrt(pi) exp(-x^2)
erf = elementwise("erf", scipy.special.erf, lambda d, y, x: (2 / math.sqrt(math.pi)) * d.exp(-x * x))

# y = max(x, 0)      x_bar = y_bar [x > 0]
# NOTE: ReLU'(0) = 0, as PyTorch and JAX: the kink gets the left derivative.
# NOTE: selection (where), not masking by multiplication: 0 * inf would give NaN.
relu = Primitive(
    "relu", lambda x: np.maximum(x, 0),
    (lambda d, g, y, x: d.where(x > 0, g, 0.0),),
    lambda d, dots, y, x: d.where(x > 0, dots[0], 0.0),
    # out= variants for compile; its x_bar multiplies the bits (fast/select.py): exact, 14x np.where
    out=(lambda o, x: np.maximum(x, 0, out=o),
         (lambda o, g, y, x: select.where_bits(o, select.bits(o), x > 0, select.bits(g)),)),
    batch="elementwise",
)


# y = x if x > 0 else s x
# NOTE: the derivative at 0 is s (the left slope), as PyTorch.
_leaky_relu = pointwise("leaky_relu", lambda x, negative_slope: np.where(x > 0, x, x * negative_slope),
                        (lambda d, g, y, x, negative_slope: d.where(x > 0, g, g * negative_slope),))


def leaky_relu(x, negative_slope=0.01):
    """max(x, 0) + negative_slope * min(x, 0)."""
    return _leaky_relu(x, negative_slope=float(negative_slope))


# y = log(1 + e^x)   dy/dx = sigmoid(x)     (logaddexp is stable for large |x|)
softplus = elementwise("softplus", lambda x: np.logaddexp(0, x), lambda d, y, x: d.sigmoid(x))

_SQRT_HALF = 1 / math.sqrt(2)


def gelu(x):
    """x Phi(x), the exact GELU (PyTorch's default), composed: Phi(x) = (1 + erf(x / sqrt 2)) / 2.

    Its derivative Phi(x) + x phi(x) follows from erf's."""
    return 0.5 * x * (1 + erf(x * _SQRT_HALF))


def _tie_split(d, g, a, b):
    """g where a > b, g/2 where a == b, 0 elsewhere."""
    # NOTE: at ties maximum/minimum split the gradient evenly between both inputs (as PyTorch).
    return d.where(a == b, g * 0.5, d.where(a > b, g, d.zeros_like(g)))


# y = max(a, b)      a_bar = y_bar [a > b] + y_bar/2 [a == b]
maximum = pointwise(
    "maximum", np.maximum,
    (lambda d, g, y, a, b: _tie_split(d, g, a, b), lambda d, g, y, a, b: _tie_split(d, g, b, a)))

# y = min(a, b)      a_bar = y_bar [a < b] + y_bar/2 [a == b]
minimum = pointwise(
    "minimum", np.minimum,
    (lambda d, g, y, a, b: _tie_split(d, g, b, a), lambda d, g, y, a, b: _tie_split(d, g, a, b)))


def _where_jvp(d, dots, y, c, a, b):
    dot = d.where(c, 0.0 if dots[1] is None else dots[1], 0.0 if dots[2] is None else dots[2])
    dot = dot if dot.dtype == y.dtype else d.astype(dot, y.dtype)  # a float32 side, say
    return dot if dot.shape == y.shape else d.broadcast_to(dot, y.shape)


# y = a where c else b         a_bar = y_bar [c], b_bar = y_bar [not c]   (c is not differentiable)
# The missing side is the number 0, where select.where skips np.where's mispredicted per-element
# branch: under hvp relu's rules run on Tensors, through here (345k of W4's 8.2M instructions).
_where = Primitive(
    "where", select.where,
    (None, lambda d, g, y, c, a, b: d.where(c, g, 0.0), lambda d, g, y, c, a, b: d.where(c, 0.0, g)),
    _where_jvp, batch="elementwise",
)


def where(cond, x, y):
    """Elementwise ``x if cond else y``; ``cond`` is a bool array or Tensor (no gradient)."""
    return _where(_data(cond), x, y)


def _clip_mask(x, lo, hi):
    x = _data(x)
    return (True if lo is None else x >= lo) & (True if hi is None else x <= hi)


# y = clip(x, lo, hi)          x_bar = y_bar [lo <= x <= hi]
# NOTE: at the bounds the gradient passes (the inclusive mask PyTorch's clamp uses).
_clip = pointwise("clip", lambda x, lo, hi: np.clip(x, lo, hi),
                  (lambda d, g, y, x, lo, hi: d.where(_clip_mask(x, lo, hi), g, 0.0),))


def clip(x, lo=None, hi=None):
    """Clamp values into [lo, hi] (either bound may be None)."""
    if lo is None and hi is None:
        return identity(x)
    return _clip(x, lo=lo, hi=hi)


# y = x (a new node: transforms use it to give an argument its own place in the graph)
identity = linear_map("identity", lambda x: x, (lambda d, g, y, x: g,), batch="identity")

# y = x.astype(dtype)          x_bar = y_bar (cast back by the engine)
_astype = linear_map("astype", lambda x, dtype: x.astype(dtype), (lambda d, g, y, x, dtype: g,),
                     batch="elementwise")


def astype(x, dtype):
    """Cast to ``dtype``; gradients are cast back to the input's dtype."""
    return _astype(x, dtype=np.dtype(dtype))
