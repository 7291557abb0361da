"""The backward pass: one graph walk, the chain-rule loop, and PyTorch's face around it.

``run_backward`` walks the graph from the roots in reverse topological order (iteratively: no
recursion limit), calling each primitive's VJP rules. For an ordinary first-order backward the
rules run on raw ndarrays (``ARRAY_OPS``): no Tensors, no nodes. With ``create_graph=True`` (or
when the graph carries tangents) the same rules run on Tensors (``TENSOR_OPS``) so the gradient
is itself recorded and can be differentiated again.
"""

from __future__ import annotations

import operator

import numpy as np

from . import graph
from .errors import ShapeError
from .mode import _GradMode
from .tensor import Tensor
from .versions import _modified
from .vocabulary import ARRAY_OPS, TENSOR_OPS


_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they "
          "have already been freed). Saved intermediate values of the graph are freed when you call "
          ".backward(). Specify retain_graph=True if you need to backward through the graph a second time.")


def walk(roots, stop=(), since=-1, every_input=False):
    """The one graph walk: the tensors reachable from ``roots``, inputs before what they made.

    Follows the inputs that require grad (every Tensor input with ``every_input``, for drawing);
    does not go past tensors in ``stop`` nor into nodes made before ``since`` (a checkpoint's
    block). One pass collects them: the leaves, then the rest sorted by node creation order (a
    topological order by construction), in place of a two-phase DFS. Used by backward, compile,
    checkpoint, dot and the lexicographic derivative.
    """
    seen = dict.fromkeys(roots)  # marked when first reached: each tensor is pushed once
    stack, leaves, made = list(seen), [], []
    while stack:
        t = stack.pop()
        node = t.grad_fn
        (leaves if node is None else made).append(t)
        if node is None or (stop and id(t) in stop) or node.seq < since:
            continue
        inputs = node.inputs
        if inputs is None:
            raise RuntimeError(_FREED)
        # (a map, not a list comprehension: that costs a function call per node)
        for x in (inputs if every_input else map(inputs.__getitem__, node.diff)):
            if isinstance(x, Tensor) and x not in seen:
                seen[x] = None
                stack.append(x)
    return leaves + sorted(made, key=_CREATED)


_CREATED = operator.attrgetter("grad_fn.seq")  # a sort key in C: no Python call per tensor


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
            raise RuntimeError(f"backward: grad can be implicitly created only for scalar outputs; this "
                               f"output has shape {root.shape}, so pass gradient= (a tensor of that shape)")
        return np.ones_like(root.data)
    g = gradient if isinstance(gradient, Tensor) else Tensor._wrap(np.asarray(gradient))
    if g.shape != root.shape:
        raise ShapeError(f"backward: gradient has shape {g.shape} but the output has shape {root.shape}")
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
    result can be differentiated again from outside (an outer transform's level). ``check(node,
    g, pending)`` runs after each node's rules (detect_anomaly).
    """
    tracer = graph.tracer
    if tracer is not None and not getattr(tracer, "transposing", False):
        return tracer.backward(roots, cotangents, inputs, retain_graph, create_graph)
    stop = set() if inputs is None else set(id(t) for t in inputs)
    order = walk(roots, stop)
    if create_graph is None:  # record only if an outer level may differentiate the gradients:
        # a cotangent requires grad, a stop tensor is computed from tensors requiring grad, or
        # the graph uses a leaf requiring grad that is no stop tensor (a closed-over parameter)
        create_graph = _GradMode.enabled and (
            any(isinstance(c, Tensor) and c.requires_grad for c in cotangents)
            or any((t.grad_fn is None) != (id(t) in stop) for t in order))
    # Differentiable mode: rules run on Tensors when the gradient must itself be recorded or
    # must carry forward-mode tangents (forward-over-reverse).
    # (and under vmap's transposing tracer: its rules then see batched cotangents, see vmap.py)
    # (tangents is None or a non-empty dict; the map is a C loop, 2.7k instructions fewer on W1)
    tensor_mode = create_graph or tracer is not None or any(map(operator.attrgetter("tangents"), order))
    keep = _reaching(order, inputs) if inputs is not None else None
    pending, shared, results = {}, set(), {}
    for r, g in zip(roots, cotangents):
        if isinstance(g, Tensor) != tensor_mode:  # the vocabulary's kind: Tensors or arrays
            g = Tensor._wrap(g) if tensor_mode else g.data
        shared.add(id(g))  # the caller holds it: a leaf may not adopt it
        pending[r] = g if r not in pending else pending[r] + g

    def arrive(t, g):
        """PyTorch's face, per tensor: the g to propagate through t's node, or None to stop."""
        if keep is not None and id(t) not in keep:  # (keep and stop: only with inputs=)
            return None
        if t._hooks:
            for hook in t._hooks:  # each sees a Tensor and may replace it
                r = hook(g if tensor_mode else Tensor._wrap(g))
                if r is not None:
                    g = r if tensor_mode else (r.data if isinstance(r, Tensor) else np.asarray(r))
            shared.add(id(g))  # a hook (or its result) may hold g
        if stop and id(t) in stop:
            results[id(t)] = g
            return None
        node = t.grad_fn
        if node is None:
            if inputs is None:
                _accumulate_leaf(t, g, create_graph, id(g) in shared)
            return None
        for x in (t, *node.inputs) if _modified else ():  # changed in place after node used it?
            entry = _modified.get(id(x)) if isinstance(x, Tensor) else None
            if entry is not None and entry[0] > node.seq:
                raise RuntimeError(f"backward: a tensor of shape {x.shape} needed by {node.name}'s gradient was "
                                   f"modified by an in-place operation after {node.name} used it (it is now at "
                                   f"version {entry[1]}); compute the in-place update after backward, or on a copy")
        return g

    def after(node, g, pending):
        """PyTorch's face, per node once its rules ran: the anomaly check, then freeing."""
        if check is not None:
            check(node, g, pending)
        if not retain_graph:
            node.inputs = node.arrays = None  # the activations go as soon as they are used

    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph  # the rules record only when create_graph
    try:
        _chain_rule(order, pending, TENSOR_OPS if tensor_mode else ARRAY_OPS, keep, shared, arrive,
                    after)
    finally:
        _GradMode.enabled = previous_mode
    if inputs is None:
        return None
    grads = [results.get(id(x)) for x in inputs]
    return [Tensor._wrap(g) if g is not None and not isinstance(g, Tensor) else g for g in grads]


