"""The fuzz table: for every registered primitive, how to make its inputs and its reference.

``FUZZ[name](b)`` gets a ``Builder`` (program.py) and returns ``(deepgrad_source,
reference_source)`` for one call of the primitive ``name`` (its name in
``deepgrad.engine.primitives.registry()``); the reference calls the ``o.*`` vocabulary of
refs.py. test_fuzz.py fails when a registered primitive has no entry here.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

FUZZ = {}
# Functions composed from primitives (no primitive of their own), fuzzed as the primitives are.
COMPOSED = {"var", "log_softmax", "gelu"}


def entry(*names):
    """Register the decorated ``make(b, name)`` for the primitives ``names``."""
    def register(make):
        for name in names:
            FUZZ[name] = (lambda n: lambda b: make(b, n))(name)
        return make
    return register


def _partner_shape(b, shape):
    """A shape that broadcasts with ``shape``: (3,1) with (1,4), (5,) with (2,5), scalars."""
    kind = b.one_of(["same", "ones", "expand", "drop", "lead", "scalar"])
    if kind == "same":
        return shape
    if kind == "scalar":
        return ()
    if kind == "drop" and shape:
        return shape[b.draw(st.integers(1, len(shape))):]
    if kind == "lead":
        return (2,) + shape
    if kind == "ones":
        return tuple(1 if b.draw(st.booleans()) else s for s in shape)
    return tuple(b.draw(st.integers(2, 3)) if s == 1 else s for s in shape)


def _binary_operands(b, da="real", db="real"):
    """Two operands that broadcast, or one operand and a Python number on either side."""
    side = b.one_of(["both", "both", "number-right", "number-left"])
    if side == "both":
        x = b.pick(da)
        y = b.pick(db, shape=_partner_shape(b, b.value(x).shape) if b.draw(st.booleans()) else None)
        try:
            np.broadcast_shapes(b.value(x).shape, b.value(y).shape)
        except ValueError:
            y = b.pick(db, shape=b.value(x).shape)
        return (x, y) if b.draw(st.booleans()) else (y, x) if da == db else (x, y)
    number = {"real": [0.0, 1.0, -2.5, 3.0], "nonzero": [0.5, -2.0], "nonneg": [0.0, 2.0, 0.5],
              "positive": [0.5, 2.0], "two_up": [2.0, 3.0],
              "small": [-1.0, 0.5, 2.0]}
    if side == "number-right":
        return b.pick(da), repr(b.one_of(number[db]))
    return repr(b.one_of(number[da])), b.pick(db)


@entry("add", "sub", "mul", "maximum", "minimum")
def _arith(b, name):
    x, y = _binary_operands(b)
    return f"dg.{name}({x}, {y})", f"o.{name}({x}, {y})"


@entry("div")
def _div(b, name):
    x, y = _binary_operands(b, "real", "nonzero")
    return f"dg.div({x}, {y})", f"o.div({x}, {y})"


@entry("pow")
def _pow(b, name):
    kind = b.one_of(["int-exponent", "real-exponent", "tensor-exponent", "number-base"])
    if kind == "int-exponent":  # any base (zeros too): exponents 0, 1, 2, 3; -1 on positives
        p = b.one_of([0.0, 1.0, 2.0, 3.0, -1.0])
        x = b.pick("positive" if p < 0 else "real")
        return f"{x} ** {p}", f"o.pow({x}, {p})"
    if kind == "real-exponent":
        x = b.pick("nonneg")
        p = b.one_of([0.5, 1.5, 2.5])
        return f"{x} ** {p}", f"o.pow({x}, {p})"
    if kind == "tensor-exponent":  # a**p, both differentiable: zero bases with p >= 2, or p = 0
        # on positive bases (where PyTorch's Hessian is wrong); not both: 0**p is discontinuous
        # at p = 0. For 0 < p < 2 a second derivative at a = 0 is infinite (deepgrad gives the
        # limit, tests/fuzz/test_found.py): a Hessian's other entries are then inf * 0 = NaN
        # and PyTorch and JAX give 0 or NaN; docs/conventions.md
        x, p = _binary_operands(b, *b.one_of([("nonneg", "two_up"), ("positive", "nonneg")]))
        return f"dg.pow({x}, {p})", f"o.pow({x}, {p})"
    p, base = b.pick("nonzero"), b.one_of([2.0, 0.5])
    return f"{base} ** {p}", f"o.pow({base}, {p})"


@entry("pow_da", "pow_dp")
def _pow_partials(b, name):  # pow's partials p a^(p-1) and a^p log a on positive bases (their
    # limits at a = 0 are reached through pow's own entry, whose second derivatives they are)
    x, p = _binary_operands(b, "positive", "small")  # |p| <= 3: no overflow (700 ** 700 once)
    return f"P.{name}({x}, {p})", f"o.{name}({x}, {p})"


_UNARY = {"exp": "real", "log": "positive", "sqrt": "nonneg", "abs": "real", "sign": "real",
          "sin": "real", "cos": "real", "tanh": "real", "sigmoid": "real", "erf": "real",
          "relu": "real", "softplus": "real", "gelu": "real", "neg": "real"}


@entry(*_UNARY)
def _unary(b, name):
    x = b.pick(_UNARY[name])
    if name == "neg":
        return f"-{x}", f"o.neg({x})"
    return f"dg.{name}({x})", f"o.{name}({x})"


@entry("leaky_relu")
def _leaky(b, name):
    x, s = b.pick(), b.one_of([0.01, 0.2, 1.5])
    return f"dg.leaky_relu({x}, {s})", f"o.leaky_relu({x}, {s})"


@entry("where")
def _where(b, name):
    x, y = _binary_operands(b)
    shape = np.broadcast_shapes(*(np.shape(b.value(v)) if v[0] in "xv" else () for v in (x, y)))
    cond_shape = _partner_shape(b, shape)
    if cond_shape != shape and np.broadcast_shapes(cond_shape, shape) != shape:
        cond_shape = shape
    cond = b.lit(np.asarray(b.draw(st.lists(st.booleans(), min_size=int(np.prod(cond_shape)),
                                            max_size=int(np.prod(cond_shape)))),
                            dtype=bool).reshape(cond_shape))
    return f"dg.where({cond}, {x}, {y})", f"o.where({cond}, {x}, {y})"


@entry("clip")
def _clip(b, name):
    x = b.pick()
    lo, hi = b.one_of([None, -1.0, -0.5, 0.0]), b.one_of([None, 0.0, 0.5, 1.0])
    if lo is None and hi is None:
        lo = 0.0
    return f"dg.clip({x}, {lo}, {hi})", f"o.clip({x}, {lo}, {hi})"


@entry("identity")
def _identity(b, name):
    x = b.pick()
    return f"P.identity({x})", f"o.identity({x})"


@entry("astype")
def _astype(b, name):  # a round trip through float32: the program stays float64
    x = b.pick()
    return f"dg.astype(dg.astype({x}, np.float32), np.float64)", f"o.astype32({x})"


def _axis(b, ndim):
    kind = b.one_of(["none", "int", "negative", "tuple"])
    if kind == "none":
        return None
    if kind == "tuple":
        axes = b.draw(st.sets(st.integers(0, ndim - 1), min_size=1, max_size=ndim))
        return tuple(sorted(axes))
    a = b.draw(st.integers(0, ndim - 1))
    return a - ndim if kind == "negative" else a


@entry("sum", "mean", "max", "min", "logsumexp")
def _reduction(b, name):
    x = b.pick(min_dims=1)
    axis, keep = _axis(b, b.value(x).ndim), b.draw(st.booleans())
    return f"dg.{name}({x}, axis={axis}, keepdims={keep})", f"o.{name}({x}, {axis}, {keep})"


@entry("var")
def _var(b, name):
    x = b.pick(min_dims=1)
    axis, keep, ddof = _axis(b, b.value(x).ndim), b.draw(st.booleans()), b.one_of([0, 1])
    return (f"dg.var({x}, axis={axis}, keepdims={keep}, ddof={ddof})",
            f"o.var({x}, {axis}, {keep}, {ddof})")


@entry("softmax", "log_softmax")
def _softmax(b, name):
    x = b.pick(min_dims=1)
    axis = b.draw(st.integers(-b.value(x).ndim, b.value(x).ndim - 1))
    return f"dg.{name}({x}, axis={axis})", f"o.{name}({x}, {axis})"


@entry("reshape")
def _reshape(b, name):
    x = b.pick()
    shape = b.value(x).shape
    n = int(np.prod(shape))
    options = [(n,), (-1,), shape + (1,), (1,) + shape, tuple(reversed(shape))]
    options += [(d, n // d) for d in range(2, n) if n % d == 0][:2]
    new = b.one_of(options)
    return f"dg.reshape({x}, {new})", f"o.reshape({x}, {new})"


@entry("transpose")
def _transpose(b, name):
    x = b.pick(min_dims=1)
    ndim = b.value(x).ndim
    axes = None if b.draw(st.booleans()) else tuple(b.draw(st.permutations(range(ndim))))
    if axes is None:
        return f"{x}.T", f"o.transpose({x}, None)"
    return f"dg.transpose({x}, {axes})", f"o.transpose({x}, {axes})"


@entry("broadcast_to")
def _broadcast_to(b, name):
    x = b.pick()
    shape = b.value(x).shape
    target = b.one_of([(2,) + shape, tuple(3 if s == 1 else s for s in shape), shape])
    return f"dg.broadcast_to({x}, {target})", f"o.broadcast_to({x}, {target})"


def _index(b, shape):
    """A NumPy index for ``shape`` (its source and the flat positions it selects), never empty."""
    kind = b.one_of(["basic", "basic", "int-array", "int-arrays", "mask", "row-mask"])
    pos = np.arange(int(np.prod(shape))).reshape(shape)
    if kind == "mask" or kind == "row-mask":
        mshape = shape if kind == "mask" else shape[:1]
        mask = np.asarray(b.draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)),
                                          max_size=int(np.prod(mshape)))), bool).reshape(mshape)
        mask.flat[b.draw(st.integers(0, mask.size - 1))] = True
        return b.lit(mask), pos[mask]
    if kind.startswith("int-array"):
        n = shape[0]
        rows = np.asarray(b.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)))
        if kind == "int-arrays" and len(shape) >= 2:
            m = shape[1]
            cols = np.asarray(b.draw(st.lists(st.integers(-m, m - 1), min_size=len(rows),
                                              max_size=len(rows))))
            return f"{b.lit(rows)}, {b.lit(cols)}", pos[rows, cols]
        return b.lit(rows), pos[rows]
    parts, index = [], []
    for n in shape[:b.draw(st.integers(1, len(shape)))]:
        c = b.one_of(["int", "slice", "all"])
        if c == "int":
            i = b.draw(st.integers(-n, n - 1))
            parts.append(str(i))
            index.append(i)
        elif c == "slice":
            start, step = b.draw(st.integers(-n, n - 1)), b.one_of([1, 2])
            parts.append(f"{start}::{step}")
            index.append(slice(start, None, step))
        else:
            parts.append(":")
            index.append(slice(None))
    return ", ".join(parts), pos[tuple(index)]


@entry("getitem")
def _getitem(b, name):
    x = b.pick(min_dims=1)
    src, flat = _index(b, b.value(x).shape)
    return f"{x}[{src}]", f"o.take({x}, {b.lit(np.asarray(flat))})"


@entry("getitem_adjoint")
def _getitem_adjoint(b, name):  # the adjoint of indexing: zeros(shape) with g added at index
    shape = b.shape(min_dims=1)
    src, flat = _index(b, shape)
    g = b.pick(shape=np.shape(flat))
    index = f"np.s_[{src}]"
    return (f"P._getitem_adjoint({g}, index={index}, shape={shape})",
            f"o.scatter({g}, {b.lit(np.asarray(flat))}, {shape})")


@entry("concatenate")
def _concatenate(b, name):
    x = b.pick(min_dims=1)
    shape = b.value(x).shape
    axis = b.draw(st.integers(-len(shape), len(shape) - 1))
    parts = [x]
    for _ in range(b.draw(st.integers(1, 2))):
        other = list(shape)
        other[axis] = b.draw(st.integers(1, 3))
        parts.append(b.pick(shape=tuple(other)))  # may be x itself: one tensor at two places
    xs = ", ".join(parts)
    return f"dg.concatenate([{xs}], axis={axis})", f"o.concatenate([{xs}], {axis})"


@entry("stack")
def _stack(b, name):
    x = b.pick()
    shape = b.value(x).shape
    xs = ", ".join([x] + [b.pick(shape=shape) for _ in range(b.draw(st.integers(1, 2)))])
    axis = b.draw(st.integers(-len(shape) - 1, len(shape)))
    return f"dg.stack([{xs}], axis={axis})", f"o.stack([{xs}], {axis})"


@entry("pad")
def _pad(b, name):
    x = b.pick(min_dims=1)
    width = tuple((b.draw(st.integers(0, 2)), b.draw(st.integers(0, 2))) for _ in b.value(x).shape)
    return f"dg.pad({x}, {width})", f"o.pad({x}, {width})"


@entry("matmul")
def _matmul(b, name):
    x = b.pick(min_dims=1)
    shape = b.value(x).shape
    k = shape[-1]
    m = b.draw(st.integers(1, 3))
    kind = b.one_of(["vector", "matrix", "batched"])
    other = {"vector": (k,), "matrix": (k, m), "batched": (2, k, m)}[kind]
    if kind == "batched" and len(shape) == 3 and shape[0] != 2:
        other = (shape[0], k, m)
    y = b.pick(shape=other)
    return (f"{x} @ {y}", f"o.matmul({x}, {y})") if b.draw(st.booleans()) else (
        f"dg.matmul({x}, {y})", f"o.matmul({x}, {y})")


@entry("linear")
def _linear(b, name):
    x = b.pick(min_dims=1)
    k, m = b.value(x).shape[-1], b.draw(st.integers(1, 3))
    w = b.pick(shape=(m, k))
    if b.draw(st.booleans()):
        bias = b.pick(shape=(m,))
        return f"dg.linear({x}, {w}, {bias})", f"o.linear({x}, {w}, {bias})"
    return f"dg.linear({x}, {w})", f"o.linear({x}, {w})"


@entry("cross_entropy")
def _cross_entropy(b, name):
    z = b.pick(min_dims=2, max_dims=2)
    n, c = b.value(z).shape
    reduction = b.one_of(["mean", "sum", "none"])
    if b.draw(st.booleans()):
        labels = np.asarray(b.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
        t = b.lit(labels)
    else:
        t = b.pick("unit", shape=(n, c))
    return (f"dg.cross_entropy({z}, {t}, reduction={reduction!r})",
            f"o.cross_entropy({z}, {t}, {reduction!r})")


@entry("binary_cross_entropy_with_logits")
def _bce(b, name):
    z = b.pick()
    t = b.pick("unit", shape=b.value(z).shape)
    reduction = b.one_of(["mean", "sum", "none"])
    return (f"dg.binary_cross_entropy_with_logits({z}, {t}, reduction={reduction!r})",
            f"o.bce_with_logits({z}, {t}, {reduction!r})")


@entry("mse_loss")
def _mse(b, name):
    x = b.pick()
    t = b.pick(shape=b.value(x).shape)
    reduction = b.one_of(["mean", "sum", "none"])
    return f"dg.mse_loss({x}, {t}, reduction={reduction!r})", f"o.mse_loss({x}, {t}, {reduction!r})"


@entry("im2col")
def _windows(b, name):
    """conv1d/conv2d (stride, padding, dilation, groups, bias) and max/avg pooling: every one
    reads its input through im2col (deepgrad/engine/conv.py)."""
    dims = b.one_of([1, 2])
    x = b.pick(shape=(2, 2) + (5,) * dims)
    op = b.one_of(["conv", "max_pool", "avg_pool"])
    if op == "conv":
        groups, k = b.one_of([1, 2]), b.one_of([1, 2, 3])
        w = b.pick(shape=(2, 2 // groups) + (k,) * dims)
        bias = b.one_of([None, b.pick(shape=(2,))])
        stride, padding, dilation = b.one_of([1, 2]), b.one_of([0, 1]), b.one_of([1, 2])
        if (5 + 2 * padding - dilation * (k - 1)) < 1:
            dilation = 1
        args = f"{x}, {w}, {bias}, {stride}, {padding}, {dilation}, {groups}"
        return f"dg.conv{dims}d({args})", f"o.conv({dims}, {args})"
    k, stride = b.one_of([2, 3]), b.one_of([None, 1, 2])
    padding = b.one_of([0, 1]) if k == 3 else 0
    args = f"{x}, {k}, {stride}, {padding}"
    return f"C.{op}{dims}d({args})", f"o.{op}({dims}, {args})"


@entry("col2im")
def _col2im(b, name):
    """The adjoint of im2col, called directly: columns (C, kh, kw, N, oh, ow) summed back."""
    k, stride, padding = b.one_of([(2, 2), (1, 2), (2, 1)]), b.one_of([1, 2]), b.one_of([0, 1])
    out = tuple((4 + 2 * padding - kk) // stride + 1 for kk in k)
    cols = b.pick(shape=(2,) + k + (2,) + out)
    args = f"{cols}, (2, 2, 4, 4), {k}, ({stride}, {stride}), (1, 1), (({padding}, {padding}),) * 2"
    return f"C._col2im({cols}, shape=(2, 2, 4, 4), kernel={k}, stride=({stride}, {stride}), " \
           f"dilation=(1, 1), padding=(({padding}, {padding}),) * 2)", f"o.col2im({args})"

