"""The batched tensor of vmap: one array holding every example, showing the shape of one.

``Batched`` and the bookkeeping of vmap levels, apart from the transform (``vmap.py``) and the
rules (``batching.py``), which both build on it.
"""

from __future__ import annotations

import functools
import itertools
import math
import weakref

import numpy as np

from .tensor import Tensor

_levels = itertools.count(1)


class VmapFallbackWarning(UserWarning):
    """A primitive has no batching rule: vmap computed it example by example."""


class _Active:
    levels = []  # the vmap levels whose batch axis user code must not see, outer first


_arrays = {}  # id(ndarray) -> (weakref, levels): the data of Batched tensors, so that an array
# taken out of one (``_data(x)`` in a rule or a public function) is still known to be batched


def _register(arr, levels):
    try:
        ref = weakref.ref(arr, lambda _, key=id(arr): _arrays.pop(key, None))
    except TypeError:
        return
    _arrays[id(arr)] = (ref, levels)


def levels_of(x) -> tuple:
    """The vmap levels ``x`` is batched at (outer first); () when it is not batched."""
    if isinstance(x, Batched):
        return x.levels
    if isinstance(x, np.ndarray):
        entry = _arrays.get(id(x))
        if entry is not None and entry[0]() is x:
            return entry[1]
    return ()


def _with(levels, level):
    """``levels`` and ``level`` in axis order. A level's rules put its axis after the axes of
    the outer (smaller) levels, hidden then, and before those of inner ones: sorted order."""
    return tuple(sorted(set(levels) | {level})) if levels else (level,)


class Batched(Tensor):
    """A Tensor holding a batch of examples; shows the shape of one while its vmap runs."""

    __slots__ = ("levels",)

    @classmethod
    def make(cls, t, levels):
        """``t`` (a Tensor, with its graph and tangents) seen as batched at ``levels``."""
        b = cls._wrap(t.data.view())  # its own array object: known as batched by id
        b.grad_fn, b.requires_grad, b.reverse_level = t.grad_fn, t.requires_grad, t.reverse_level
        b.tangents, b._hooks = t.tangents, t._hooks
        b.levels = tuple(levels)
        _register(b.data, b.levels)
        return b

    def _hidden(self):
        active = _Active.levels
        return sum(1 for k in self.levels if k in active) if active else 0  # (rules hide none)

    @property
    def shape(self):
        return self.data.shape[self._hidden():]

    @property
    def ndim(self):
        return self.data.ndim - self._hidden()

    def __len__(self):
        return self.shape[0]

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        return math.prod(self.shape)

    def dim(self):
        return self.ndim

    def detach(self):
        return Batched.make(Tensor._wrap(self.data), self.levels)

    def zeros_like(self):
        """Zeros of this batched tensor's shape, batched alike (``primitives.zeros_like``)."""
        return Batched.make(Tensor._wrap(np.zeros_like(self.data)), self.levels)

    def item(self):
        raise TypeError("vmap: .item() of a batched tensor (a value per example); vmap'd "
                        "functions cannot read values (as jax.vmap)")

    def __bool__(self):
        raise TypeError("vmap: bool() of a batched tensor (a branch on data per example); use "
                        "where() instead (as jax.vmap)")

    def __repr__(self):
        return f"Batched(levels={self.levels}, shape={self.shape}, data=\n{self.data!r})"

    # comparisons: batched bool tensors (they are not primitives: aligned here)
    def _compare(self, other, op):
        a, b = align_raw(self, other)
        out = Tensor._wrap(np.asarray(op(a[0], b[0])))
        return Batched.make(out, a[1]) if a[1] else out

    __lt__ = functools.partialmethod(_compare, op=np.less)
    __le__ = functools.partialmethod(_compare, op=np.less_equal)
    __gt__ = functools.partialmethod(_compare, op=np.greater)
    __ge__ = functools.partialmethod(_compare, op=np.greater_equal)
    __eq__ = functools.partialmethod(_compare, op=np.equal)
    __ne__ = functools.partialmethod(_compare, op=np.not_equal)

    __hash__ = object.__hash__


def unbatch(t, level):
    """``t`` without ``level`` among its batch levels (a plain Tensor when none are left)."""
    rest = tuple(k for k in t.levels if k != level)
    if rest:
        out = Batched.make(t, rest)
    else:
        out = Tensor._wrap(t.data)
        out.grad_fn, out.requires_grad, out.reverse_level = t.grad_fn, t.requires_grad, \
            t.reverse_level
        out.tangents, out._hooks = t.tangents, t._hooks
    if out.tangents:
        out.tangents = {k: unbatch(v, level) if level in levels_of(v) else v
                        for k, v in out.tangents.items()}
    return out

def align_raw(a, b):
    """Two operands of a comparison as (array, levels) pairs that broadcast example by example.

    Only the active (hidden) levels are aligned: inside a rule's physical computation a level's
    axis is an ordinary axis, as it is for the primitives there."""
    active = _Active.levels
    la = tuple(k for k in levels_of(a) if k in active)
    lb = tuple(k for k in levels_of(b) if k in active)
    levels = tuple(sorted(set(la) | set(lb)))
    out = []
    for x, lx in ((a, la), (b, lb)):
        arr = x.data if isinstance(x, Tensor) else np.asarray(x)
        nb = len(lx)
        logical = arr.shape[nb:]
        # insert singleton axes for the levels x lacks, then pad its example axes on the left
        shape = tuple(arr.shape[lx.index(k)] if k in lx else 1 for k in levels)
        out.append([arr.reshape(shape + logical), levels])
    nd = max(o[0].ndim - len(levels) for o in out)
    for o in out:
        arr = o[0]
        o[0] = arr.reshape(arr.shape[:len(levels)] + (1,) * (nd - arr.ndim + len(levels))
                           + arr.shape[len(levels):])
    return out[0], out[1]
