"""Custom derivatives: ``custom_vjp`` / ``custom_jvp`` (as JAX) and ``autograd.Function`` (as PyTorch).

All three end in ``bind``: a primitive made at call time whose forward returns the value already
computed and whose rules call the user's. The user's rules run on Tensors: under a first-order
backward with recording off (so they are just NumPy underneath), under ``create_graph=True`` or
forward-over-reverse recorded, so a rule written with deepgrad ops has derivatives of its own.

- ``custom_vjp``: ``fwd(*args) -> (out, residuals)``, ``bwd(residuals, out_bar) -> args_bar``.
  Forward mode through it is refused, as in JAX.
- ``custom_jvp``: ``jvp((primals), (tangents)) -> (out, out_dot)``; reverse mode transposes it:
  the rule is linear in the tangents, so x_bar = vjp of ``tangents -> out_dot`` applied to y_bar.
- ``Function``: ``forward(ctx, *args)``, ``backward(ctx, *grads)``, optional ``jvp(ctx, *dots)``.
"""

from __future__ import annotations

import functools

import numpy as np

from .graph import ShapeError, _set_grad_enabled, is_grad_enabled
from .primitives import Primitive
from .pytree import tree_flatten, tree_unflatten
from .tensor import Tensor


def _zeros(v):
    return Tensor._wrap(np.zeros(np.shape(v), dtype=np.asarray(v).dtype))


def _wrap_all(xs):
    """The inputs as Tensors (an array that holds a vmap batch stays one)."""
    from .vmap import Batched, levels_of

    return [x if isinstance(x, Tensor) or not isinstance(x, np.ndarray) else
            Batched.make(Tensor._wrap(x), levels_of(x)) if levels_of(x) else Tensor._wrap(x)
            for x in xs]


def _check_cotangent(name, i, x_bar, x):
    """x_bar as the engine wants it for input ``x``: its shape (or broadcastable to it)."""
    shape = np.shape(x.data if isinstance(x, Tensor) else x)
    got = tuple(x_bar.shape)
    if got != shape:
        try:
            ok = np.broadcast_shapes(got, shape) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"{name}: the derivative rule returned a gradient of shape {got} for "
                             f"input {i}, whose shape is {shape}")
    return x_bar


class CustomPrimitive(Primitive):
    """A primitive made by ``bind``: its forward returns a value computed beforehand (vmap
    batches that computation, so it needs no batching rule of its own)."""

    __slots__ = ()
    precomputed = True  # batching.batch_apply reads this: no rule of its own needed


