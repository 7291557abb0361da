"""Batching rules: each primitive computed on a whole batch at once, for vmap (see vmap.py).

A rule gets the primitive's arguments as whole ("physical") arrays, each either batched (the
batch axis first) or not (one value shared by every example), and returns the batched result,
computed with the same primitives, so the graph, tangents and higher derivatives follow. Rules
are keyed by name, and each primitive names its own beside its VJP and JVP (``Primitive(...,
batch="reduction")``; ``elementwise()`` gives its primitives the broadcasting rule). Every
built-in primitive has one (tests/func walks the registry).

- elementwise: the batched operands get singleton axes after the batch axis, then broadcast;
- reductions, softmax: the reduced axes move one place right (axis=None: every example axis);
- shape ops (reshape, transpose, broadcast_to, pad, getitem, concatenate, stack): the batch
  axis is prepended to the shape / permutation / padding / index;
- matmul and linear: 1-D operands promoted, the batch axis carried as a leading batch dimension;
- losses: computed per element (reduction="none") on the batch, then reduced per example;
- im2col / col2im: the batch axis joins the convolution's own batch axis N.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np

from . import primitives as P
from .tensor import Tensor
from .batched import Batched, VmapFallbackWarning, _with, levels_of


# --------------------------------------------------------------------------- helpers
# All run inside ``Interpreter.physical()``: shapes seen are whole arrays, ops are not batched.

def _shape(a):
    return tuple(a.shape) if isinstance(a, (Tensor, np.ndarray)) else np.shape(a)


def _ndim(a, batched):
    """An argument's number of axes for one example."""
    return len(_shape(a)) - (1 if batched else 0)


def _expand(a, nd):
    """A batched (B, *s) as (B, 1, ..., 1, *s) with len(s) raised to ``nd`` (for broadcasting)."""
    s = _shape(a)
    if len(s) - 1 >= nd:
        return a
    return P.reshape(a, (s[0],) + (1,) * (nd - len(s) + 1) + s[1:])


def broadcast_batch(interp, a):
    """An unbatched argument repeated over the batch: (B, *shape)."""
    t = a if isinstance(a, Tensor) else Tensor._wrap(np.asarray(a))
    return P.broadcast_to(t, (interp.size,) + t.shape)


def _all_batched(interp, args, bat):
    return [a if b else broadcast_batch(interp, a) for a, b in zip(args, bat)]


def _shift(axis, nd):
    """A normalised axis tuple (or None: all) of one example as axes of the batch."""
    return tuple(range(1, nd + 1)) if axis is None else tuple(a + 1 for a in axis)




# --------------------------------------------------------------------------- vmap's kernel
# y[..., o] = sum_i w[..., o, i] x[..., i], the leading axes broadcast: a linear layer with one
# weight matrix per example. Per-example gradients (a weight broadcast to the batch by the
# identity rule) meet it: the forward then is one matmul with the shared matrix, and the weight's
# cotangent is an outer product per example (a broadcast multiply; np.matmul is slower on it).
# vmap's own: not a public primitive, so it stays out of the registry (as checkpoint's).

def _matvec_fwd(x, w):
    lead = w.ndim - 2
    if lead and all(st == 0 or n == 1 for st, n in zip(w.strides[:lead], w.shape)):
        # one matrix broadcast over the batch (a shared weight): one matmul
        y = np.matmul(x, w[(0,) * lead].T)
        shape = np.broadcast_shapes(x.shape[:-1], w.shape[:-2]) + w.shape[-2:-1]
        return y if y.shape == shape else np.broadcast_to(y, shape).copy()
    return np.matmul(w, x[..., None])[..., 0]


def _matvec_x_bar(d, g, y, x, w):
    # x_bar[..., i] = sum_o g[..., o] w[..., o, i]
    s = np.shape(g)
    return d.reshape(d.matmul(d.reshape(g, s[:-1] + (1, s[-1])), w), s[:-1] + np.shape(w)[-1:])


def _matvec_w_bar(d, g, y, x, w):
    # w_bar[..., o, i] = g[..., o] x[..., i]: the outer product, example by example
    if isinstance(g, np.ndarray) and isinstance(x, np.ndarray):  # on arrays: einsum, 2x faster
        if g.shape[-1] > x.shape[-1]:  # its inner loop along the longer axis: a transposed view
            return np.einsum("...i,...o->...io", x, g).swapaxes(-1, -2)  # (18% off (128, 64))
        return np.einsum("...o,...i->...oi", g, x)
    return d.reshape(g, np.shape(g) + (1,)) * d.reshape(x, np.shape(x)[:-1] + (1, np.shape(x)[-1]))