def _chain_rule(order, pending, d, keep, shared, arrive, after):
    """The chain rule, outputs first: each tensor's summed cotangent through its node's VJP rules.

    ``pending`` maps each tensor (Tensors hash by identity) to the sum of the cotangents that
    reached it so far; ``d`` is the vocabulary the rules run on (``ARRAY_OPS`` or
    ``TENSOR_OPS``); ``keep`` the tensors that reach an ``inputs=`` tensor (None: all); ``shared``
    the cotangents held twice (a leaf copies them); ``arrive`` and ``after`` are PyTorch's face,
    per tensor and per node (``run_backward``).
    """
    on_arrays = d is ARRAY_OPS
    for i in range(len(order) - 1, -1, -1):
        t, order[i] = order[i], None  # the tensor (and its data) may go once it has been used
        g = pending.pop(t, None)
        if g is None or (g := arrive(t, g)) is None:
            continue  # not reached, or stopped there (a leaf, an inputs= tensor)
        node = t.grad_fn
        xs, y = (node.arrays, t.data) if on_arrays else (node.inputs, t)
        for k in node.diff:
            x, rule = node.inputs[k], node.prim.vjps[k]
            if rule is None or (keep is not None and id(x) not in keep):
                continue  # an input the primitive is not differentiable in, or one not wanted
            x_bar = rule(d, g, y, *xs, **node.params)
            if x_bar is None:
                continue
            if x_bar.shape != x.data.shape:  # the adjoint of broadcasting is a sum, done once
                x_bar = d.sum_to(x_bar, x.data.shape)
            if x_bar.dtype != x.data.dtype:
                x_bar = d.astype(x_bar, x.data.dtype)
            if on_arrays and type(x_bar) is not np.ndarray:  # a NumPy scalar from a full reduction
                x_bar = np.asarray(x_bar)
            if x_bar is g:  # passed on unchanged (add, identity): a leaf may not adopt it
                shared.add(id(g))
            pending[x] = x_bar if x not in pending else pending[x] + x_bar
        after(node, g, pending)


def _accumulate_leaf(leaf, g, create_graph, shared=True):
    """``leaf.grad += g`` as PyTorch: a tensor of its own the first time, in place afterwards.

    The first gradient is adopted without a copy when the backward pass made it and holds it
    nowhere else (``shared`` False: no VJP rule passed it on unchanged to a second input, as
    ``add`` does, and the caller did not supply it); otherwise it is copied. Later gradients are
    added in place, as PyTorch does outside create_graph.
    """
    if isinstance(g, Tensor):
        if not create_graph:
            g = Tensor._wrap(g.data.copy())
        leaf._grad = g if leaf._grad is None else leaf._grad + g
        return
    if leaf._grad is None:
        private = (not shared and g.base is None and g.dtype == leaf.data.dtype
                   and g.flags.writeable)
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
        raise RuntimeError("backward: element 0 of tensors does not require grad and does not have a grad_fn "
                           "(did you forget requires_grad=True, or compute it under no_grad()?)")
    run_backward([root], [_check_gradient(root, gradient, create_graph)],
                 retain_graph=create_graph if retain_graph is None else retain_graph,
                 create_graph=create_graph)
