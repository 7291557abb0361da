"""Every primitive, declared once: NumPy forward, VJP rule(s) and JVP rule side by side.

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

import builtins
import math
import operator

import numpy as np
import scipy.special

from .graph import ShapeError, apply
from .tensor import Tensor


class Primitive:
    """A differentiable operation; calling it runs ``apply`` (record / push tangents / compute)."""

    __slots__ = ("name", "forward", "vjps", "jvp", "jvp_on_arrays")

    def __init__(self, name, forward, vjps, jvp, jvp_on_arrays=True):
        self.name = name
        self.forward = forward
        self.vjps = vjps
        self.jvp = jvp
        self.jvp_on_arrays = jvp_on_arrays  # False when the JVP rule needs Tensors (checkpoint)

    def __call__(self, *args, **params):
        return apply(self, *args, **params)

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


def elementwise(name, forward, *partials):
    """An elementwise primitive from its partial derivatives ``p_i(d, y, *xs) = dy/dx_i``.

    Both rules follow from the partials: x_bar_i = y_bar * p_i and y_dot = sum_i p_i * x_dot_i.
    """
    vjps = tuple(
        (lambda p: lambda d, g, y, *xs, **kw: g * p(d, y, *xs, **kw))(p) for p in partials
    )

    def jvp(d, dots, y, *xs, **kw):
        return _sum_dots(p(d, y, *xs, **kw) * t for p, t in zip(partials, dots) if t is not None)

    return Primitive(name, forward, vjps, jvp)


# --------------------------------------------------------------------------- shape helpers

def _norm_axis(axis, ndim):
    """``axis`` as a sorted tuple of non-negative ints, or None for all axes."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < (ndim or 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of dimension {ndim}")
        out.append(int(a) % (ndim or 1))
    return tuple(sorted(out))


def _kept_shape(shape, axis):
    """The shape a reduction over ``axis`` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else s for i, s in enumerate(shape))


def _count(shape, axis):
    """Number of elements a reduction over ``axis`` combines."""
    if axis is None:
        return math.prod(shape)
    return math.prod(shape[i] for i in axis)


def _sum_to_axes(shape, target):
    lead = len(shape) - len(target)
    return tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(target) if s == 1 and shape[i + lead] != 1
    )


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _is_basic_index(index):
    """True for indices without integer arrays: they select each element at most once."""
    items = index if isinstance(index, tuple) else (index,)
    for i in items:
        if isinstance(i, np.ndarray) and i.dtype != bool:
            return False
        if isinstance(i, (list, range)):
            return False
    return True


# --------------------------------------------------------------------------- ops namespaces

class ARRAY_OPS:
    """The rules' vocabulary on raw ndarrays: a first-order backward records nothing."""

    exp = staticmethod(np.exp)
    log = staticmethod(np.log)
    sqrt = staticmethod(np.sqrt)
    sin = staticmethod(np.sin)
    cos = staticmethod(np.cos)
    sign = staticmethod(np.sign)
    tanh = staticmethod(np.tanh)
    sigmoid = staticmethod(scipy.special.expit)
    erf = staticmethod(scipy.special.erf)
    pow = staticmethod(np.power)
    where = staticmethod(np.where)
    matmul = staticmethod(np.matmul)
    zeros_like = staticmethod(np.zeros_like)

    # ndarray methods: they skip the dispatch layer of the np.* functions (~1 us per call).
    @staticmethod
    def astype(x, dtype):
        return x.astype(dtype)

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def transpose(x, axes=None):
        return x.transpose(axes)

    mT = staticmethod(operator.attrgetter("mT"))  # ndarray.mT, read in C: no Python frame

    @staticmethod
    def sum(x, axis=None, keepdims=False):  # cotangents are float: add.reduce is sum, faster
        return np.add.reduce(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def mean(x, axis=None, keepdims=False):
        return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x.shape, axis)

    @staticmethod
    def broadcast_to(x, shape):
        # Materialised: 0.7 us against np.broadcast_to's 2.6 us, and the next rule needs the
        # values anyway.
        out = np.empty(shape, dtype=x.dtype)
        out[...] = x
        return out

    @staticmethod
    def sum_to(x, shape):
        axes = _sum_to_axes(x.shape, shape)
        return x.sum(axis=axes, keepdims=True).reshape(shape) if axes else x.reshape(shape)

    @staticmethod
    def softmax(x, axis=-1):
        return _softmax_fwd(x, axis)

    @staticmethod
    def log_softmax(x, axis=-1):
        return _log_softmax_fwd(x, axis)

    @staticmethod
    def linear(x, w):
        return np.matmul(x, w.T)

    @staticmethod
    def getitem(x, index):
        return x[index]

    @staticmethod
    def getitem_adjoint(g, index, shape):
        return _getitem_adjoint_fwd(g, index, shape)

    @staticmethod
    def pad(x, pad_width):
        return np.pad(x, pad_width)

    @staticmethod
    def concatenate(xs, axis=0):
        return np.concatenate(xs, axis)

    @staticmethod
    def stack(xs, axis=0):
        return np.stack(xs, axis)


