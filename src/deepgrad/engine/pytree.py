"""Pytrees as JAX's ``jax.tree_util``: nested tuples, lists, dicts, namedtuples and None.

A pytree is a container of containers whose non-container items are its leaves. ``tree_flatten``
gives the leaves in order and a ``PyTreeDef`` to rebuild the same structure from new leaves.
As JAX, ``None`` is an empty subtree (no leaf), ``register_pytree_node`` makes a user's class a
container too, and Tensors and NumPy arrays are always leaves. Unlike JAX, a dict's leaves come
in its insertion order (Python dicts are ordered; a state_dict's order is the model's), so
``ravel_parameters`` keeps the user's order; ``tree_map`` matches the other trees' dicts by key,
so their order does not matter there.
"""

from __future__ import annotations

import numpy as np

from .primitives import reshape
from .tensor import Tensor

_registry = {}  # type -> (flatten: obj -> (children, aux), unflatten: (aux, children) -> obj)
_ARRAYS = {Tensor, np.ndarray}  # always leaves (as JAX's arrays): known without _container's tests


def register_pytree_node(cls, flatten, unflatten):
    """Make ``cls`` a pytree container: ``flatten(x) -> (children, aux)``,
    ``unflatten(aux, children) -> x`` (as ``jax.tree_util.register_pytree_node``)."""
    _registry[cls] = (flatten, unflatten)


# The built-in containers are registered like a user's: None is a container with no children.
register_pytree_node(tuple, lambda x: (x, None), lambda _, children: tuple(children))
register_pytree_node(list, lambda x: (x, None), lambda _, children: list(children))
register_pytree_node(dict, lambda x: (list(x.values()), tuple(x)),
                     lambda keys, children: dict(zip(keys, children)))
register_pytree_node(type(None), lambda x: ((), None), lambda _, children: None)


def _container(x):
    """The registered container type of ``x``, or None for a leaf.

    A tuple or list subclass is registered when first seen (a namedtuple is rebuilt from its
    fields, another subclass from the list of its items); a dict subclass is read as a dict.
    """
    kind = type(x)
    if kind in _registry:
        return kind
    if isinstance(x, (tuple, list)):
        rebuild = (lambda items: kind(*items)) if hasattr(kind, "_fields") else kind
        register_pytree_node(kind, lambda t: (t, None), lambda _, items: rebuild(items))
        return kind
    return dict if isinstance(x, dict) else None


class PyTreeDef:
    """The structure of a pytree without its leaves; equal structures compare equal."""

    __slots__ = ("kind", "aux", "children", "num_leaves")

    def __init__(self, kind, aux=None, children=()):
        self.kind, self.aux, self.children = kind, aux, tuple(children)
        self.num_leaves = 1 if kind == "leaf" else sum(c.num_leaves for c in self.children)

    def __eq__(self, other):
        return isinstance(other, PyTreeDef) and (self.kind, self.aux, self.children) == (
            other.kind, other.aux, other.children)

    def __hash__(self):
        return hash((str(self.kind), self.num_leaves))

    def unflatten(self, leaves):
        leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(f"tree_unflatten: the structure {self} has {self.num_leaves} "
                             f"leaves, got {len(leaves)}")
        return self._build(iter(leaves))

    def _build(self, it):
        if self.kind == "leaf":
            return next(it)
        return _registry[self.kind][1](self.aux, [next(it) if c is _LEAF else c._build(it) for c in self.children])

    def __repr__(self):
        if self.kind == "leaf":
            return "*"
        if self.kind is dict:
            return "{" + ", ".join(f"{k!r}: {c!r}" for k, c in zip(self.aux, self.children)) + "}"
        return f"{self.kind.__name__}({', '.join(repr(c) for c in self.children)})"


_LEAF = PyTreeDef("leaf")


def tree_flatten(tree, is_leaf=None):
    """``(leaves, treedef)``: the leaves in order and the structure to rebuild ``tree``.

    ``is_leaf(x) -> bool`` stops the descent at chosen subtrees (as JAX's argument).
    """
    leaves = []
    return leaves, _flatten(tree, is_leaf, leaves)


