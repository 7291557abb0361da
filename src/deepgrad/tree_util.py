"""``deepgrad.tree_util``: pytrees as ``jax.tree_util`` (the engine's own, re-exported)."""

from .engine.pytree import (  # noqa: F401  (the public names)
    PyTreeDef, register_pytree_node, tree_flatten, tree_leaves, tree_map, tree_structure,
    tree_unflatten,
)
