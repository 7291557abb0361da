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
from .primitives import concatenate, identity, reshape, zeros_like
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
    level = new_level()  # forward mode need not record for this pass (fast/array_jvp.py)
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
        ct_leaves = tree_flatten(cotangent)[0]
        if len(ct_leaves) != len(outs):
            raise ValueError(f"vjp_fn: expected {len(outs)} cotangent(s), got {len(ct_leaves)}")
        live = []  # (output, cotangent) pairs a backward pass starts from
        for o, c in zip(outs, ct_leaves):
            c = c if isinstance(c, Tensor) else Tensor._wrap(_as_array(c, o.dtype))
            if c.shape != o.shape:
                raise ValueError(f"vjp_fn: cotangent has shape {c.shape}, output has {o.shape}")
            if o.requires_grad:
                live.append((o, c))
        grads = run_backward(*map(list, zip(*live)), inputs=xs, retain_graph=True,
                             create_graph=None) if live else [None] * len(xs)
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
        if id(o) not in popped:  # no tangent: zeros batched like o (under vmap: per example)
            has = isinstance(o, Tensor) and o.tangents and level in o.tangents
            popped[id(o)] = pop_tangent(o, level) if has else zeros_like(o)
    result = (out, tree_unflatten(out_def, [popped[id(o)] for o in out_leaves]))
    return result + (aux,) if has_aux else result


def with_tangent(x, level, x_dot):
    """A new tensor equal to ``x`` (linked to it in the graph) that carries ``x_dot`` at ``level``."""
    y = identity(x)
    y.tangents = {**(y.tangents or {}), level: x_dot}
    return y


def linearize(f, *primals):
    """``(f(*primals), f_jvp)`` with ``f_jvp(*tangents)`` the JVP at ``primals`` (recomputes f)."""
    return f(*primals), lambda *tangents: jvp(f, primals, tangents)[1]


# --------------------------------------------------------------------------- grad family


def _partial(f, args, nums, kwargs=None):
    """f as a function of the arguments at positions ``nums`` only."""

    def partial(*diff):
        full = list(args)
        for i, a in zip(nums, diff):
            full[i] = a
        return f(*full, **(kwargs or {}))

    return partial


def value_and_grad(f, argnums=0, has_aux=False):
    """``f`` -> ``(value, grad)``; f must return a scalar. ``argnums`` int or tuple, as JAX."""

    def wrapped(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad")
        res = vjp(_partial(f, args, nums, kwargs), *[args[i] for i in nums], has_aux=has_aux)
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


# --------------------------------------------------------------------------- Jacobians


def _mapped(fn, leaves, chunk_size, axis, name):
    """``vmap(fn, out_axes=axis)`` over the unit vectors of all ``leaves`` together (per leaf an
    (n, *leaf.shape) block of the n x n identity, as JAX's std_basis), ``chunk_size`` at a time
    (made per chunk) to bound memory: ``(result leaves, structure, offsets of each leaf)``."""
    offsets = np.cumsum([0] + [int(np.prod(x.shape)) for x in leaves])
    n = int(offsets[-1])
    step = n if chunk_size is None else chunk_size
    if not isinstance(step, int) or step < 1:
        raise ValueError(f"{name}: chunk_size must be a positive int or None, got {chunk_size!r}")
    if n == 0:
        raise ValueError(f"{name}: the arguments have no entries to differentiate")
    parts = []
    for k in range(0, n, step):
        e = np.eye(min(step, n - k), n, k)  # unit vectors k, k + 1, ...: chunk x n, not n x n
        basis = [e[:, a:b].reshape((len(e),) + x.shape).astype(x.dtype)
                 for a, b, x in zip(offsets, offsets[1:], leaves)]
        parts.append(tree_flatten(vmap(fn, out_axes=axis)(*basis)))
    out = parts[0][0] if len(parts) == 1 else [
        concatenate(list(p), axis) for p in zip(*[q[0] for q in parts])]
    return out, parts[0][1], offsets


def _rows(r, offsets, k, axis):
    """The part of a mapped result ``r`` that the unit vectors of leaf ``k`` gave."""
    cut = slice(int(offsets[k]), int(offsets[k + 1]))
    return r if len(offsets) == 2 else r[cut] if axis == 0 else r[..., cut]


def _jacobian(f, argnums, chunk_size, name, forward):
    """jacfwd (``forward``: JVPs of the unit tangents) or jacrev (VJPs of the unit cotangents),
    batched by one vmap; block (output j, input m) has shape out_j.shape + in_m.shape, and the
    result has the output's structure, each leaf the argument's (a tuple when argnums is)."""

    def wrapped(*args):
        nums = _argnums_tuple(argnums, len(args), name)
        in_leaves, in_def = tree_flatten(tuple(args[i] for i in nums))
        in_leaves = [_float_tensor(x, name) for x in in_leaves]
        partial = _partial(f, args, nums)
        primals = tree_unflatten(in_def, in_leaves)
        if forward:  # per output leaf, its shape + (n_in,): the vmap gives the structure
            cols, out_def, offsets = _mapped(
                lambda *dots: jvp(partial, primals, tree_unflatten(in_def, list(dots)))[1],
                in_leaves, chunk_size, -1, name)
            blocks = [[reshape(_rows(c, offsets, m, -1), c.shape[:-1] + x.shape)
                       for m, x in enumerate(in_leaves)] for c in cols]
        else:  # per input leaf, (n_out,) + its shape; the forward is batched inside the vmap
            out_leaves, out_def = tree_flatten(partial(*primals))  # too (one batched backward)
            outs = [_float_tensor(o, f"{name} output") for o in out_leaves]
            rows, _, offsets = _mapped(
                lambda *cts: vjp(partial, *primals)[1](tree_unflatten(out_def, list(cts))),
                outs, chunk_size, 0, name)
            blocks = [[reshape(_rows(r, offsets, j, 0), o.shape + x.shape)
                       for r, x in zip(rows, in_leaves)] for j, o in enumerate(outs)]
        per_out = [tree_unflatten(in_def, b) for b in blocks]
        return tree_unflatten(out_def, [p[0] for p in per_out] if isinstance(argnums, int)
                              else per_out)

    return wrapped


def jacrev(f, argnums=0, chunk_size=None):
    """The Jacobian by reverse mode: a VJP vmapped over the unit cotangents (as ``jax.jacrev``);
    ``chunk_size`` cotangents at a time bound memory (as ``torch.func.jacrev``)."""
    return _jacobian(f, argnums, chunk_size, "jacrev", forward=False)


def jacfwd(f, argnums=0, chunk_size=None):
    """The Jacobian by forward mode: a JVP vmapped over the unit tangents (as ``jax.jacfwd``);
    ``chunk_size`` tangents at a time bound memory."""
    return _jacobian(f, argnums, chunk_size, "jacfwd", forward=True)


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


