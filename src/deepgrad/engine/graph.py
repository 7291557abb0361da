"""The computational graph: nodes, ``apply`` (the one entry point), grad mode, and backward.

``apply(prim, *args)`` computes a primitive with NumPy and then decides what to record:
a ``Node`` when grad mode is on and an input requires grad (reverse mode), tangents when an
input carries them (forward mode, see ``forward.py``), nothing otherwise.

``backward`` walks the graph from a root in reverse topological order (iteratively: no recursion
limit), calling each primitive's VJP rules. For an ordinary first-order backward the rules run
on raw ndarrays (``ARRAY_OPS``): no Tensors, no nodes. With ``create_graph=True`` (or when the
graph carries tangents) the same rules run on Tensors (``TENSOR_OPS``) so the gradient is itself
recorded and can be differentiated again.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import weakref

import numpy as np

from .tensor import Tensor


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    return _GradMode.enabled


@contextlib.contextmanager
def _set_grad_enabled(flag: bool):
    prev = _GradMode.enabled
    _GradMode.enabled = flag
    try:
        yield
    finally:
        _GradMode.enabled = prev


def no_grad():
    """Context manager (and decorator) under which nothing is recorded for reverse mode."""
    return _set_grad_enabled(False)


def enable_grad():
    """Context manager that turns recording back on inside ``no_grad``."""
    return _set_grad_enabled(True)


class Node:
    """How a non-leaf tensor was made: its primitive, its inputs, and the primitive's params.

    ``inputs`` holds the input Tensors (and constants) until backward frees it, ``arrays`` the
    values the forward saw (what the VJP rules read: no unwrapping per backward); ``diff`` the
    positions of the inputs that require grad; ``seq`` a creation counter (``origin``: the source
    line and module, set only under detect_anomaly). Inputs always exist
    before the node that uses them, so creation order is a topological order of the graph.
    """

    __slots__ = ("prim", "inputs", "arrays", "params", "diff", "seq", "origin")
    _counter = itertools.count()

    def __init__(self, prim, inputs, arrays, params, diff):
        self.prim = prim
        self.inputs = inputs
        self.arrays = arrays
        self.params = params
        self.diff = diff
        self.seq = next(Node._counter)

    @property
    def name(self) -> str:
        return self.prim.name

    def __repr__(self) -> str:
        return f"<{self.prim.name}>"


class ShapeError(ValueError):
    """An operation got inputs whose shapes do not fit together."""


# The compile tracer (engine/compile.py) while it records one call of a step, else None. While
# set, apply and run_backward hand the call to it; it disarms this slot and calls them back.
tracer = None


def apply(prim, *args, **params):
    """Run ``prim`` on ``args`` (Tensors or constants) and record what is needed to differentiate."""
    if tracer is not None:
        return tracer.apply(prim, args, params)
    raw = []
    diff = []
    has_tangents = False
    level = None  # the smallest reverse level among the inputs that require grad
    i = 0
    for a in args:
        if isinstance(a, Tensor):
            raw.append(a.data)
            if a.requires_grad:
                diff.append(i)
                if level is None or a.reverse_level < level:
                    level = a.reverse_level
            if a.tangents is not None:
                has_tangents = True
        else:
            raw.append(a)
        i += 1
    try:
        out = prim.forward(*raw, **params)
    except ValueError as e:
        shapes = ", ".join(str(np.shape(r)) for r in raw)
        raise ShapeError(f"{prim.name}: inputs of shapes {shapes} do not fit: {e}") from None
    except TypeError as e:
        dtypes = ", ".join(str(getattr(r, "dtype", type(r).__name__)) for r in raw)
        raise TypeError(f"{prim.name}: unsupported inputs (dtypes {dtypes}): {e}") from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if out.dtype.kind not in "biuf":
        raise TypeError(f"{prim.name}: unsupported dtype {out.dtype} (deepgrad supports bool, "
                        "integer and floating arrays)")
    result = Tensor._wrap(out)
    if diff and _GradMode.enabled:
        result.requires_grad = True
        result.reverse_level = level
        result.grad_fn = Node(prim, args, raw, params, diff)
    if has_tangents:
        push_tangents(prim, args, params, result)
    return result


# --------------------------------------------------------------------------- version counter

# id(tensor) -> (node seq at its last in-place change, version, weakref): only tensors the Tensor
# API changed in place are here, so a plain training step pays one empty-dict test per backward.
_modified = {}


def note_inplace(t: Tensor) -> None:
    """Record that ``t`` was changed in place now: nodes made before it saw its old values."""
    key = id(t)
    prev = _modified.get(key)
    ref = prev[2] if prev is not None else weakref.ref(t, lambda _, key=key: _modified.pop(key, None))
    _modified[key] = (next(Node._counter), 1 if prev is None else prev[1] + 1, ref)


def version_of(t: Tensor) -> int:
    entry = _modified.get(id(t))
    return 0 if entry is None else entry[1]


def _check_unmodified(node, t):
    """Raise if ``node``'s output or a saved input was changed in place after the node was made."""
    for x in (t,) + tuple(node.inputs):
        entry = _modified.get(id(x)) if isinstance(x, Tensor) else None
        if entry is not None and entry[0] > node.seq:
            raise RuntimeError(
                f"backward: a tensor of shape {x.shape} needed by {node.name}'s gradient was "
                f"modified by an in-place operation after {node.name} used it (it is now at "
                f"version {entry[1]}); compute the in-place update after backward, or on a copy")