class TENSOR_OPS:
    """The same vocabulary on Tensors, recorded: gradients of gradients come for free.

    Filled in at the end of this module, once the primitives below exist.
    """


# --------------------------------------------------------------------------- arithmetic

# y = a + b          y_dot = a_dot + b_dot          a_bar = y_bar, b_bar = y_bar
add = Primitive(
    "add", np.add,
    (lambda d, g, y, a, b: g, lambda d, g, y, a, b: g),
    lambda d, dots, y, a, b: _sum_dots(dots),
)

# y = a - b          y_dot = a_dot - b_dot          a_bar = y_bar, b_bar = -y_bar
sub = Primitive(
    "sub", np.subtract,
    (lambda d, g, y, a, b: g, lambda d, g, y, a, b: -g),
    lambda d, dots, y, a, b: dots[0] if dots[1] is None else (
        -dots[1] if dots[0] is None else dots[0] - dots[1]),
)

# y = -x             y_dot = -x_dot                 x_bar = -y_bar
neg = Primitive("neg", np.negative, (lambda d, g, y, x: -g,), lambda d, dots, y, x: -dots[0])

# y = a * b          y_dot = a_dot b + a b_dot      a_bar = y_bar b, b_bar = y_bar a
mul = elementwise("mul", np.multiply, lambda d, y, a, b: b, lambda d, y, a, b: a)

# y = a / b          y_dot = a_dot / b - y b_dot / b      a_bar = y_bar / b, b_bar = -y_bar y / b
div = Primitive(
    "div", np.divide,
    (lambda d, g, y, a, b: g / b, lambda d, g, y, a, b: -g * y / b),
    lambda d, dots, y, a, b: _sum_dots(
        (dots[0] / b if dots[0] is not None else None,
         -y * dots[1] / b if dots[1] is not None else None)),
)

def _pow_da(d, y, a, p):
    """p a^(p-1), and 0 where a = 0 and p = 0 (d/da a^0 = 0; the formula gives 0 * inf)."""
    # NOTE: a "double where": the excluded entries are computed on a safe base (1), so no NaN
    # reaches the derivatives of this rule either (d2/da2 a^1 at 0 is 0, as PyTorch).
    both = np.logical_and(_data(a == 0), _data(p == 0))
    return d.where(both, 0.0, p * d.pow(d.where(both, 1.0, a), p - 1))


def _pow_dp(d, y, a, p):
    """a^p log a, and 0 where a = 0 (0^p is constant for p > 0; PyTorch's choice at p <= 0)."""
    zero = _data(a == 0)
    return d.where(zero, 0.0, y * d.log(d.where(zero, 1.0, a)))


# y = a ** p         dy/da = p a^(p-1)              dy/dp = y log a
# NOTE: at a = 0 the formulas meet 0 * inf; the exact limits are taken instead (see _pow_da/_dp).
pow = elementwise("pow", np.power, _pow_da, _pow_dp)

# --------------------------------------------------------------------------- elementwise maths

# y = exp(x)         y_dot = y x_dot                x_bar = y_bar y
exp = elementwise("exp", np.exp, lambda d, y, x: y)

# y = log(x)         y_dot = x_dot / x              x_bar = y_bar / x
log = Primitive("log", np.log, (lambda d, g, y, x: g / x,), lambda d, dots, y, x: dots[0] / x)

# y = sqrt(x)        y_dot = x_dot / (2 y)          x_bar = y_bar / (2 y)
sqrt = Primitive(
    "sqrt", np.sqrt, (lambda d, g, y, x: g / (2 * y),), lambda d, dots, y, x: dots[0] / (2 * y)
)

# y = |x|            dy/dx = sign(x)
# NOTE: abs'(0) = 0 (sign(0) = 0), the subgradient PyTorch and JAX return.
abs = elementwise("abs", np.abs, lambda d, y, x: d.sign(x))

# y = sign(x)        dy/dx = 0 (almost everywhere; 0 at the jump too)
sign = Primitive(
    "sign", np.sign, (lambda d, g, y, x: d.zeros_like(g),), lambda d, dots, y, x: d.zeros_like(y)
)

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
)


def _leaky_relu_fwd(x, negative_slope):
    return np.where(x > 0, x, x * negative_slope)


# y = x if x > 0 else s x
# NOTE: the derivative at 0 is s (the left slope), as PyTorch.
_leaky_relu = Primitive(
    "leaky_relu", _leaky_relu_fwd,
    (lambda d, g, y, x, negative_slope: d.where(x > 0, g, g * negative_slope),),
    lambda d, dots, y, x, negative_slope: d.where(x > 0, dots[0], dots[0] * negative_slope),
)


def leaky_relu(x, negative_slope=0.01):
    """max(x, 0) + negative_slope * min(x, 0)."""
    return _leaky_relu(x, negative_slope=float(negative_slope))