def _flatten(x, is_leaf, leaves):
    """``x``'s structure, its leaves appended to ``leaves``. (A module function, not a closure
    calling itself: that is a reference cycle, and the leaves, a whole graph of activations
    with them, would wait for the garbage collector instead of going when the caller drops
    them.)"""
    kind = None if type(x) in _ARRAYS or (is_leaf is not None and is_leaf(x)) else _container(x)
    if kind is None:
        leaves.append(x)
        return _LEAF
    children, aux = _registry[kind][0](x)
    return PyTreeDef(kind, aux, [_flatten(c, is_leaf, leaves) for c in children])


def tree_unflatten(treedef, leaves):
    """The pytree of structure ``treedef`` with ``leaves`` in order (inverse of tree_flatten)."""
    return treedef.unflatten(leaves)


def tree_leaves(tree, is_leaf=None):
    """The leaves of ``tree`` in order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_structure(tree, is_leaf=None):
    """The ``PyTreeDef`` of ``tree``."""
    return tree_flatten(tree, is_leaf)[1]


def tree_map(f, tree, *rest, is_leaf=None):
    """``f`` applied leaf by leaf: ``f(leaf, *matching leaves of rest)``, same structure back.

    Every tree in ``rest`` must have ``tree``'s structure (as ``jax.tree_util.tree_map``).
    """
    leaves, treedef = tree_flatten(tree, is_leaf)
    others = [_leaves_like(treedef, r, f"tree_map: tree {i + 1} of rest") for i, r in
              enumerate(rest)]
    return treedef.unflatten([f(x, *xs) for x, *xs in zip(leaves, *others)])


def _leaves_like(treedef, tree, what):
    """The leaves of ``tree`` in ``treedef``'s order (dicts matched by key), or a clear error."""
    out = []
    _match(treedef, tree, out, lambda: ValueError(
        f"{what} does not have the first tree's structure {treedef}: found "
        f"{tree_structure(tree)}"))
    return out


def _match(df, x, out, mismatch):
    """Append ``x``'s leaves in ``df``'s order to ``out``; raise ``mismatch()`` where they differ."""
    if df.kind == "leaf":
        out.append(x)
        return
    kind = _container(x)
    children, keys = _registry[kind][0](x) if kind is not None else ((), None)
    if kind is not df.kind or len(children) != len(df.children) or (
            kind is dict and set(keys) != set(df.aux)):
        raise mismatch()
    if kind is dict:
        children = [x[k] for k in df.aux]
    for c, item in zip(df.children, children):
        _match(c, item, out, mismatch)


def ravel_parameters(params):
    """``(vector, unravel)``: parameters as one flat float Tensor and the map back (as JAX's
    ``ravel_pytree``). ``params`` is a list/tuple/dict of Tensors or an iterator such as
    ``module.parameters()``; ``unravel(v)`` returns the same structure, differentiably in ``v``.
    """
    if not isinstance(params, (tuple, list, dict)):
        params = list(params)
    leaves, treedef = tree_flatten(params)
    shapes = [np.shape(p) for p in leaves]
    dtype = np.result_type(*[np.asarray(p).dtype for p in leaves]) if leaves else np.float32
    vector = Tensor._wrap(np.concatenate([np.asarray(p, dtype=dtype).reshape(-1)
                                          for p in leaves]) if leaves else np.zeros(0, dtype))
    offsets = np.cumsum([0] + [int(np.prod(s)) for s in shapes])

    def unravel(v):
        if np.shape(v) != (offsets[-1],):
            raise ValueError(f"unravel: expected a vector of length {offsets[-1]}, "
                             f"got shape {np.shape(v)}")
        v = v if isinstance(v, Tensor) else Tensor._wrap(np.asarray(v))
        parts = [reshape(v[int(a):int(b)], s) for a, b, s in zip(offsets[:-1], offsets[1:], shapes)]
        return tree_unflatten(treedef, parts)

    return vector, unravel
