"""Checkpointing: trade compute for memory by recomputing a block's activations in backward.

``checkpoint(fn, *args)`` turns the block into one primitive whose VJP rule runs ``fn`` again.
"""

from __future__ import annotations

import numpy as np

from .backward import run_backward, walk
from . import graph
from .batched_checkpoint import checkpoint_on_batch
from .graph import Node
from .mode import _GradMode, _set_grad_enabled
from .primitives import Primitive, identity, zeros_like
from .primitives.base import _EveryInput
from .tensor import Tensor
from .transforms import jvp


def checkpoint(fn, *args):
    """``fn(*args)`` without keeping its intermediate activations: backward recomputes them.

    As ``torch.utils.checkpoint``: the block's activations live only while its forward runs;
    on backward ``fn`` runs again with recording and is differentiated, so gradients are
    identical while peak memory drops to the blocks' inputs and outputs plus one block.
    Tensors that ``fn`` closes over and that require grad (a block's parameters) are found
    while the forward runs and become inputs of the checkpoint node, so they receive their
    gradients through the ordinary backward pass (functional transforms included). Double
    backward and forward mode work by recomputing ``fn`` too. Under vmap the block is
    checkpointed on the whole batch (``batched_checkpoint.py``), so vmap keeps the saving.
    """
    if not _GradMode.enabled:
        return fn(*args)  # nothing would be stored anyway
    if getattr(graph.tracer, "batching", False):  # under vmap: checkpointed on the whole batch
        return checkpoint_on_batch(graph.tracer, checkpoint, fn, args)
    start = next(Node._counter)  # nodes made by fn have a larger seq
    probes = [Tensor._wrap(a.data) if isinstance(a, Tensor) else a for a in args]
    out = fn(*probes)
    captured = _captured_tensors(out, start)
    value = out.data
    del out  # frees the block's activations
    n = len(args)
    state = {}

    def recompute(g, xs):
        tensor_mode = isinstance(g, Tensor)
        with _set_grad_enabled(True):
            leaves = []
            for x in xs[:n]:  # Tensors in tensor mode, their arrays otherwise
                if isinstance(x, Tensor if tensor_mode else np.ndarray) and x.dtype.kind == "f":
                    x = identity(x) if tensor_mode else Tensor._wrap(x)
                    x.requires_grad = True
                leaves.append(x)
            result = fn(*leaves)
        wanted = [x for x in leaves if isinstance(x, Tensor) and x.requires_grad] + captured
        grads = iter(run_backward([result], [g], inputs=wanted, retain_graph=tensor_mode,
                                  create_graph=None if tensor_mode else False))
        per_input = [next(grads) if isinstance(x, Tensor) and x.requires_grad else None
                     for x in leaves] + list(grads)
        return per_input if tensor_mode else [None if t is None else t.data for t in per_input]

    def rule(i, d, g, y, *xs):
        if state.get("g") is not g:  # one recomputation serves every input's VJP
            state["g"] = g
            state["grads"] = recompute(g, xs)
        grads = state["grads"]
        x_bar, grads[i] = grads[i], None
        if all(t is None for t in grads):  # every gradient handed over: hold nothing
            state.clear()
        return x_bar

    def jvp_rule(d, dots, y, *xs):  # forward mode needs no stored activations: recompute
        dots = [t if t is not None else zeros_like(x) for t, x in zip(dots[:n], xs[:n])]
        return jvp(fn, xs[:n], dots)[1]

    prim = Primitive("checkpoint", lambda *raw: value, _EveryInput(rule), jvp_rule, jvp_on_arrays=False)
    return prim(*args, *captured)


def _captured_tensors(out, start):
    """Tensors requiring grad that the graph of ``out`` reaches but that were made before it."""
    if not isinstance(out, Tensor):
        return []
    return [t for t in walk([out], since=start)
            if t.requires_grad and (t.grad_fn is None or t.grad_fn.seq < start)]