# y = log(1 + e^x)   dy/dx = sigmoid(x)     (logaddexp is stable for large |x|)
softplus = elementwise("softplus", lambda x: np.logaddexp(0, x), lambda d, y, x: d.sigmoid(x))

_SQRT_HALF = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _gelu_fwd(x):
    return 0.5 * x * (1 + scipy.special.erf(x * _SQRT_HALF))


# y = x Phi(x)       dy/dx = Phi(x) + x phi(x)     (exact GELU, PyTorch's default)
gelu = elementwise(
    "gelu", _gelu_fwd,
    lambda d, y, x: 0.5 * (1 + d.erf(x * _SQRT_HALF)) + x * d.exp(-0.5 * x * x) * _INV_SQRT_2PI,
)


def _tie_split(d, g, a, b):
    """g where a > b, g/2 where a == b, 0 elsewhere."""
    # NOTE: at ties maximum/minimum split the gradient evenly between both inputs (as PyTorch).
    zero = d.zeros_like(g)
    return d.where(a == b, g * 0.5, d.where(a > b, g, zero))


# y = max(a, b)      a_bar = y_bar [a > b] + y_bar/2 [a == b]
maximum = Primitive(
    "maximum", np.maximum,
    (lambda d, g, y, a, b: _tie_split(d, g, a, b), lambda d, g, y, a, b: _tie_split(d, g, b, a)),
    lambda d, dots, y, a, b: _sum_dots(
        _tie_split(d, t, x, o) for t, x, o in ((dots[0], a, b), (dots[1], b, a)) if t is not None),
)

# y = min(a, b)      a_bar = y_bar [a < b] + y_bar/2 [a == b]
minimum = Primitive(
    "minimum", np.minimum,
    (lambda d, g, y, a, b: _tie_split(d, g, b, a), lambda d, g, y, a, b: _tie_split(d, g, a, b)),
    lambda d, dots, y, a, b: _sum_dots(
        _tie_split(d, t, o, x) for t, x, o in ((dots[0], a, b), (dots[1], b, a)) if t is not None),
)


def _where_fwd(cond, a, b):
    return np.where(cond, a, b)


# y = a where c else b         a_bar = y_bar [c], b_bar = y_bar [not c]   (c is not differentiable)
_where = Primitive(
    "where", _where_fwd,
    (None,
     lambda d, g, y, c, a, b: d.where(c, g, d.zeros_like(g)),
     lambda d, g, y, c, a, b: d.where(c, d.zeros_like(g), g)),
    lambda d, dots, y, c, a, b: d.where(
        c,
        dots[1] if dots[1] is not None else d.zeros_like(y),
        dots[2] if dots[2] is not None else d.zeros_like(y)),
)


def where(cond, x, y):
    """Elementwise ``x if cond else y``; ``cond`` is a bool array or Tensor (no gradient)."""
    return _where(_data(cond), x, y)


def _clip_mask(x, lo, hi):
    x = _data(x)
    mask = np.ones(x.shape, dtype=bool)
    if lo is not None:
        mask &= x >= lo
    if hi is not None:
        mask &= x <= hi
    return mask


# y = clip(x, lo, hi)          x_bar = y_bar [lo <= x <= hi]
# NOTE: at the bounds the gradient passes (the inclusive mask PyTorch's clamp uses).
_clip = Primitive(
    "clip", lambda x, lo, hi: np.clip(x, lo, hi),
    (lambda d, g, y, x, lo, hi: d.where(_clip_mask(x, lo, hi), g, 0.0),),
    lambda d, dots, y, x, lo, hi: d.where(_clip_mask(x, lo, hi), dots[0], 0.0),
)


def clip(x, lo=None, hi=None):
    """Clamp values into [lo, hi] (either bound may be None)."""
    if lo is None and hi is None:
        return identity(x)
    return _clip(x, lo=lo, hi=hi)


# y = x (a new node: transforms use it to give an argument its own place in the graph)
identity = Primitive(
    "identity", lambda x: x, (lambda d, g, y, x: g,), lambda d, dots, y, x: dots[0]
)

# y = x.astype(dtype)          x_bar = y_bar (cast back by the engine)
_astype = Primitive(
    "astype", lambda x, dtype: x.astype(dtype),
    (lambda d, g, y, x, dtype: g,),
    lambda d, dots, y, x, dtype: d.astype(dots[0], dtype),
)


def astype(x, dtype):
    """Cast to ``dtype``; gradients are cast back to the input's dtype."""
    return _astype(x, dtype=np.dtype(dtype))


# --------------------------------------------------------------------------- reductions

def _expand(d, g, shape, axis, keepdims):
    """Broadcast a reduction's cotangent back over the reduced axes."""
    if not keepdims:
        g = d.reshape(g, _kept_shape(shape, axis))
    return d.broadcast_to(g, shape)


# y = sum_axis x               y_dot = sum_axis x_dot        x_bar = broadcast(y_bar)
_sum = Primitive(
    "sum", lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
    (lambda d, g, y, x, axis, keepdims: _expand(d, g, x.shape, axis, keepdims),),
    lambda d, dots, y, x, axis, keepdims: d.sum(dots[0], axis, keepdims),
)

