"""vmap by batching rules: ``f`` runs once, on whole batches, with each primitive batched by its rule.

Inside ``vmap(f)`` the mapped arguments are ``Batched`` tensors: one array holding every example
(the batch axis in front), showing ``f`` the shape of one example. While ``f`` runs, the vmap's
``Interpreter`` sits in the engine's ``graph.tracer`` slot: each primitive applied to a Batched
input goes to its batching rule (``batching.py``), which computes the batched result with the
same primitives on the whole arrays ("physically"). Those physical calls record the graph and push
tangents as any call does, so reverse and forward mode inside and outside vmap come for free:

* ``grad`` inside vmap (per-example gradients): a ``vjp``/``jvp`` input is made by ``identity``,
  whose rule broadcasts an unbatched input to the batch, so everything it differentiates is
  batched and the physical backward pass gives one gradient per example;
* ``vmap`` inside ``grad``: the physical graph links the outputs to the original arguments.

Nested vmaps are levels (as forward mode's): a tensor's batch axes are ordered outer level first,
and a level's own axis is hidden from user code only while that level is active. A primitive
without a rule falls back to a loop over the examples, with a ``VmapFallbackWarning`` naming it.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import graph
from .backward import run_backward
from .pytree import tree_flatten, tree_unflatten
from .batched import (  # noqa: F401  (re-exported: the batched tensor lives in batched.py)
    Batched, VmapFallbackWarning, _Active, _levels, _with, levels_of, unbatch)
from .batching import batch_apply, broadcast_batch
from .tensor import Tensor, _as_array


class Interpreter:
    """What ``graph.tracer`` points to while a vmap'd function runs: primitives go to rules."""

    batching = True
    transposing = False  # True while run_backward runs its rules through this interpreter

    def __init__(self, level, size, outer):
        self.level, self.size, self.outer = level, size, outer
        self.active = [level]

    def physical(self):
        """Context: run primitives on whole arrays (this level's axis visible, outer tracer on)."""
        return _Switch(self.outer, [k for k in _Active.levels if k < self.level])

    def logical(self):
        """Context: user code again (a custom rule): one example's shapes, primitives batched."""
        return _Switch(self, self.active)

    def mapped(self, x) -> bool:
        if self.level in levels_of(x):
            return True
        if isinstance(x, Tensor) and x.tangents:
            return any(self.level in levels_of(t) for t in x.tangents.values())
        return False

    def apply(self, prim, args, params):
        index = params.get("index", ()) if prim.name == "getitem" else ()  # one per example?
        seen = tuple(args) + (index if isinstance(index, tuple) else (index,))
        if prim.name != "identity" and not any(map(self.mapped, seen)):  # (map: no generator)
            with self.physical():
                return graph.apply(prim, *args, **params)
        return batch_apply(self, prim, args, params)

    def mark(self, t):
        """The physical result ``t`` seen as batched at this level, and its tangents, at every
        depth (a tangent of a tangent: forward over forward, as in jacfwd(hessian))."""
        out = Batched.make(t, _with(levels_of(t), self.level))
        if out.tangents:
            out.tangents = {k: v if self.level in levels_of(v) else self.mark(v)
                            for k, v in out.tangents.items()}
        return out

    def backward(self, roots, cotangents, inputs, retain_graph, create_graph):
        """The backward pass on whole arrays; cotangents are first given their root's batch."""
        cts = []
        transpose = False
        with self.physical():
            for r, c in zip(roots, cotangents):
                r_in, c_in = self.level in levels_of(r), self.level in levels_of(c)
                if r_in and not c_in:
                    c = broadcast_batch(self, c if isinstance(c, Tensor) else Tensor._wrap(
                        np.asarray(c)))
                elif c_in and not r_in:
                    transpose = True
                cts.append(c)
        if transpose and isinstance(self.outer, Interpreter):  # params of an outer batch
            return self._backward_loop(roots, cts, inputs, retain_graph, create_graph)
        if transpose:
            return self._transpose(roots, cotangents, inputs, retain_graph, create_graph)
        with self.physical():
            grads = run_backward(roots, cts, inputs, retain_graph, create_graph)
        if grads is None:
            return None
        return [g if g is None or self.level not in levels_of(x) else self.mark(g)
                for g, x in zip(grads, inputs)]

    def _transpose(self, roots, cts, inputs, retain_graph, create_graph):
        """Batched cotangents for a graph made outside this vmap (``vmap(vjp_fn)``, jacrev): the
        backward pass runs its rules on Tensors through this interpreter, so each VJP rule is
        batched by the rules of the primitives it is written with (JAX's batched transpose)."""
        self.transposing = True
        try:
            return run_backward(roots, cts, inputs, retain_graph, create_graph)
        finally:
            self.transposing = False


    def _backward_loop(self, roots, cts, inputs, retain_graph, create_graph):
        """The same, under an outer vmap (its graph is laid out for that batch): one backward
        pass per example of this level, stacked."""
        from . import primitives as P

        warnings.warn("vmap: a vjp function made outside this vmap, inside another one, gets "
                      "batched cotangents; its backward runs once per example (move the vjp "
                      "inside the vmap'd function)", VmapFallbackWarning, stacklevel=4)
        per = []
        with self.physical():
            for b in range(self.size):
                cb = [P.getitem(c, index=(b,)) if self.level in levels_of(c) else c for c in cts]
                per.append(run_backward(roots, cb, inputs, True, create_graph))
            if inputs is None:
                return None
            out = []
            for j, x in enumerate(inputs):
                column = [p[j] if p[j] is not None else P.zeros_like(x) for p in per]
                out.append(P.stack(column, axis=0))
        return [self.mark(g) for g in out]