def bind(name, inputs, values, cotangents=None, tangents=None):
    """Output Tensors holding ``values``, differentiated by the given rules.

    ``inputs``: the flat inputs (Tensors or constants). ``cotangents(out_bars, xs) -> x_bars``
    gets one cotangent Tensor per output and the inputs as Tensors, and returns one per input
    (None for none); ``tangents(x_dots, xs) -> out_dots`` the same way forward. A missing rule
    raises when that mode reaches it. One node per floating output: the rules are linear in the
    cotangents, so the node of output j calls them with zeros elsewhere and the sums add up.
    """
    float_outs = [j for j, v in enumerate(values) if np.asarray(v).dtype.kind == "f"]
    state = {}
    from . import graph

    interp = graph.tracer if getattr(graph.tracer, "batching", False) else None
    if interp is not None:  # under vmap the rules see one example, as the user wrote them
        from .vmap import per_example

        cotangents = _per_example_rule(interp, per_example, cotangents, values)
        tangents = _per_example_rule(interp, per_example, tangents, values, forward=True)

    def x_bar(j, i, d, g, y, *xs):
        if cotangents is None:
            raise NotImplementedError(f"{name}: no reverse-mode rule (defvjp / backward)")
        tensor_mode = isinstance(g, Tensor)
        if state.get("g") is not g or state.get("j") != j:  # one call serves every input
            cts = [_zeros(v) for v in values]
            cts[j] = g if tensor_mode else Tensor._wrap(g)
            with _set_grad_enabled(tensor_mode and is_grad_enabled()):
                bars = list(cotangents(cts, _wrap_all(xs)))
            if len(bars) != len(xs):
                raise ValueError(f"{name}: the derivative rule returned {len(bars)} gradient(s) "
                                 f"for {len(xs)} input(s)")
            state.update(g=g, j=j, bars=bars)
        b = state["bars"][i]
        if b is None:
            return None
        b = b if isinstance(b, Tensor) else Tensor._wrap(np.asarray(b))
        b = _check_cotangent(name, i, b, xs[i])
        return b if tensor_mode else b.data

    def y_dot(j, d, dots, y, *xs):
        if tangents is None:
            raise NotImplementedError(
                f"{name}: no forward-mode rule (custom_vjp functions support reverse mode only, "
                "as in JAX; use custom_jvp, or give the Function a jvp)")
        dots = [t if t is not None else _zeros(x) for t, x in zip(dots, xs)]
        return tangents(dots, _wrap_all(xs))[j]

    class _Rules:
        def __init__(self, j):
            self.j = j

        def __getitem__(self, i):
            return functools.partial(x_bar, self.j, i)

    outs = []
    for j, v in enumerate(values):
        if j not in float_outs:
            outs.append(Tensor._wrap(np.asarray(v)))
            continue
        value = np.asarray(v)
        prim = CustomPrimitive(name, lambda *raw, value=value: value, _Rules(j),
                               functools.partial(y_dot, j), jvp_on_arrays=False)
        outs.append(prim(*inputs))
    return outs


def _per_example_rule(interp, per_example, rule, values, forward=False):
    """``rule(seeds, xs)`` run at one example's level of the vmap it was called under."""
    if rule is None:
        return None

    from .vmap import levels_of

    def batched(seeds, xs):
        n = len(seeds)
        # a seed is laid out as its output (a cotangent) or as its input (a tangent)
        seed_levels = [levels_of(x) for x in xs] if forward else [levels_of(v) for v in values]
        targets = list(values) if forward else list(xs)
        return per_example(interp, lambda seen: rule(seen[:n], seen[n:]), list(seeds) + list(xs),
                           seed_levels + [levels_of(x) for x in xs], targets)

    return batched


