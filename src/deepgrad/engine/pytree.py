"""Pytrees and flat parameters: tuples, lists and dicts of Tensors, flattened and rebuilt.

Transforms accept and return pytrees (``tree_flatten`` / ``tree_unflatten``);
``ravel_parameters`` turns a model's parameters into one vector and gives the differentiable map
back (the Hessian, NTK and Newton-step work need it).
"""

from __future__ import annotations

import numpy as np

from .primitives import reshape
from .tensor import Tensor


def tree_flatten(tree):
    """Leaves (in order) and a structure to rebuild ``tree`` from them (tuples, lists, dicts)."""
    if isinstance(tree, (tuple, list)):
        leaves, defs = [], []
        for item in tree:
            lv, df = tree_flatten(item)
            leaves += lv
            defs.append((len(lv), df))
        return leaves, (type(tree), defs)
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, defs = tree_flatten([tree[k] for k in keys])
        return leaves, (dict, (keys, defs))
    return [tree], None


def tree_unflatten(treedef, leaves):
    """Inverse of ``tree_flatten``."""
    leaves = list(leaves)
    if treedef is None:
        return leaves[0]
    kind, defs = treedef
    if kind is dict:
        keys, inner = defs
        return dict(zip(keys, tree_unflatten(inner, leaves)))
    out, pos = [], 0
    for n, df in defs:
        out.append(tree_unflatten(df, leaves[pos:pos + n]))
        pos += n
    return kind(out) if kind is not list else out



def ravel_parameters(params):
    """``(vector, unravel)``: parameters as one flat float Tensor and the map back (as JAX's
    ``ravel_pytree``). ``params`` is a list/tuple/dict of Tensors or an iterator such as
    ``module.parameters()``; ``unravel(v)`` returns the same structure, differentiably in ``v``.
    """
    if not isinstance(params, (tuple, list, dict)):
        params = list(params)
    leaves, treedef = tree_flatten(params)
    shapes = [np.shape(p) for p in leaves]
    sizes = [int(np.prod(s)) for s in shapes]
    dtype = np.result_type(*[np.asarray(p).dtype for p in leaves]) if leaves else np.float32
    vector = Tensor._wrap(np.concatenate([np.asarray(p, dtype=dtype).reshape(-1)
                                          for p in leaves]) if leaves else np.zeros(0, dtype))
    offsets = np.cumsum([0] + sizes)

    def unravel(v):
        if np.shape(v) != (offsets[-1],):
            raise ValueError(f"unravel: expected a vector of length {offsets[-1]}, "
                             f"got shape {np.shape(v)}")
        v = v if isinstance(v, Tensor) else Tensor._wrap(np.asarray(v))
        parts = [reshape(v[int(a):int(b)], s) for a, b, s in zip(offsets[:-1], offsets[1:], shapes)]
        return tree_unflatten(treedef, parts)

    return vector, unravel