# --------------------------------------------------------------------------- backward

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward(). Specify retain_graph=True if you need to backward through the graph a "
    "second time."
)


def _order_key(t):
    node = t.grad_fn
    return -1 if node is None else node.seq


def _topological_order(roots, stop=()):
    """Tensors reachable from ``roots`` that require grad, inputs before the tensors they made.

    One walk collects them; sorting by node creation order (a topological order by
    construction) replaces a two-phase DFS. The walk does not go past tensors in ``stop``.
    """
    seen = {id(t): t for t in roots}  # marked when first reached: each tensor is pushed once
    stack = list(seen.values())
    while stack:
        t = stack.pop()
        node = t.grad_fn
        if node is None or id(t) in stop:
            continue
        inputs = node.inputs
        if inputs is None:
            raise RuntimeError(_FREED)
        for i in node.diff:
            x = inputs[i]
            key = id(x)
            if key not in seen:
                seen[key] = x
                stack.append(x)
    found = list(seen.values())
    found.sort(key=_order_key)
    return found


def _reaching(order, targets):
    """ids of the tensors in ``order`` from which some target can be reached (targets included)."""
    keep = set(id(t) for t in targets)
    for t in order:  # inputs come first, so one pass suffices
        node = t.grad_fn
        if node is not None and id(t) not in keep:
            if any(id(node.inputs[i]) in keep for i in node.diff):
                keep.add(id(t))
    return keep


def _check_gradient(root: Tensor, gradient, create_graph):
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs; this output "
                f"has shape {root.shape}, so pass gradient= (a tensor of that shape)"
            )
        return np.ones_like(root.data)
    g = gradient if isinstance(gradient, Tensor) else Tensor._wrap(np.asarray(gradient))
    if g.shape != root.shape:
        raise ShapeError(
            f"backward: gradient has shape {g.shape} but the output has shape {root.shape}"
        )
    if create_graph:  # the cotangent may itself be differentiated (as PyTorch records it)
        return g if g.dtype == root.dtype else g.astype(root.dtype)
    return g.data.astype(root.dtype, copy=False)


def run_backward(roots, cotangents, inputs=None, retain_graph=False, create_graph=False,
                 check=None):
    """The backward pass shared by ``Tensor.backward`` and the functional transforms.

    ``roots`` and ``cotangents`` are parallel lists (cotangents ndarrays or Tensors). Without
    ``inputs``, gradients accumulate into every leaf's ``.grad``. With ``inputs`` (a list of
    Tensors), the walk stops at them, only the part of the graph that reaches them is visited,
    no ``.grad`` is touched, and their gradients are returned (None where unreachable), as
    ``torch.autograd.grad``. ``create_graph=None`` records the backward pass only when its
    result can be differentiated again from outside (see ``_outer_dependence``). ``check(node,
    g, pending)`` runs after each node's rules (detect_anomaly).
    """
    if tracer is not None and not getattr(tracer, "transposing", False):
        return tracer.backward(roots, cotangents, inputs, retain_graph, create_graph)
    stop = set() if inputs is None else set(id(t) for t in inputs)
    order = _topological_order(roots, stop)
    if create_graph is None:
        create_graph = _outer_dependence(order, stop, cotangents) and _GradMode.enabled
    # Differentiable mode: rules run on Tensors when the gradient must itself be recorded or
    # must carry forward-mode tangents (forward-over-reverse).
    # (and under vmap's transposing tracer: its rules then see batched cotangents, see vmap.py)
    tensor_mode = create_graph or tracer is not None or any(t.tangents is not None for t in order)
    keep = _reaching(order, inputs) if inputs is not None else None
    pending = {}
    for r, g in zip(roots, cotangents):
        if tensor_mode and not isinstance(g, Tensor):
            g = Tensor._wrap(g)
        elif not tensor_mode and isinstance(g, Tensor):
            g = g.data
        key = id(r)
        pending[key] = g if key not in pending else pending[key] + g
    results = {}
    d = primitives.TENSOR_OPS if tensor_mode else primitives.ARRAY_OPS
    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        for i in range(len(order) - 1, -1, -1):
            t = order[i]
            order[i] = None  # let the tensor (and its data) go once it has been used
            key = id(t)
            g = pending.pop(key, None)
            if g is None:
                continue
            if keep is not None and key not in keep:
                continue
            if t._hooks:
                g = _run_hooks(t, g, tensor_mode)
            if key in stop:
                results[key] = g
                continue
            node = t.grad_fn
            if node is None:
                if inputs is None:
                    _accumulate_leaf(t, g, create_graph)
                continue
            if _modified:
                _check_unmodified(node, t)
            _propagate(node, t, g, d, tensor_mode, pending, keep)
            if check is not None:
                check(node, g, pending)
            if not retain_graph:
                node.inputs = node.arrays = None
    finally:
        _GradMode.enabled = previous_mode
    if inputs is None:
        return None
    out = []
    for x in inputs:
        g = results.get(id(x))
        if g is not None and not isinstance(g, Tensor):
            g = Tensor._wrap(g)
        out.append(g)
    return out


