"""checkpoint under vmap: the block checkpointed on the whole batch, so vmap keeps the saving.

Inside ``vmap(f)``, ``checkpoint(fn, *args)`` makes one checkpoint node on the whole
("physical") arrays, below every vmap level, whose forward and whose recomputation in backward
both run ``fn`` as vmap runs it (each primitive by its batching rule, on whole batches). The
activations of every example of the block are freed once its forward is done and rebuilt by the
backward pass, as ``jax.vmap(jax.checkpoint(fn))``; per-example gradients
(``vmap(grad(f))``), ``grad(vmap(f))`` and nested vmaps all differentiate that one node.
Forward mode inside vmap (``vmap(hessian(f))``, a ``jvp`` of a batched tangent) runs the block
as it is (exact, nothing saved): a batched tangent may be laid out unlike its primal there.
"""

from __future__ import annotations

from .batched import Batched, levels_of
from .primitives import identity
from .tensor import Tensor


def checkpoint_on_batch(interp, checkpoint, fn, args):
    """``checkpoint(fn, *args)`` while the vmap ``interp`` runs: ``checkpoint`` is applied to
    ``fn`` lifted to whole arrays, outside every vmap level; the result is batched as ``fn``'s."""
    from .vmap import _Switch

    if any(isinstance(a, Tensor) and a.tangents for a in args):
        return fn(*args)  # forward mode inside vmap (hessian, jvp): the block as it is, exact
    base = interp
    while getattr(base, "batching", False):  # the tracer below every vmap (None, or jit's)
        base = base.outer
    arg_levels = [levels_of(a) for a in args]
    out_levels = []

    def on_whole_arrays(*xs):
        """``fn`` seen by vmap: each whole array batched as its argument was (a leaf that
        requires grad passes through ``identity`` first, so its gradient reaches it)."""
        seen = [Batched.make(identity(x) if x.requires_grad and x.grad_fn is None else x, lv)
                if lv and isinstance(x, Tensor) else x for x, lv in zip(xs, arg_levels)]
        with interp.logical():
            out = fn(*seen)
        if not isinstance(out, Tensor):
            raise TypeError(f"checkpoint: the block must return one Tensor, got "
                            f"{type(out).__name__}")
        out_levels[:] = [levels_of(out)]
        return out

    with _Switch(base, []):  # whole arrays, no batch rules: every axis seen
        result = checkpoint(on_whole_arrays, *args)
    levels = out_levels[0]
    return Batched.make(result, levels) if levels else result