def _raw(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


# --------------------------------------------------------------------------- custom_vjp


class custom_vjp:
    """A function with a reverse-mode rule of its own, as ``jax.custom_vjp``.

        @custom_vjp
        def f(x, y): ...
        def f_fwd(x, y): return f(x, y), (x, y)          # (output, residuals)
        def f_bwd(res, g): x, y = res; return (g * y, g * x)   # one cotangent per argument
        f.defvjp(f_fwd, f_bwd)

    Arguments and outputs may be pytrees; ``nondiff_argnums`` as JAX (those arguments come
    first in ``bwd``'s arguments).
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun, self.fwd, self.bwd = fun, None, None
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.inside_fwd = 0  # fwd usually calls f itself: that call is the plain function

    def defvjp(self, fwd, bwd):
        self.fwd, self.bwd = fwd, bwd
        return self

    def __call__(self, *args):
        name = getattr(self.fun, "__name__", "custom_vjp")
        if self.fwd is None:
            raise TypeError(f"custom_vjp {name}: call defvjp(fwd, bwd) before calling it")
        if self.inside_fwd:
            return self.fun(*args)
        nondiff = [args[i] for i in self.nondiff_argnums]
        diff = tuple(a for i, a in enumerate(args) if i not in self.nondiff_argnums)
        leaves, in_def = tree_flatten(diff)
        self.inside_fwd += 1
        try:
            with _set_grad_enabled(True):  # residuals keep their graph: bwd may be differentiated
                res_out = self.fwd(*args)
        finally:
            self.inside_fwd -= 1
        if not (isinstance(res_out, tuple) and len(res_out) == 2):
            raise TypeError(f"custom_vjp {name}: fwd must return (output, residuals)")
        out, residuals = res_out
        out_leaves, out_def = tree_flatten(out)
        bwd = self.bwd

        def cotangents(out_bars, xs):
            bars = bwd(*nondiff, residuals, tree_unflatten(out_def, out_bars))
            if not isinstance(bars, tuple):
                raise TypeError(f"custom_vjp {name}: bwd must return a tuple with one cotangent "
                                f"per differentiable argument, got {type(bars).__name__}")
            if len(bars) != len(diff):
                raise ValueError(f"custom_vjp {name}: bwd returned {len(bars)} cotangent(s) for "
                                 f"{len(diff)} argument(s)")
            bar_leaves = []
            for arg, b in zip(diff, bars):
                n = len(tree_flatten(arg)[0])
                got = tree_flatten(b)[0] if b is not None else [None] * n
                bar_leaves += got if len(got) == n else [None] * n
            return bar_leaves

        outs = bind(f"custom_vjp {name}", leaves, [_raw(o) for o in out_leaves], cotangents)
        return tree_unflatten(out_def, outs)


# --------------------------------------------------------------------------- custom_jvp


class custom_jvp:
    """A function with a forward-mode rule of its own, as ``jax.custom_jvp``.

        @custom_jvp
        def f(x): ...
        @f.defjvp
        def f_jvp(primals, tangents): (x,), (x_dot,) = primals, tangents; return f(x), ...

    Reverse mode transposes the rule (it must be linear in the tangents and written with
    deepgrad ops), so grad, vjp and hessian work too. ``defjvps(*rules)`` as JAX, one
    ``rule(x_dot, out, *primals)`` per argument.
    """

    def __init__(self, fun, nondiff_argnums=()):
        functools.update_wrapper(self, fun)
        self.fun, self.rule = fun, None
        if nondiff_argnums:
            raise NotImplementedError("custom_jvp: nondiff_argnums is not supported; close over "
                                      "the argument instead")

    def defjvp(self, rule):
        self.rule = rule
        return rule

    def defjvps(self, *rules):
        def rule(primals, tangents):
            out = self.fun(*primals)
            terms = [r(t, out, *primals) for r, t in zip(rules, tangents) if r is not None]
            return out, functools.reduce(lambda a, b: a + b, terms)

        self.rule = rule

    def __call__(self, *args):
        name = getattr(self.fun, "__name__", "custom_jvp")
        if self.rule is None:
            raise TypeError(f"custom_jvp {name}: call defjvp(rule) before calling it")
        leaves, in_def = tree_flatten(args)
        with _set_grad_enabled(False):
            out = self.fun(*args)
        out_leaves, out_def = tree_flatten(out)
        rule = self.rule

        def tangents(dots, xs):
            primals = tree_unflatten(in_def, xs)
            _, out_dot = rule(tuple(primals), tuple(tree_unflatten(in_def, dots)))
            return tree_flatten(out_dot)[0]

        def cotangents(out_bars, xs):
            from .transforms import vjp

            zeros = [_zeros(x) for x in xs]
            _, pullback = vjp(lambda *ds: tangents(list(ds), xs), *zeros)
            return list(pullback(out_bars))

        outs = bind(f"custom_jvp {name}", leaves, [_raw(o) for o in out_leaves], cotangents,
                    tangents)
        return tree_unflatten(out_def, outs)


# --------------------------------------------------------------------------- autograd.Function


class FunctionCtx:
    """What ``forward`` hands to ``backward`` (as torch's ``ctx``): saved tensors and flags."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.to_save = ()
        self.saved_for_forward = ()
        self.materialize_grads = True
        self.non_differentiable = ()
        self._outputs = {}  # id(tensor forward returned) -> the output Tensor apply made

    def save_for_backward(self, *tensors):
        """Keep tensors (inputs or outputs) for ``backward``: read them back as saved_tensors."""
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        """Keep tensors for ``jvp`` (as torch's; read them back as saved_tensors too)."""
        self.saved_for_forward = tensors

    @property
    def saved_tensors(self):
        saved = self.to_save or self.saved_for_forward
        return tuple(self._outputs.get(id(t), t) for t in saved)

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no gradient (indices, masks), as torch's."""
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        """Whether missing output gradients reach backward as zeros (True, torch's default)."""
        self.materialize_grads = bool(value)


class Function:
    """A differentiable operation defined by its forward and backward, as ``torch.autograd.Function``.

        class Exp(Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp(); ctx.save_for_backward(y); return y
            @staticmethod
            def backward(ctx, g):
                y, = ctx.saved_tensors; return g * y
        y = Exp.apply(x)

    ``forward`` runs with recording off and returns a Tensor or a tuple of them; ``backward``
    gets one gradient per output and returns one per input (None where there is none);
    ``ctx.needs_input_grad`` says which inputs want one. Written with deepgrad ops, backward is
    itself differentiable (``create_graph=True``, Hessians). An optional ``jvp(ctx, *tangents)``
    gives forward mode. ``setup_context(ctx, inputs, output)`` with a ctx-less ``forward`` works
    too (torch 2's style).
    """

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("Function: subclasses define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("Function: subclasses define backward(ctx, *grads)")

    @classmethod
    def apply(cls, *args, **kwargs):
        name = cls.__name__
        needs = tuple(isinstance(a, Tensor) and a.requires_grad and is_grad_enabled()
                      for a in args)
        ctx = FunctionCtx(needs)
        own_setup = cls.setup_context is not Function.setup_context
        with _set_grad_enabled(False):
            plain = [a.detach() if isinstance(a, Tensor) else a for a in args]  # (vmap: batched)
            if own_setup:
                out = cls.forward(*plain, **kwargs)
                cls.setup_context(ctx, tuple(plain), out)
            else:
                out = cls.forward(ctx, *plain, **kwargs)
        single = not isinstance(out, tuple)
        out_list = [out] if single else list(out)
        for o in out_list:
            if not isinstance(o, (Tensor, np.ndarray)) and not np.isscalar(o):
                raise TypeError(f"{name}.forward must return Tensors, got {type(o).__name__}")
        # saved inputs are the caller's own tensors (their graph is what double backward needs)
        swap = {id(p): a for p, a in zip(plain, args) if isinstance(p, Tensor)}
        ctx._outputs.update(swap)
        dropped = {id(t) for t in ctx.non_differentiable}

        def cotangents(out_bars, xs):
            grads = []
            for o, g in zip(out_list, out_bars):
                if id(o) in dropped:
                    g = None if not ctx.materialize_grads else g
                grads.append(g)
            result = cls.backward(ctx, *grads)
            result = result if isinstance(result, tuple) else (result,)
            if len(result) != len(args):
                raise ValueError(f"{name}.backward returned {len(result)} gradient(s) for "
                                 f"{len(args)} input(s) (return None for inputs without one)")
            return list(result)

        tangents = None
        if cls.jvp is not Function.jvp:
            def tangents(dots, xs):
                with _set_grad_enabled(False):
                    result = cls.jvp(ctx, *dots)
                return list(result) if isinstance(result, tuple) else [result]

        outs = bind(f"{name} (autograd.Function)", list(args), [_raw(o) for o in out_list],
                    cotangents, tangents)
        for o, t in zip(out_list, outs):
            ctx._outputs[id(o)] = t
        for o, t in zip(out_list, outs):
            if id(o) in dropped:
                t.requires_grad, t.grad_fn = False, None
        return outs[0] if single else tuple(outs)

    @staticmethod
    def setup_context(ctx, inputs, output):
        """torch 2's split: ``forward(*args)`` without ctx, then this fills ctx."""

    @staticmethod
    def jvp(ctx, *tangents):
        """Forward mode: one output tangent per output (optional)."""
        raise NotImplementedError


def once_differentiable(fn):
    """torch.autograd.function.once_differentiable: accepted; backward runs as written."""
    return fn