# y = mean_axis x              x_bar = broadcast(y_bar) / n
def _mean_fwd(x, axis, keepdims):
    # np.add.reduce / n is what np.mean computes, without its 3 us of Python dispatch.
    if x.dtype.kind != "f":
        return np.mean(x, axis=axis, keepdims=keepdims)
    return np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x.shape, axis)


_mean = Primitive(
    "mean", _mean_fwd,
    (lambda d, g, y, x, axis, keepdims:
        _expand(d, g, x.shape, axis, keepdims) / _count(x.shape, axis),),
    lambda d, dots, y, x, axis, keepdims: d.mean(dots[0], axis, keepdims),
)


def _extremum_share(d, g, y, x, axis, keepdims):
    """g / k on each of the k entries attaining the max (or min), 0 elsewhere (g: x's shape)."""
    # NOTE: ties split the gradient evenly (as torch.amax / jnp.max); selection by where, so
    # an infinite g elsewhere gives 0, not 0 * inf = NaN.
    y_k = y if keepdims else d.reshape(y, _kept_shape(x.shape, axis))
    hit = _data(x == y_k)
    count = np.sum(hit, axis=axis, keepdims=True).astype(x.dtype)
    return d.where(hit, g / count, 0.0)


def _extremum(name, fn):
    return Primitive(
        name, lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims),
        (lambda d, g, y, x, axis, keepdims:
            _extremum_share(d, _expand(d, g, x.shape, axis, keepdims), y, x, axis, keepdims),),
        lambda d, dots, y, x, axis, keepdims:
            d.sum(_extremum_share(d, dots[0], y, x, axis, keepdims), axis, keepdims),
    )


# y = max_axis x               x_bar = broadcast(y_bar) [x == y] / #ties
_max = _extremum("max", np.max)
# y = min_axis x               x_bar = broadcast(y_bar) [x == y] / #ties
_min = _extremum("min", np.min)


def _var_direction(d, x, axis, ddof):
    """dy/dx of the variance: 2 (x - mean) / (n - ddof); NaN/inf when ddof >= n, as PyTorch."""
    with np.errstate(divide="ignore"):
        return (x - d.mean(x, axis, True)) * np.divide(2.0, np.float64(builtins.max(_count(x.shape, axis) - ddof, 0)))


# y = sum (x - mean)^2 / (n - ddof)     x_bar = y_bar 2 (x - mean) / (n - ddof)
_var = Primitive(
    "var", lambda x, axis, keepdims, ddof: np.var(x, axis=axis, keepdims=keepdims, ddof=ddof),
    (lambda d, g, y, x, axis, keepdims, ddof:
        _expand(d, g, x.shape, axis, keepdims) * _var_direction(d, x, axis, ddof),),
    lambda d, dots, y, x, axis, keepdims, ddof:
        d.sum(dots[0] * _var_direction(d, x, axis, ddof), axis, keepdims),
)


def _reduce_kept(ufunc, x, axis):
    """``ufunc.reduce(x, axis, keepdims=True)``, fast for the rows of a logits matrix.

    NumPy reduces a short contiguous last axis one row at a time: a row max of (64, 10) float32
    logits takes 3.8 us, of (512, 10) 23 us. Reducing the transposed copy over its first axis
    runs whole columns as vectors: 1.6 and 3.2 us. (ufunc methods also skip np.max's dispatch.)
    """
    if x.ndim == 2 and axis in ((1,), (-1,), 1, -1) and x.shape[1] <= 64:
        return ufunc.reduce(np.ascontiguousarray(x.T), axis=0)[:, None]
    return ufunc.reduce(x, axis=axis, keepdims=True)