class _Switch:
    """Context: ``graph.tracer`` and the hidden vmap levels set, then restored."""

    __slots__ = ("tracer", "levels", "saved")

    def __init__(self, tracer, levels):
        self.tracer, self.levels = tracer, levels

    def __enter__(self):
        self.saved = (graph.tracer, _Active.levels)
        graph.tracer, _Active.levels = self.tracer, self.levels

    def __exit__(self, *exc):
        graph.tracer, _Active.levels = self.saved


def per_example(interp, rule, values, levels, inputs):
    """Run a user's rule (custom_vjp's bwd, a Function's backward...) inside the vmap it was
    called under: ``values`` (whole arrays or Tensors, batched at ``levels``) are seen one
    example at a time, and the results come back whole, batched like ``inputs`` (broadcast or
    summed over the batch)."""
    with interp.logical():
        seen = [v if not lv or not isinstance(v, (Tensor, np.ndarray)) else Batched.make(
            v if isinstance(v, Tensor) else Tensor._wrap(v), lv) for v, lv in zip(values, levels)]
        results = rule(seen)
    base = interp
    while isinstance(base, Interpreter):
        base = base.outer
    with _Switch(base, []):  # whole arrays, no batch rules: every axis seen
        return [None if r is None else _laid_out_as(r, x) for r, x in zip(results, inputs)]


def _laid_out_as(r, x):
    """A rule's result ``r`` with the batch axes of ``x`` (a whole array): the batch levels x
    lacks are summed away, those r lacks are broadcast (the same value for every example)."""
    from . import primitives as P

    r = r if isinstance(r, Tensor) else Tensor._wrap(np.asarray(r))
    have, want = levels_of(r), levels_of(x)
    extra = tuple(i for i, k in enumerate(have) if k not in want)
    if extra:
        r = P.sum(Tensor._wrap(r.data) if isinstance(r, Batched) else r, extra)
        have = tuple(k for k in have if k in want)
    data = r.data if isinstance(r, Tensor) else r
    if have != want:
        sizes = np.shape(x.data if isinstance(x, Tensor) else x)[:len(want)]
        logical = data.shape[len(have):]
        r = P.reshape(r, tuple(sizes[i] if k in have else 1 for i, k in enumerate(want)) + logical)
        r = P.broadcast_to(r, tuple(sizes) + logical)
    return r