def _matvec_jvp(d, dots, y, x, w):
    terms = []
    if dots[0] is not None:
        terms.append(d.matmul(w, d.reshape(dots[0], np.shape(dots[0]) + (1,))))
    if dots[1] is not None:
        terms.append(d.matmul(dots[1], d.reshape(x, np.shape(x) + (1,))))
    total = terms[0] if len(terms) == 1 else terms[0] + terms[1]
    s = np.shape(total)
    return d.reshape(total, s[:-1])


_kernels = SimpleNamespace(matvec=P.Primitive(
    "vmap_matvec", _matvec_fwd, (_matvec_x_bar, _matvec_w_bar), _matvec_jvp, batch="matvec"))


# --------------------------------------------------------------------------- the rules

def elementwise(interp, prim, args, bat, params):
    nd = max(_ndim(a, b) for a, b in zip(args, bat))
    return prim(*[_expand(a, nd) if b else a for a, b in zip(args, bat)], **params)


def identity(interp, prim, args, bat, params):
    # NOTE: an input of vjp/jvp inside vmap is made by identity: batching it here makes every
    # derivative it starts a per-example one (per-example gradients of shared parameters).
    # It is applied physically first, so that outer vmaps broadcast it to their batch too.
    return prim(args[0]) if bat[0] else broadcast_batch(interp, prim(args[0]))


def reduction(interp, prim, args, bat, params):
    nd = _ndim(args[0], True)
    return prim(args[0], **{**params, "axis": _shift(params["axis"], nd)})


def reshape(interp, prim, args, bat, params):
    return prim(args[0], shape=(interp.size,) + tuple(params["shape"]))


def transpose(interp, prim, args, bat, params):
    nd = _ndim(args[0], True)
    axes = params["axes"]
    axes = tuple(range(nd, 0, -1)) if axes is None else tuple(a + 1 for a in axes)
    return prim(args[0], axes=(0,) + axes)


def broadcast_to(interp, prim, args, bat, params):
    shape = tuple(params["shape"])
    return prim(_expand(args[0], len(shape)), shape=(interp.size,) + shape)