def _logsumexp_fwd(x, axis, keepdims):
    # NOTE: stability rewrite: log sum exp(x) = m + log sum exp(x - m) with m = max x.
    m = _reduce_kept(np.maximum, x, axis)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(_reduce_kept(np.add, np.exp(x - m), axis)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _logsumexp_weights(d, y, x, axis, keepdims):
    """softmax(x) along axis: exp(x - y)."""
    y_k = y if keepdims else d.reshape(y, _kept_shape(x.shape, axis))
    return d.exp(x - y_k)


# y = log sum_axis exp(x)      x_bar = y_bar softmax(x)      y_dot = sum softmax(x) x_dot
_logsumexp = Primitive(
    "logsumexp", _logsumexp_fwd,
    (lambda d, g, y, x, axis, keepdims:
        _expand(d, g, x.shape, axis, keepdims) * _logsumexp_weights(d, y, x, axis, keepdims),),
    lambda d, dots, y, x, axis, keepdims:
        d.sum(dots[0] * _logsumexp_weights(d, y, x, axis, keepdims), axis, keepdims),
)


def _reduction(prim, x, axis, keepdims, **kw):
    ndim = x.ndim if isinstance(x, (Tensor, np.ndarray)) else np.ndim(x)
    return prim(x, axis=_norm_axis(axis, ndim), keepdims=bool(keepdims), **kw)


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (int, tuple or None for all)."""
    return _reduction(_sum, x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``."""
    return _reduction(_mean, x, axis, keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``; ties share the gradient evenly."""
    return _reduction(_max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis``; ties share the gradient evenly."""
    return _reduction(_min, x, axis, keepdims)


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over ``axis``; ``ddof=0`` (biased) as NumPy; pass ``ddof=1`` for torch.var's."""
    return _reduction(_var, x, axis, keepdims, ddof=int(ddof))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed stably."""
    return _reduction(_logsumexp, x, axis, keepdims)


def _softmax_fwd(x, axis):
    e = np.exp(x - _reduce_kept(np.maximum, x, axis))
    e /= _reduce_kept(np.add, e, axis)
    return e


def _log_softmax_fwd(x, axis):
    return x - _logsumexp_fwd(x, axis, True)


# y = softmax(x)     x_bar = y (y_bar - sum(y_bar y))      y_dot = y (x_dot - sum(x_dot y))
_softmax = Primitive(
    "softmax", _softmax_fwd,
    (lambda d, g, y, x, axis: y * (g - d.sum(g * y, axis, True)),),
    lambda d, dots, y, x, axis: y * (dots[0] - d.sum(dots[0] * y, axis, True)),
)

# y = x - logsumexp(x)     x_bar = y_bar - exp(y) sum(y_bar)    y_dot = x_dot - sum(exp(y) x_dot)
_log_softmax = Primitive(
    "log_softmax", _log_softmax_fwd,
    (lambda d, g, y, x, axis: g - d.exp(y) * d.sum(g, axis, True),),
    lambda d, dots, y, x, axis: dots[0] - d.sum(d.exp(y) * dots[0], axis, True),
)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, computed stably."""
    return _softmax(x, axis=_norm_axis(axis, x.ndim))


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    return _log_softmax(x, axis=_norm_axis(axis, x.ndim))


# --------------------------------------------------------------------------- shape ops
# Linear maps: each JVP is the op applied to the tangent.

# y = reshape(x)              x_bar = reshape(y_bar, x.shape)
_reshape = Primitive(
    "reshape", lambda x, shape: np.reshape(x, shape),
    (lambda d, g, y, x, shape: d.reshape(g, x.shape),),
    lambda d, dots, y, x, shape: d.reshape(dots[0], shape),
)


def reshape(x, shape):
    """View ``x`` with a new shape (one entry may be -1)."""
    return _reshape(x, shape=tuple(shape) if isinstance(shape, (tuple, list)) else (shape,))


def _inverse_axes(axes):
    return None if axes is None else tuple(np.argsort(axes))


# y = transpose(x, axes)      x_bar = transpose(y_bar, axes^-1)
_transpose = Primitive(
    "transpose", lambda x, axes: np.transpose(x, axes),
    (lambda d, g, y, x, axes: d.transpose(g, _inverse_axes(axes)),),
    lambda d, dots, y, x, axes: d.transpose(dots[0], axes),
)


def transpose(x, axes=None):
    """Permute axes (reverse them when ``axes`` is None)."""
    return _transpose(x, axes=None if axes is None else tuple(int(a) for a in axes))


def mT(x):
    """Swap the last two axes (matrix transpose of a batch)."""
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes)


# y = broadcast_to(x, shape)  x_bar = y_bar summed back to x.shape (by the engine)
_broadcast_to = Primitive(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape),
    (lambda d, g, y, x, shape: g,),
    lambda d, dots, y, x, shape: d.broadcast_to(dots[0], shape),
)