# --------------------------------------------------------------------------- the transform


def _axes_per_leaf(in_axes, args):
    """One axis (or None) per leaf of ``args``; ``in_axes`` is a prefix pytree, as JAX."""
    if not isinstance(in_axes, (tuple, list)):
        in_axes = (in_axes,) * len(args)
    if len(in_axes) != len(args):
        raise ValueError(f"vmap: in_axes has {len(in_axes)} entries for {len(args)} arguments")
    axes = []
    for a, ax in zip(args, in_axes):
        n = len(tree_flatten(a)[0])
        if ax is None or isinstance(ax, int):
            axes += [ax] * n
            continue
        sub = tree_flatten(ax, is_leaf=lambda v: v is None)[0]
        if len(sub) != n:
            raise ValueError(f"vmap: in_axes entry {ax!r} does not match its argument's "
                             f"structure {tree_flatten(a)[1]}")
        axes += sub
    return axes


def vmap(f, in_axes=0, out_axes=0, axis_size=None):
    """Map ``f`` over an axis of its arguments, with batching rules (as ``jax.vmap``).

    ``in_axes``: an int, None (broadcast), or one entry per argument (an int, None or a pytree
    of them matching the argument); ``out_axes`` likewise for the outputs. ``axis_size`` gives
    the batch size when no argument is mapped. Negative axes count from the end of an example.
    """

    def wrapped(*args):
        leaves, treedef = tree_flatten(args)
        axes = _axes_per_leaf(in_axes, args)
        tensors = []
        sizes = set()
        for x, ax in zip(leaves, axes):
            if ax is None:
                tensors.append(x)
                continue
            t = x if isinstance(x, Tensor) else Tensor._wrap(_as_array(x))
            if not -t.ndim <= ax < max(t.ndim, 1) or t.ndim == 0:
                raise ValueError(f"vmap: in_axes {ax} is out of range for an argument of shape "
                                 f"{t.shape}")
            sizes.add(t.shape[ax])
            tensors.append((t, ax % t.ndim))
        if axis_size is not None:
            sizes.add(int(axis_size))
        if len(sizes) != 1:
            raise ValueError("vmap: mapped axes must have one common size (or give axis_size), "
                             f"got sizes {sorted(sizes)}")
        size = sizes.pop()
        level = next(_levels)
        interp = Interpreter(level, size, graph.tracer)
        from . import primitives as P

        inputs = []
        for item in tensors:
            if not isinstance(item, tuple):
                inputs.append(item)
                continue
            t, ax = item
            if ax:
                perm = (ax,) + tuple(i for i in range(t.ndim) if i != ax)
                t = P.transpose(t, perm)
            elif t.requires_grad:  # a node of its own, so gradients reach t, not a batched copy
                t = P.reshape(t, t.shape)
            inputs.append(interp.mark(t))
        interp.active = _Active.levels + [level]  # what user code inside f sees hidden
        with interp.logical():
            out = f(*tree_unflatten(treedef, inputs))
        return _outputs(interp, out, out_axes)

    return wrapped


def _outputs(interp, out, out_axes):
    from . import primitives as P

    leaves, out_def = tree_flatten(out)
    axes = _axes_per_leaf((out_axes,), (out,))
    result = []
    for y, ax in zip(leaves, axes):
        if interp.level not in levels_of(y):
            if ax is None:
                result.append(y)
                continue
            y = y if isinstance(y, Tensor) else Tensor._wrap(_as_array(y))
            y = P.broadcast_to(P.reshape(y, (1,) + y.shape), (interp.size,) + y.shape)
        else:
            if ax is None:
                raise ValueError("vmap: out_axes is None for an output that depends on the "
                                 "mapped inputs (as jax.vmap: it must be the same for every "
                                 "example)")
            y = unbatch(y, interp.level)
        ax = ax % y.ndim
        if ax:
            perm = tuple(range(1, ax + 1)) + (0,) + tuple(range(ax + 1, y.ndim))
            y = P.transpose(y, perm)
        result.append(y)
    return tree_unflatten(out_def, result)