def _front(index):
    """How many axes NumPy puts in front for the advanced indices of ``index`` when they are
    split by a slice (``x[0, :, idx]``: integers count as advanced beside an array), else 0."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [isinstance(i, (np.ndarray, list)) for i in items]
    adv = [a or (any(arrays) and isinstance(i, (int, np.integer))) for i, a in zip(items, arrays)]
    if sum(1 for k, f in enumerate(adv) if f and (k == 0 or not adv[k - 1])) < 2:
        return 0
    return max(1 if np.asarray(i).dtype == bool else np.ndim(i) for i, f in zip(items, adv) if f)


def _batched_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return (slice(None),) + items


def getitem(interp, prim, args, bat, params):
    index = params["index"]
    items = index if isinstance(index, tuple) else (index,)
    if any(levels_of(i) for i in items):
        return _gather(interp, args[0] if bat[0] else broadcast_batch(interp, args[0]), items)
    y = prim(args[0], index=_batched_index(index))
    k = _front(index)  # the batch axis comes after the advanced ones: move it to the front
    return P.transpose(y, (k,) + tuple(i for i in range(len(_shape(y))) if i != k)) if k else y


def _gather(interp, x, items):
    """``x[index]`` with per-example integer arrays in the index: one NumPy gather whose first
    index is the batch's ``arange`` (broadcast against them), the axes put where one example's
    NumPy indexing puts them."""
    if any(levels_of(i) not in ((), (interp.level,)) or np.asarray(i).dtype == bool
           for i in items if isinstance(i, np.ndarray)):
        raise NotImplementedError("vmap: an index batched under several vmaps, or a per-example "
                                  "boolean mask (its size varies by example), is not supported")
    adv = [isinstance(i, (np.ndarray, list, int, np.integer)) for i in items]
    nd = max(np.ndim(i) - bool(levels_of(i)) for i, f in zip(items, adv) if f)
    lift = [(interp.size,) + (1,) * (nd - np.ndim(i) + 1) + np.shape(i)[1:] for i in items]
    y = P.getitem(x, index=(np.arange(interp.size).reshape((interp.size,) + (1,) * nd),) + tuple(
        i.reshape(s) if levels_of(i) else i for i, s in zip(items, lift)))
    if adv[0] or _front(items):
        return y  # NumPy puts the advanced axes first for one example too
    first = adv.index(True)
    # axes of the slices before the advanced run (an Ellipsis stands for the ones not indexed)
    rest = _ndim(x, True) - sum(1 for i in items if i is not None and i is not Ellipsis)
    lead = sum(rest if i is Ellipsis else 1 for i in items[:first])
    perm = tuple(range(1 + nd, 1 + nd + lead)) + tuple(range(1, 1 + nd))
    return P.transpose(y, (0,) + perm + tuple(range(1 + nd + lead, len(_shape(y)))))


def getitem_adjoint(interp, prim, args, bat, params):
    index, g = params["index"], args[0]
    k = _front(index)
    if k:  # g as the batched getitem laid it out: the batch axis after the advanced ones
        g = P.transpose(g, tuple(range(1, k + 1)) + (0,) + tuple(range(k + 1, len(_shape(g)))))
    return prim(g, index=_batched_index(index), shape=(interp.size,) + tuple(params["shape"]))


def join(interp, prim, args, bat, params):
    """concatenate and stack: every operand batched, the axis one place right."""
    return prim(*_all_batched(interp, args, bat), axis=params["axis"] + 1)


def pad(interp, prim, args, bat, params):
    return prim(args[0], pad_width=((0, 0),) + tuple(params["pad_width"]))


def _matmul(interp, a, ba, b, bb):
    """a @ b for one example, on the batch (NumPy's 1-D promotion and batch broadcasting)."""
    na, nb = _ndim(a, ba), _ndim(b, bb)
    if ba and not bb and nb == 2:  # a shared matrix: the batch is one more row axis of a, so
        return P.matmul(a, b)      # one GEMM (64 (1, 64) rows by one matrix: 2.4x faster)
    if ba and na == 1:
        a = P.reshape(a, (interp.size, 1) + _shape(a)[1:])
    elif not ba and na == 1:
        a = P.reshape(a, (1,) + _shape(a))
    if bb and nb == 1:
        b = P.reshape(b, _shape(b) + (1,))
    elif not bb and nb == 1:
        b = P.reshape(b, _shape(b) + (1,))
    n = max(_ndim(a, ba), _ndim(b, bb))
    a = _expand(a, n) if ba else a
    b = _expand(b, n) if bb else b
    y = P.matmul(a, b)
    s = _shape(y)
    if na == 1 and nb == 1:
        return P.reshape(y, s[:-2])
    if na == 1:
        return P.reshape(y, s[:-2] + s[-1:])
    if nb == 1:
        return P.reshape(y, s[:-1])
    return y


def matmul(interp, prim, args, bat, params):
    return _matmul(interp, args[0], bat[0], args[1], bat[1])


def linear(interp, prim, args, bat, params):
    x, w = args[0], args[1]
    if not bat[1]:  # a shared weight: the batch is one more leading axis of x, one matmul
        if len(args) > 2 and bat[2]:
            return elementwise(interp, P.add, [prim(x, w), args[2]], [bat[0], True], {})
        return prim(*args)
    # per-example weights (a vjp input inside vmap: per-example gradients): one kernel
    nx = _ndim(x, bat[0]) - 1  # x's leading axes per example
    if bat[0]:
        x = _expand(x, nx + 1)
    w = P.reshape(w, (interp.size,) + (1,) * nx + _shape(w)[1:]) if nx else w
    y = _kernels.matvec(x, w)
    if len(args) > 2:
        y = elementwise(interp, P.add, [y, args[2]], [True, bat[2]], {})
    return y


def matvec(interp, prim, args, bat, params):
    """vmap's own kernel under an outer vmap: its leading axes broadcast, so the batch axis
    is one more of them once the operands' leading axes are lined up."""
    x, w = args
    lead = max(_ndim(x, bat[0]) - 1, _ndim(w, bat[1]) - 2)
    return prim(_expand(x, lead + 1) if bat[0] else x, _expand(w, lead + 2) if bat[1] else w)


def cross_entropy(interp, prim, args, bat, params):
    z, t = _all_batched(interp, args, bat)
    zs, ts = _shape(z), _shape(t)
    per = prim(P.reshape(z, (-1,) + zs[2:]), P.reshape(t, (-1,) + ts[2:]), reduction="none")
    return _reduce(P.reshape(per, zs[:2]), params["reduction"])


def elementwise_loss(interp, prim, args, bat, params):
    """binary_cross_entropy_with_logits, mse_loss: per element on the batch, then reduced."""
    x, t = _all_batched(interp, args, bat)
    return _reduce(prim(x, t, reduction="none"), params["reduction"])


def _reduce(per, reduction):
    nd = len(_shape(per)) - 1
    if reduction == "none" or nd == 0:
        return per
    axes = tuple(range(1, nd + 1))
    return P.mean(per, axes) if reduction == "mean" else P.sum(per, axes)


def im2col(interp, prim, args, bat, params):
    x = args[0]
    s = _shape(x)  # (B, N, C, *S)
    cols = prim(P.reshape(x, (s[0] * s[1],) + s[2:]), **params)  # (C, *K, B N, *O)
    c = _shape(cols)
    dims = len(params["kernel"])
    cols = P.reshape(cols, c[:1 + dims] + (s[0], s[1]) + c[2 + dims:])
    k = 1 + dims  # the batch axis: move it to the front
    return P.transpose(cols, (k,) + tuple(i for i in range(len(c) + 1) if i != k))


def col2im(interp, prim, args, bat, params):
    cols = args[0]  # (B, C, *K, N, *O)
    c = _shape(cols)
    dims = len(params["kernel"])
    k = 1 + dims
    perm = tuple(range(1, k + 1)) + (0,) + tuple(range(k + 1, len(c)))
    cols = P.transpose(cols, perm)  # (C, *K, B, N, *O)
    cols = P.reshape(cols, c[1:k + 1] + (c[0] * c[k + 1],) + c[k + 2:])
    shape = tuple(params["shape"])
    x = prim(cols, **{**params, "shape": (c[0] * shape[0],) + shape[1:]})
    return P.reshape(x, (c[0],) + shape)


def loop(interp, prim, args, bat, params):
    """No rule: compute example by example and stack (correct, as slow as a Python loop)."""
    out = []
    for b in range(interp.size):
        out.append(prim(*[P.getitem(a, index=(b,)) if m else a for a, m in zip(args, bat)],
                        **params))
    return P.stack(out, axis=0)


RULES = {  # a primitive names its rule in its declaration: Primitive(..., batch="reduction")
    rule.__name__: rule for rule in (
        elementwise, identity, reduction, reshape, transpose, broadcast_to, getitem,
        getitem_adjoint, join, pad, matmul, linear, matvec, cross_entropy, elementwise_loss,
        im2col, col2im)
}


# --------------------------------------------------------------------------- dispatch

def batch_apply(interp, prim, args, params):
    """``prim(*args)`` for every example at once: align the arguments, run the rule, mark."""
    level = interp.level
    with interp.physical():
        args = [_aligned(interp, a) for a in args]
        bat = [level in levels_of(a) for a in args]
        if getattr(prim, "precomputed", False):  # a custom rule (custom.py): computed batched
            out = prim(*args, **params)
            return Batched.make(out, levels_of(out.data))
        rule = RULES.get(prim.batch)
        if rule is None:
            warnings.warn(f"vmap: primitive {prim.name!r} has no batching rule; it is computed "
                          "example by example", VmapFallbackWarning, stacklevel=4)
            rule = loop
        out = rule(interp, prim, args, bat, params)
    return out if level in levels_of(out) else interp.mark(out)


def _aligned(interp, a):
    """An argument as the rules take it: an array known to be batched as a Batched tensor, a
    Tensor with its primal and tangents batched alike at this level."""
    if isinstance(a, np.ndarray) and levels_of(a):
        return Batched.make(Tensor._wrap(a), levels_of(a))
    if not isinstance(a, Tensor) or not a.tangents:
        return a
    level = interp.level
    if level not in levels_of(a):  # batched tangents: the primal joins the batch, tangent-free
        tangents, a.tangents = a.tangents, None
        try:
            b = broadcast_batch(interp, a)
        finally:
            a.tangents = tangents
        b.tangents = dict(tangents)
        a = Batched.make(b, _with(levels_of(a), level))  # inner levels' axes are kept
    for k, t in list(a.tangents.items()):
        if level not in levels_of(t):
            a.tangents[k] = Batched.make(broadcast_batch(interp, t), _with(levels_of(t), level))
    return a