def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape`` as NumPy does."""
    return _broadcast_to(x, shape=tuple(shape))


def sum_to(x, shape):
    """Sum ``x`` down to ``shape`` (undo broadcasting): the adjoint of ``broadcast_to``."""
    shape = tuple(shape)
    axes = _sum_to_axes(x.shape, shape)
    return reshape(sum(x, axes, keepdims=True), shape) if axes else reshape(x, shape)


def _getitem_adjoint_fwd(g, index, shape):
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)  # repeated indices accumulate
    return out


# y = x[index]                x_bar = zeros(x.shape) with y_bar added at index
getitem = Primitive(
    "getitem", lambda x, index: x[index],
    (lambda d, g, y, x, index: d.getitem_adjoint(g, index, x.shape),),
    lambda d, dots, y, x, index: d.getitem(dots[0], index),
)

# y = zeros(shape); y[index] += g      g_bar = y_bar[index]     (adjoint of getitem)
_getitem_adjoint = Primitive(
    "getitem_adjoint", _getitem_adjoint_fwd,
    (lambda d, g, y, x, index, shape: d.getitem(g, index),),
    lambda d, dots, y, x, index, shape: d.getitem_adjoint(dots[0], index, shape),
)


def _split_index(i, xs, axis):
    start = int(np.sum([x.shape[axis] for x in xs[:i]], dtype=int))
    sl = [slice(None)] * xs[i].ndim
    sl[axis] = slice(start, start + xs[i].shape[axis])
    return tuple(sl)


def _zeros_for_missing(d, dots, xs):
    return [t if t is not None else d.zeros_like(x) for t, x in zip(dots, xs)]


# y = [x_1, ..., x_n] along axis     x_i_bar = y_bar[slice of x_i]
_concatenate = Primitive(
    "concatenate", lambda *xs, axis: np.concatenate(xs, axis),
    _EveryInput(lambda i, d, g, y, *xs, axis: d.getitem(g, _split_index(i, xs, axis))),
    lambda d, dots, y, *xs, axis: d.concatenate(_zeros_for_missing(d, dots, xs), axis),
)


def concatenate(xs, axis=0):
    """Join tensors along an existing axis."""
    xs = list(xs)
    ndim = xs[0].ndim if isinstance(xs[0], (Tensor, np.ndarray)) else np.ndim(xs[0])
    return _concatenate(*xs, axis=_norm_axis(axis, ndim)[0])


# y = stack(x_1, ..., x_n) on a new axis     x_i_bar = y_bar[i along axis]
_stack = Primitive(
    "stack", lambda *xs, axis: np.stack(xs, axis),
    _EveryInput(lambda i, d, g, y, *xs, axis: d.getitem(g, (slice(None),) * axis + (i,))),
    lambda d, dots, y, *xs, axis: d.stack(_zeros_for_missing(d, dots, xs), axis),
)


def stack(xs, axis=0):
    """Join tensors along a new axis."""
    xs = list(xs)
    ndim = (xs[0].ndim if isinstance(xs[0], (Tensor, np.ndarray)) else np.ndim(xs[0])) + 1
    return _stack(*xs, axis=_norm_axis(axis, ndim)[0])


def _unpad_index(pad_width, shape):
    return tuple(slice(lo, lo + n) for (lo, _), n in zip(pad_width, shape))


# y = pad(x, pad_width) with zeros    x_bar = y_bar[the interior]
_pad = Primitive(
    "pad", lambda x, pad_width: np.pad(x, pad_width),
    (lambda d, g, y, x, pad_width: d.getitem(g, _unpad_index(pad_width, x.shape)),),
    lambda d, dots, y, x, pad_width: d.pad(dots[0], pad_width),
)


def pad(x, pad_width):
    """Zero-pad: ``pad_width`` is an int, a (before, after) pair, or one pair per axis."""
    ndim = x.ndim
    pw = np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))
    return _pad(x, pad_width=tuple((int(a), int(b)) for a, b in pw))


# --------------------------------------------------------------------------- matmul

def _as_matrices(a, b):
    """Promote 1-D operands as np.matmul does: a -> (1, k), b -> (k, 1)."""
    a2 = a if a.ndim > 1 else a.reshape(1, -1) if isinstance(a, np.ndarray) else reshape(a, (1, -1))
    b2 = b if b.ndim > 1 else b.reshape(-1, 1) if isinstance(b, np.ndarray) else reshape(b, (-1, 1))
    return a2, b2


def _matmul_vjp(which):
    def rule(d, g, y, a, b):
        if a.ndim == 2 and b.ndim == 2:  # the common case, no reshapes
            return d.matmul(g, d.mT(b)) if which == 0 else d.matmul(d.mT(a), g)
        a2, b2 = _as_matrices(a, b)
        full = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
        g2 = d.reshape(g, full)
        if which == 0:
            return d.reshape(d.sum_to(d.matmul(g2, d.mT(b2)), a2.shape), a.shape)
        return d.reshape(d.sum_to(d.matmul(d.mT(a2), g2), b2.shape), b.shape)
    return rule


# y = a @ b (batched, 1-D promoted as NumPy)   a_bar = y_bar b^T, b_bar = a^T y_bar
# y_dot = a_dot b + a b_dot
matmul = Primitive(
    "matmul", np.matmul,
    (_matmul_vjp(0), _matmul_vjp(1)),
    lambda d, dots, y, a, b: _sum_dots(
        (d.matmul(dots[0], b) if dots[0] is not None else None,
         d.matmul(a, dots[1]) if dots[1] is not None else None)),
)


# --------------------------------------------------------------------------- fused primitives
# Fused for speed (one node and no temporaries on the training hot path) or for stability.

def _linear_fwd(x, w, b=None):
    y = np.matmul(x, w.T)
    if b is not None:
        y += b  # in place on the fresh product: saves a temporary
    return y


def _linear_vjp_w(d, g, y, x, w, b=None):
    if g.ndim == 2:
        return d.matmul(d.mT(g), x)
    return d.matmul(d.mT(d.reshape(g, (-1, g.shape[-1]))), d.reshape(x, (-1, x.shape[-1])))


def _linear_jvp(d, dots, y, x, w, b=None):
    # linear(a, B) = a B^T: one node each, no transpose nodes (forward mode is on hvp's path)
    terms = [d.linear(dots[0], w) if dots[0] is not None else None,
             d.linear(x, dots[1]) if dots[1] is not None else None]
    if len(dots) > 2:
        terms.append(dots[2])
    return _sum_dots(terms)


# y = x W^T + b      x_bar = y_bar W,  W_bar = y_bar^T x,  b_bar = sum_batch y_bar
linear_prim = Primitive(
    "linear", _linear_fwd,
    (lambda d, g, y, x, w, b=None: d.matmul(g, w),
     _linear_vjp_w,
     lambda d, g, y, x, w, b=None: d.sum(g, tuple(range(g.ndim - 1)))),
    _linear_jvp,
)


def linear(x, weight, bias=None):
    """Affine map y = x W^T + b (W: (out, in), b: (out,)), as torch.nn.functional.linear."""
    if bias is None:
        return linear_prim(x, weight)
    return linear_prim(x, weight, bias)


def _is_labels(target):
    return _data(target).dtype.kind in "iu"


def _ce_fwd(z, target, reduction):
    if target.dtype.kind in "iu":
        losses = _logsumexp_fwd(z, (1,), False) - z[np.arange(len(z)), target]
    else:
        losses = -np.sum(target * _log_softmax_fwd(z, (1,)), axis=1)
    return _reduce(losses, reduction)


def _reduce(losses, reduction):
    if reduction == "mean":  # the ufunc directly: np.mean's dispatch costs 2 us per loss
        return np.add.reduce(losses, axis=None) / losses.size
    if reduction == "sum":
        return np.sum(losses)
    return losses


def _per_sample(d, g, n, reduction):
    """Cotangent of the per-sample losses given the reduced loss's cotangent."""
    if reduction == "mean":
        return g / n
    return g if reduction == "sum" else d.reshape(g, (n, 1))