def _outer_dependence(order, stop, cotangents):
    """Whether gradients w.r.t. the stop tensors depend on something an outer level may differentiate.

    True when a stop tensor is itself computed from tensors requiring grad, when the graph uses
    a leaf requiring grad that is not a stop tensor (a closed-over parameter), or when a
    cotangent requires grad. This is how nested ``grad(grad(f))`` records only when needed.
    """
    if any(isinstance(c, Tensor) and c.requires_grad for c in cotangents):
        return True
    return any((t.grad_fn is None) != (id(t) in stop) for t in order)


def _propagate(node, t, g, d, tensor_mode, pending, keep):
    """Send the cotangent ``g`` of ``t`` through its node's VJP rules to the node's inputs."""
    xs = node.inputs
    if xs is None:
        raise RuntimeError(_FREED)
    args = xs if tensor_mode else node.arrays
    out = t if tensor_mode else t.data
    vjps = node.prim.vjps
    params = node.params
    for i in node.diff:
        x = xs[i]
        if keep is not None and id(x) not in keep:
            continue
        rule = vjps[i]
        if rule is None:  # an input the primitive is not differentiable in (a mask, labels)
            continue
        x_bar = rule(d, g, out, *args, **params)
        if x_bar is None:
            continue
        shape = x.shape  # (the property: one example's shape for a vmap batch, see vmap.py)
        if x_bar.shape != shape:  # the adjoint of broadcasting is summation: one place
            x_bar = d.sum_to(x_bar, shape)
        x_dtype = x.data.dtype
        if x_bar.dtype != x_dtype:
            x_bar = d.astype(x_bar, x_dtype)
        if not tensor_mode and type(x_bar) is not np.ndarray:
            x_bar = np.asarray(x_bar)
        key = id(x)
        prev = pending.get(key)
        pending[key] = x_bar if prev is None else prev + x_bar


def _run_hooks(t, g, tensor_mode):
    for hook in t._hooks:
        r = hook(g if tensor_mode else Tensor._wrap(g))
        if r is not None:
            g = r if tensor_mode else (r.data if isinstance(r, Tensor) else np.asarray(r))
    return g


def _refs_of_a_private_array() -> int:
    """What ``sys.getrefcount`` reports inside ``_accumulate_leaf`` for an array that only the
    backward pass holds (the caller's local, the parameter, getrefcount's own argument: 3 on
    CPython 3.11). Measured the same way rather than assumed: interpreters count differently."""

    def callee(g):
        return sys.getrefcount(g)

    g = np.empty(0)
    return callee(g)


_PRIVATE_REFS = _refs_of_a_private_array()  # any more and someone else can see the array


def _accumulate_leaf(leaf, g, create_graph):
    """``leaf.grad += g`` as PyTorch: a tensor of its own the first time, in place afterwards.

    The backward pass may share one array between several inputs (add passes its cotangent
    through unchanged), so the first gradient is copied unless nobody else holds it (PyTorch's
    use-count test, here ``sys.getrefcount``): stealing saves a copy of every weight gradient
    per step (7 MB on the 784-1024-1024-10 MLP). Later gradients are added in place, as
    PyTorch does outside create_graph.
    """
    if isinstance(g, Tensor):
        if not create_graph:
            g = Tensor._wrap(g.data.copy())
        leaf._grad = g if leaf._grad is None else leaf._grad + g
        return
    if leaf._grad is None:
        private = (g.base is None and g.dtype == leaf.data.dtype and g.flags.writeable
                   and sys.getrefcount(g) <= _PRIVATE_REFS)
        leaf._grad = Tensor._wrap(g if private else g.astype(leaf.data.dtype, copy=True))
    elif leaf._grad.data.flags.writeable and leaf._grad.data.dtype == g.dtype:
        leaf._grad.data += g
    else:
        leaf._grad = Tensor._wrap(leaf._grad.data + g)


def backward(root: Tensor, gradient=None, retain_graph=None, create_graph=False):
    """``root.backward(...)``: accumulate gradients of ``root`` into the leaves' ``.grad``.

    As PyTorch, ``retain_graph`` defaults to ``create_graph``.
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward: element 0 of tensors does not require grad and does not have a grad_fn "
            "(did you forget requires_grad=True, or compute it under no_grad()?)"
        )
    g = _check_gradient(root, gradient, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward([root], [g], retain_graph=retain_graph, create_graph=create_graph)


from . import primitives  # noqa: E402  (primitives need apply defined first)
from .forward import push_tangents  # noqa: E402  (forward mode needs apply defined first)
