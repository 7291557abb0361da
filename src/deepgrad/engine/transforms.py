"""The functional transforms of JAX (and torch.func), each a few lines over ``vjp`` and ``jvp``.

Functions take Tensors (NumPy arrays and scalars are converted) or tuples/lists/dicts of them
(pytrees) and return the same. Transforms nest freely: ``grad(grad(f))``, ``jacfwd(jacrev(f))``,
``jvp(grad(f), ...)`` (forward-over-reverse, used by ``hvp``).

Recording: a transform records the backward pass (so its result is differentiable again) only
when something outside it may differentiate it: an argument coming from an outer graph or a
closed-over tensor that requires grad (a module parameter). Calling a transform under
``no_grad()`` gives a plain first-order result even then.
"""

from __future__ import annotations

import numpy as np

from .backward import run_backward
from .forward import new_level, pop_tangent
from .mode import _set_grad_enabled
from .primitives import concatenate, identity, reshape, stack, transpose, zeros_like
from .pytree import ravel_parameters, tree_flatten, tree_unflatten  # noqa: F401  (re-exported)
from .tensor import Tensor, _as_array
from .vocabulary import ARRAY_OPS, TENSOR_OPS
from .vmap import vmap  # noqa: F401  (batching rules: vmap.py, batching.py)

def _float_tensor(x, what):
    """A Tensor view of ``x``; differentiation needs a floating dtype."""
    t = x if isinstance(x, Tensor) else Tensor._wrap(_as_array(x))
    if t.dtype.kind != "f":
        raise TypeError(f"{what}: differentiation needs floating inputs, got dtype {t.dtype}")
    return t


def _argnums_tuple(argnums, nargs, name):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{name}: argnums={argnums} but the function got {nargs} arguments")
    return nums


# --------------------------------------------------------------------------- vjp / jvp


def vjp(f, *primals, has_aux=False):
    """``(f(*primals), vjp_fn)`` where ``vjp_fn(y_bar)`` returns x_bar = J^T y_bar per primal.

    As ``jax.vjp``: ``vjp_fn`` takes a cotangent shaped like the output and returns a tuple with
    one cotangent per primal (pytrees allowed); it may be called many times.
    """
    leaves, treedef = tree_flatten(primals)
    level = new_level()  # forward mode need not record for this pass (forward._plain)
    with _set_grad_enabled(True):
        xs = [identity(_float_tensor(x, "vjp")) for x in leaves]
        for x in xs:
            if not x.requires_grad:  # an input of this pass only: later levels may skip it
                x.reverse_level = level
            x.requires_grad = True
        out = f(*tree_unflatten(treedef, xs))
    if has_aux:
        out, aux = out
    out_leaves, out_def = tree_flatten(out)
    outs = [_float_tensor(o, "vjp output") for o in out_leaves]

    def vjp_fn(cotangent):
        ct_leaves, ct_def = tree_flatten(cotangent)
        if len(ct_leaves) != len(outs):
            raise ValueError(f"vjp_fn: expected {len(outs)} cotangent(s), got {len(ct_leaves)}")
        cts = []
        for o, c in zip(outs, ct_leaves):
            c = c if isinstance(c, Tensor) else Tensor._wrap(_as_array(c, o.dtype))
            if c.shape != o.shape:
                raise ValueError(f"vjp_fn: cotangent has shape {c.shape}, output has {o.shape}")
            cts.append(c)
        live = [(o, c) for o, c in zip(outs, cts) if o.requires_grad]
        grads = [None] * len(xs)
        if live:
            grads = run_backward([o for o, _ in live], [c for _, c in live], inputs=xs,
                                 retain_graph=True, create_graph=None)
        grads = [g if g is not None else zeros_like(x) for g, x in zip(grads, xs)]
        return tree_unflatten(treedef, grads)

    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def jvp(f, primals, tangents, has_aux=False):
    """``(f(*primals), J tangents)``: forward mode, one pass, as ``jax.jvp``.

    ``primals`` and ``tangents`` are tuples of the same structure and shapes.
    """
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"jvp: {name} must be a tuple or list (one entry per argument of f), "
                            f"got {type(value).__name__}")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s)")
    p_leaves, p_def = tree_flatten(tuple(primals))
    t_leaves, t_def = tree_flatten(tuple(tangents))
    if p_def != t_def:
        raise ValueError(f"jvp: primals and tangents must have the same structure: got {p_def} "
                         f"and {t_def}")
    level = new_level(TENSOR_OPS, ARRAY_OPS)  # forward mode runs its rules on these
    xs = []
    for i, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        p = _float_tensor(p, "jvp")
        t = t if isinstance(t, Tensor) else Tensor._wrap(_as_array(t, p.dtype))
        if t.shape != p.shape:
            raise ValueError(
                f"jvp: tangent {i} has shape {t.shape} but its primal has shape {p.shape}")
        xs.append(with_tangent(p, level, t))
    out = f(*tree_unflatten(p_def, xs))
    if has_aux:
        out, aux = out
    out_leaves, out_def = tree_flatten(out)
    popped = {}  # one tensor may sit at several places of the output (or be one cotangent
    for o in out_leaves:  # handed to two inputs, as add's VJP does): pop its tangent once
        if id(o) not in popped:
            popped[id(o)] = pop_tangent(o, level)
    dots = [popped[id(o)] for o in out_leaves]
    result = (out, tree_unflatten(out_def, dots))
    return result + (aux,) if has_aux else result