def _ce_residual(d, z, target):
    """d loss_i / d z_i = softmax(z_i) - onehot(y_i), or softmax(z_i) sum_c p_ic - p_i."""
    s = d.softmax(z, (1,))
    if _is_labels(target) and type(s) is np.ndarray:  # a fresh array: subtract 1 in place
        s[np.arange(z.shape[0]), target] -= 1
        return s
    if _is_labels(target):
        onehot = np.zeros(z.shape, dtype=z.dtype)
        onehot[np.arange(z.shape[0]), _data(target)] = 1
        return s - onehot
    return s * d.sum(target, (1,), True) - target  # p need not sum to 1 (as PyTorch)


def _ce_jvp(d, dots, y, z, target, reduction):
    terms = []
    if dots[0] is not None:
        terms.append(d.sum(_ce_residual(d, z, target) * dots[0], (1,)))
    if dots[1] is not None:
        terms.append(-d.sum(dots[1] * d.log_softmax(z, (1,)), (1,)))
    per = _sum_dots(terms)
    if reduction == "mean":
        return d.mean(per)
    return d.sum(per) if reduction == "sum" else per


# loss_i = logsumexp(z_i) - z_i[y_i]  (or -sum_c p_ic log softmax(z_i)_c)
# z_bar = (softmax(z) - onehot(y)) * loss_bar    p_bar = -log softmax(z) * loss_bar
# NOTE: stable for logits of any size: only softmax/logsumexp of shifted logits are formed.
cross_entropy_prim = Primitive(
    "cross_entropy", _ce_fwd,
    (lambda d, g, y, z, target, reduction:
        _ce_residual(d, z, target) * _per_sample(d, g, z.shape[0], reduction),
     lambda d, g, y, z, target, reduction:
        -d.log_softmax(z, (1,)) * _per_sample(d, g, z.shape[0], reduction)),
    _ce_jvp,
)


def _check_reduction(name, reduction):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_class_target(name, logits, target):
    """Integer labels (N,) in [0, C), or float probabilities (N, C), for logits (N, C)."""
    # shapes as the tensors show them (one example's under vmap), values from the arrays
    zs, ts, t = tuple(np.shape(logits)), tuple(np.shape(target)), np.asarray(_data(target))
    if len(zs) != 2:
        raise ShapeError(f"{name}: logits must have shape (N, C), got shape {zs}")
    n, c = zs
    if t.dtype.kind == "f":
        if ts != zs:
            raise TypeError(f"{name}: a float target is read as class probabilities of shape "
                            f"{zs}, got shape {ts}; class labels must be integers "
                            f"(target.astype(np.int64))")
        return
    if t.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class labels or float probabilities, "
                        f"got dtype {t.dtype}")
    if ts != (n,):
        raise ShapeError(f"{name}: target must hold {n} labels of shape ({n},), got shape {ts}")
    from .compile import validation

    with validation():  # a check that raises, not a branch: compiled replays skip it
        bad = n and (np.minimum.reduce(t) < 0 or np.maximum.reduce(t) >= c)
    if bad:
        raise ValueError(f"{name}: target labels must be in [0, {c}) for {c} classes, got values "
                         f"from {t.min()} to {t.max()}")