def with_tangent(x, level, x_dot):
    """A new tensor equal to ``x`` (linked to it in the graph) that carries ``x_dot`` at ``level``."""
    y = identity(x)
    if y.tangents is None:
        y.tangents = {}
    y.tangents[level] = x_dot
    return y


def linearize(f, *primals):
    """``(f(*primals), f_jvp)`` with ``f_jvp(*tangents)`` the JVP at ``primals`` (recomputes f)."""
    out = f(*primals)
    return out, lambda *tangents: jvp(f, primals, tangents)[1]


# --------------------------------------------------------------------------- grad family


def value_and_grad(f, argnums=0, has_aux=False):
    """``f`` -> ``(value, grad)``; f must return a scalar. ``argnums`` int or tuple, as JAX."""

    def wrapped(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad")

        def partial(*diff):
            full = list(args)
            for i, a in zip(nums, diff):
                full[i] = a
            return f(*full, **kwargs)

        res = vjp(partial, *[args[i] for i in nums], has_aux=has_aux)
        out, fn = res[0], res[1]
        if not isinstance(out, Tensor) or out.numel() != 1:
            shape = out.shape if isinstance(out, Tensor) else type(out).__name__
            raise TypeError(
                f"grad: the function must return a scalar Tensor, got {shape}; use jacrev or "
                "vjp for non-scalar outputs")
        grads = fn(Tensor._wrap(np.ones_like(out.data)) if type(out) is Tensor else
                   zeros_like(out) + 1)  # under vmap: ones batched like out
        grads = grads[0] if isinstance(argnums, int) else tuple(grads)
        value = (out, res[2]) if has_aux else out
        return value, grads

    return wrapped


def grad(f, argnums=0, has_aux=False):
    """The gradient of scalar ``f`` w.r.t. argument(s) ``argnums`` (as ``jax.grad``)."""
    vg = value_and_grad(f, argnums, has_aux)

    def wrapped(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def _partial(f, args, nums):
    """f as a function of the arguments at positions ``nums`` only."""

    def partial(*diff):
        full = list(args)
        for i, a in zip(nums, diff):
            full[i] = a
        return f(*full)

    return partial


def _unit(shape, k, dtype):
    e = np.zeros(int(np.prod(shape)), dtype=dtype)
    e[k] = 1
    return Tensor._wrap(e.reshape(shape))


def _assemble(out_def, in_def, blocks, argnums):
    """Jacobian pytree as JAX builds it: output structure outside, argument structure inside."""
    per_out = [tree_unflatten(in_def, b) for b in blocks]
    if isinstance(argnums, int):
        per_out = [p[0] for p in per_out]
    return tree_unflatten(out_def, per_out)


def _basis(shape, dtype):
    """The unit tangents/cotangents of a leaf: (n, *shape) with n = its number of entries."""
    n = int(np.prod(shape))
    return Tensor._wrap(np.eye(n, dtype=dtype).reshape((n,) + tuple(shape)))


def _chunked(fn, basis, chunk_size, batched=True):
    """``vmap(fn)(basis)`` (a list of leaves), ``chunk_size`` rows at a time to bound memory.

    ``batched=False``: one call per row (jacfwd for now: the fuzzer's Hessians of some programs
    with scalar inputs fail when jacfwd is batched, so jacfwd does not batch yet).
    """
    n = basis.shape[0]
    if not batched:
        rows = [fn(basis[k]) for k in range(n)]
        return [stack([r[m] for r in rows]) for m in range(len(rows[0]))]
    step = n if chunk_size is None else int(chunk_size)
    if step < 1:
        raise ValueError(f"chunk_size must be a positive int or None, got {chunk_size!r}")
    parts = [vmap(fn)(basis[k:k + step] if step < n else basis) for k in range(0, n, step)]
    if len(parts) == 1:
        return parts[0]
    return [concatenate([p[m] for p in parts]) for m in range(len(parts[0]))]


def jacrev(f, argnums=0, chunk_size=None):
    """Jacobian by reverse mode: the VJP vmapped over the output's unit cotangents (as JAX).

    The function is evaluated once plainly (for the output's shape) and once inside the vmap.

    Each block has shape out.shape + in.shape; pytrees as ``jax.jacrev``: the result has the
    output's structure, each leaf holding the argument's structure (a tuple over ``argnums``
    when it is a tuple). ``chunk_size`` cotangents at a time bound memory.
    """

    def wrapped(*args):
        nums = _argnums_tuple(argnums, len(args), "jacrev")
        diff = tuple(args[i] for i in nums)
        in_leaves, in_def = tree_flatten(diff)
        for x in in_leaves:
            _float_tensor(x, "jacrev")
        partial = _partial(f, args, nums)
        out_leaves, out_def = tree_flatten(partial(*diff))
        outs = [_float_tensor(o, "jacrev output") for o in out_leaves]
        blocks = []
        for j, o in enumerate(outs):
            def pull(ct, j=j):
                # the forward runs inside the vmap too: its graph is batched like the
                # cotangents, so the backward pass is one batched pass (no loop)
                out, fn = vjp(partial, *diff)
                cts = [zeros_like(o2) for o2 in tree_flatten(out)[0]]
                cts[j] = ct
                return tree_flatten(fn(tree_unflatten(out_def, cts)))[0]

            rows = _chunked(pull, _basis(o.shape, o.dtype), chunk_size)
            blocks.append([reshape(r, o.shape + np.shape(leaf))
                           for r, leaf in zip(rows, in_leaves)])
        return _assemble(out_def, in_def, blocks, argnums)

    return wrapped


def jacfwd(f, argnums=0, chunk_size=None):
    """Jacobian by forward mode: one JVP per unit tangent of the input (JAX vmaps them; here the
    loop stays until the fuzzer's Hessians pass with it batched).

    Pytrees as ``jax.jacfwd`` (same result structure as ``jacrev``); ``chunk_size`` tangents at
    a time bound memory.
    """

    def wrapped(*args):
        nums = _argnums_tuple(argnums, len(args), "jacfwd")
        diff = tuple(args[i] for i in nums)
        in_leaves, in_def = tree_flatten(diff)
        in_leaves = [_float_tensor(x, "jacfwd") for x in in_leaves]
        if not in_leaves:
            raise ValueError("jacfwd: the arguments have no entries to differentiate")
        partial = _partial(f, args, nums)
        primals = tree_unflatten(in_def, in_leaves)
        out_def, columns = None, []
        for m, x in enumerate(in_leaves):
            def push(v, m=m):
                dots = [zeros_like(x2) for x2 in in_leaves]
                dots[m] = v
                return tree_flatten(jvp(partial, primals, tree_unflatten(in_def, dots))[1])[0]

            columns.append(_chunked(push, _basis(x.shape, x.dtype), chunk_size, batched=False))
        out_leaves, out_def = tree_flatten(partial(*primals))
        blocks = []
        for j, o in enumerate(out_leaves):
            # the basis axis comes first: move it last, then unfold it to the input's shape
            blocks.append([reshape(transpose(columns[m][j], tuple(range(1, np.ndim(o) + 1))
                                             + (0,)), tuple(np.shape(o)) + x.shape)
                           for m, x in enumerate(in_leaves)])
        return _assemble(out_def, in_def, blocks, argnums)

    return wrapped


def hessian(f, argnums=0):
    """The Hessian as forward-over-reverse: ``jacfwd(jacrev(f))``."""
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f, primals, tangents):
    """Hessian-vector product H v of scalar ``f``, forward-over-reverse: H is never formed.

    ``primals`` and ``tangents`` are tuples; returns one H v block per primal (a tuple when
    there are several primals, as ``jax.jvp(jax.grad(f, argnums), ...)``).
    """
    primals, tangents = tuple(primals), tuple(tangents)
    argnums = 0 if len(primals) == 1 else tuple(range(len(primals)))
    return jvp(grad(f, argnums), primals, tangents)[1]