def cross_entropy(logits, target, reduction="mean"):
    """Softmax cross-entropy of logits (N, C) with integer labels (N,) or probabilities (N, C).

    Validated as ``nn.functional.cross_entropy``: labels outside [0, C) (-1 included), float
    targets that are not (N, C) probabilities and labels of another shape raise, naming target.
    """
    _check_reduction("cross_entropy", reduction)
    _check_class_target("cross_entropy", logits, target)
    return cross_entropy_prim(logits, target, reduction=reduction)


def _bce_fwd(z, y, reduction):
    # NOTE: stability rewrite: max(z, 0) - z y + log(1 + exp(-|z|)) never overflows.
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return _reduce(losses, reduction)


def _bce_scale(d, g, z, reduction):
    if reduction == "mean":
        return g / math.prod(z.shape)  # z may be a Tensor (create_graph)
    return g


def _bce_jvp(d, dots, out, z, y, reduction):
    terms = []
    if dots[0] is not None:
        terms.append((d.sigmoid(z) - y) * dots[0])
    if dots[1] is not None:
        terms.append(-z * dots[1])
    per = _sum_dots(terms)
    if reduction == "mean":
        return d.mean(per)
    return d.sum(per) if reduction == "sum" else per


# loss = max(z,0) - z y + log(1 + e^-|z|)     z_bar = (sigmoid(z) - y) loss_bar, y_bar = -z loss_bar
bce_with_logits_prim = Primitive(
    "binary_cross_entropy_with_logits", _bce_fwd,
    (lambda d, g, out, z, y, reduction: (d.sigmoid(z) - y) * _bce_scale(d, g, z, reduction),
     lambda d, g, out, z, y, reduction: -z * _bce_scale(d, g, z, reduction)),
    _bce_jvp,
)


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """Sigmoid + binary cross-entropy in one stable step (as PyTorch's); shapes must match."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    if np.shape(target) != np.shape(logits):
        raise ShapeError(f"binary_cross_entropy_with_logits: target has shape "
                         f"{np.shape(target)} but logits have shape "
                         f"{np.shape(logits)}; they must match (no broadcasting)")
    return bce_with_logits_prim(logits, target, reduction=reduction)


def _mse_fwd(x, t, reduction):
    diff = x - t
    diff *= diff  # in place: one temporary instead of two
    return _reduce(diff, reduction)


def _mse_scale(d, g, x, reduction):
    """2 loss_bar per element (2 loss_bar / n for the mean): dl_i / dx_i = 2 (x_i - t_i)."""
    if reduction == "mean":
        return g * (2 / math.prod(x.shape))
    return 2 * g


def _mse_jvp(d, dots, out, x, t, reduction):
    dx = dots[0] if dots[1] is None else (-dots[1] if dots[0] is None else dots[0] - dots[1])
    per = 2 * (x - t) * dx
    if reduction == "mean":
        return d.mean(per)
    return d.sum(per) if reduction == "sum" else per


# loss = reduce((x - t)^2)     x_bar = 2 (x - t) loss_bar,  t_bar = -x_bar
# Fused: one node instead of sub, mul and mean (a third of the W1 toy step's graph).
mse_loss_prim = Primitive(
    "mse_loss", _mse_fwd,
    (lambda d, g, out, x, t, reduction: (x - t) * _mse_scale(d, g, x, reduction),
     lambda d, g, out, x, t, reduction: (t - x) * _mse_scale(d, g, x, reduction)),
    _mse_jvp,
)


def mse_loss(input, target, reduction="mean"):
    """Squared error (input - target)^2, reduced by mean, sum or none (shapes must match)."""
    if np.shape(input) != np.shape(target):
        raise ShapeError(f"mse_loss: input has shape {np.shape(input)} but target has "
                         f"shape {np.shape(target)}; they must match (no broadcasting)")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"mse_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return mse_loss_prim(input, target, reduction=reduction)


# --------------------------------------------------------------------------- TENSOR_OPS

def zeros_like(x):
    """A constant (non-differentiable) tensor of zeros shaped like ``x``."""
    if type(x) is not Tensor and isinstance(x, Tensor):
        from .vmap import Batched

        if isinstance(x, Batched):  # a vmap batch: zeros per example, batched alike
            return x.zeros_like()
    return Tensor._wrap(np.zeros_like(_data(x)))


def _tensor_getitem_adjoint(g, index, shape):
    return _getitem_adjoint(g, index=index, shape=tuple(shape))


for _name, _fn in dict(
    exp=exp, log=log, sqrt=sqrt, sin=sin, cos=cos, sign=sign, tanh=tanh, sigmoid=sigmoid,
    erf=erf, pow=pow, where=where, matmul=matmul, broadcast_to=broadcast_to,
    zeros_like=zeros_like, astype=astype, reshape=reshape, transpose=transpose, mT=mT,
    sum=sum, mean=mean, sum_to=sum_to, softmax=softmax, log_softmax=log_softmax,
    getitem=lambda x, index: getitem(x, index=index), getitem_adjoint=_tensor_getitem_adjoint,
    pad=pad, concatenate=concatenate, stack=stack, linear=linear,
).items():
    setattr(TENSOR_OPS, _name, staticmethod(_fn))
