"""deepgrad.compile: trace one call of a training step, then replay it as straight-line NumPy.

    step = deepgrad.compile(step)       # step(x, y): zero_grad, loss, backward, opt.step
    loss = step(x, y)                   # call 1: runs eagerly and records ("traces") the step
    loss = step(x, y)                   # later calls: replay the recording, no Tensors, no graph

The first call runs ``step_fn`` eagerly while a tracer listens at the engine's two seams
(``graph.apply`` and ``graph.run_backward``, through the ``graph.tracer`` slot). It records

* every primitive applied: (primitive, input slots, params, output slot);
* the backward pass: the node order and the VJP rules that run (first-order, ARRAY_OPS), the
  sums that undo broadcasting, the accumulation of cotangents and the leaves' ``.grad``;
* every call marked ``@effect`` (``optimizer.zero_grad()``, ``optimizer.step()``, schedulers),
  replayed as that call: Adam's bias correction and learning-rate schedules change every step.

From the record it writes one Python function (``compiled.source`` shows it) of plain NumPy calls
on local variables. Linear layers, ReLU and their VJPs write into buffers allocated once
(``out=``); every other primitive calls its own ``forward`` / VJP rule, so a result is computed by
the very same NumPy calls as in eager mode and the parameters after n compiled steps are
bit-identical to n eager steps (tests/benchmarks/test_smoke.py checks it). Values that do not
depend on the inputs or the parameters (the seed cotangent 1 and what follows from it alone) are
computed once, at trace time.

What cannot be replayed makes the compiled function fall back to eager, with a warning saying why
(``compiled.fallback_reason``):

* reading a value of traced data outside deepgrad's ops: ``bool(t)``, ``t.item()``, ``float(t)``,
  ``if (t > 0).any()``... (the step may branch on data; JAX raises a ConcretizationError here).
  Checks that only raise on bad input may read values inside ``with validation():``;
* computing on an argument with NumPy outside deepgrad's ops, drawing from deepgrad's global
  random generator (dropout), forward mode, ``backward(inputs=...)``, ``create_graph=True``,
  gradient hooks, or an argument that requires grad;
* a call whose arguments have other shapes or dtypes than the traced ones: that call runs eagerly
  (warned once per new signature); the recording is kept for the traced shapes.

As with ``jax.jit``, other Python side effects of ``step_fn`` (printing, counters) happen once, at
trace time; a random generator other than deepgrad's global one is frozen at its traced draw.
Buffers are reused: a parameter's ``.grad`` array is rewritten by the next replay (as PyTorch's
in-place gradients); the returned Tensors are fresh.

Measured (W1 2-16-16-1 SGD, 1 BLAS thread, shared machine): eager ~8,800 steps/s, compiled
~24,000, hand-written NumPy ~24,000; about half of a compiled step is the NumPy calls themselves,
a quarter the optimiser's own Python (``SGD.step``).
"""

from __future__ import annotations

import builtins
import functools
import types
import warnings

import numpy as np

from .. import backward, graph, hooks
from ..anomaly import Anomaly
from ..hooks import effect, validation  # noqa: F401  (the markers, re-exported for compile's users)
from ..tensor import Tensor
from ..vocabulary import ARRAY_OPS
_MISS = object()  # what a replay returns when called with other shapes than traced


class CompileWarning(UserWarning):
    """A compiled step could not be replayed and ran (or will run) eagerly."""


# --------------------------------------------------------------------------- markers

def _walk(items):
    """The items, and the items of lists, tuples, dicts and generators among them."""
    for a in items:
        if isinstance(a, (list, tuple)):
            yield from _walk(a)
        elif isinstance(a, dict):
            yield from _walk(a.values())
        else:
            yield a


# --------------------------------------------------------------------------- traced arrays

class _Traced(np.ndarray):
    """A view of traced data that tells the tracer when Python looks at its values.

    Inputs of the traced step and every primitive's output are viewed as _Traced while tracing.
    NumPy arithmetic on them outside deepgrad's ops, and conversions to Python values (bool,
    float, item...), mean the step computes something the recording would not replay.
    """

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        _outside(f"NumPy {ufunc.__name__} on traced data")
        inputs = tuple(x.view(np.ndarray) if isinstance(x, _Traced) else x for x in inputs)
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Traced) else o
                                  for o in out)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        if isinstance(result, np.ndarray):
            return result.view(_Traced)
        return result

    def __bool__(self):
        _outside("bool() of traced data (a branch on data?)")
        return np.ndarray.__bool__(self.view(np.ndarray))

    def __float__(self):
        _outside("float() of traced data")
        return float(self.view(np.ndarray))

    def __int__(self):
        _outside("int() of traced data")
        return int(self.view(np.ndarray))

    def __index__(self):
        _outside("use of traced data as an index")
        return self.view(np.ndarray).__index__()

    def item(self, *args):
        _outside(".item() of traced data")
        return self.view(np.ndarray).item(*args)

    def tolist(self):
        _outside(".tolist() of traced data")
        return self.view(np.ndarray).tolist()


def _outside(what):
    trace = hooks.active
    if trace is not None and trace.inside == 0:
        trace.fail(f"the step reads or computes on traced data outside deepgrad's ops "
                   f"({what})")


def _plain(a):
    return a.view(np.ndarray) if isinstance(a, _Traced) else a


# --------------------------------------------------------------------------- the tracer

class _Slot:
    """A value of the program: an argument, a parameter, a constant, or an instruction's result."""

    __slots__ = ("buffered", "kind", "name", "value")

    def __init__(self, name, kind, value):
        self.name, self.kind, self.value, self.buffered = name, kind, value, False


class Trace:
    """The recorder ``graph.tracer`` points to during the first call of a compiled step."""

    def __init__(self, args):
        self.slots = {}          # id(ndarray) -> _Slot
        self.keep = []           # every recorded array stays alive, so ids stay unique
        self.lines = []          # the program, as (kind, ...) instructions
        self.ns = {}             # names the generated code refers to
        self.params = {}         # id(Tensor) -> (Tensor, _Slot) for leaves that require grad
        self.ops = {}            # id(Tensor made by apply) -> (prim, in_slots, params, out slot)
        self.inside = 0          # > 0 while engine code (apply, backward, an effect) runs
        self.failure = None
        self.counter = 0
        self.inputs = []
        for a in args:
            arr = a.data if isinstance(a, Tensor) else a
            if isinstance(a, Tensor) and a.requires_grad:
                self.fail("an argument of the step requires grad (pass data, keep parameters "
                          "in the model)")
            slot = self._new("a", "input", arr)
            self.inputs.append(slot)

    # -- bookkeeping
    def fail(self, reason):
        if self.failure is None:
            self.failure = reason

    def _new(self, prefix, kind, value):
        slot = _Slot(f"{prefix}{self.counter}", kind, value)
        self.counter += 1
        if isinstance(value, np.ndarray):
            self.slots[id(value)] = slot
            self.keep.append(value)
        return slot

    def _const(self, value):
        slot = self._new("c", "const", value)
        self.ns[slot.name] = _plain(value) if isinstance(value, np.ndarray) else value
        return slot

    def slot_of(self, a):
        """The slot of an argument of a primitive (a Tensor, an ndarray or a Python constant)."""
        arr = a.data if isinstance(a, Tensor) else a
        if isinstance(arr, np.ndarray):
            slot = self.slots.get(id(arr))
            if slot is not None:
                return slot
            if isinstance(a, Tensor) and a.requires_grad and a.grad_fn is None:
                slot = self._new("p", "param", arr)
                self.params[id(a)] = (a, slot)
                self.ns["P" + slot.name] = a
                self.lines.append(("param", slot, a))
                return slot
            if isinstance(arr, _Traced):
                self.fail("an array computed from the step's data outside deepgrad's ops "
                          "reaches a primitive")
            return self._const(arr)
        return self._const(a)

    # -- the seams
    def apply(self, prim, args, params):
        """graph.apply while tracing: compute eagerly, then record the call."""
        for a in args:
            if isinstance(a, Tensor) and a.tangents is not None:
                self.fail("forward-mode tangents inside the step")
        ins = [self.slot_of(a) for a in args]
        self.inside += 1
        graph.tracer = None
        try:
            result = graph.apply(prim, *args, **params)
        finally:
            graph.tracer = self
            self.inside -= 1
        out = result.data.view(_Traced)
        result.data = out
        raw = [_plain(s.value) if isinstance(s.value, np.ndarray) else s.value for s in ins]
        if all(s.kind == "const" for s in ins):
            slot = self._new("c", "const", out)   # depends on nothing that changes: fold it
            self.ns[slot.name] = _plain(out)
        else:
            slot = self._new("v", "op", out)
            self.inside += 1
            try:  # does forward return an ndarray, or a NumPy scalar that apply wraps?
                wrap = type(prim.forward(*raw, **params)) is not np.ndarray
            finally:
                self.inside -= 1
            self.lines.append(("apply", slot, prim, ins, params, wrap))
        self.ops[id(result)] = (prim, ins, params, slot)
        return result

    def backward(self, roots, cotangents, inputs, retain_graph, create_graph):
        """graph.run_backward while tracing: plan the backward program, then run it eagerly."""
        if inputs is not None or create_graph:
            self.fail("backward(inputs=...) or create_graph=True inside the step")
        else:
            self.inside += 1
            try:
                self._plan_backward(roots, cotangents)
            finally:
                self.inside -= 1
        self.inside += 1
        graph.tracer = None
        try:
            return backward.run_backward(roots, cotangents, inputs, retain_graph, create_graph)
        finally:
            graph.tracer = self
            self.inside -= 1
            for p, _ in self.params.values():  # Python code that reads a .grad is noticed too
                if p.grad is not None:
                    p.grad.data = p.grad.data.view(_Traced)

    def effect(self, fn, args, kwargs):
        """A marked call (optimizer.step...): record it, then run it."""
        label = getattr(fn, "__qualname__", repr(fn))
        # a generator (model.parameters()) would be spent after one call: replay a list
        args = tuple(list(a) if isinstance(a, types.GeneratorType) else a for a in args)
        for a in _walk(list(args) + list(kwargs.values())):
            if isinstance(a, np.ndarray) or (isinstance(a, Tensor) and not (
                    a.requires_grad and a.grad_fn is None)):
                self.fail(f"{label} is called with an array argument (a value computed in the "
                          "step?)")
        name = f"E{self.counter}"
        self.counter += 1
        self.ns[name] = functools.partial(fn, *args, **kwargs)
        self.lines.append(("effect", name, label))
        self.inside += 1
        graph.tracer = None
        try:
            return fn(*args, **kwargs)
        finally:
            graph.tracer = self
            self.inside -= 1

    # -- backward planning: the same walk as graph.run_backward, on slots
    def _plan_backward(self, roots, cotangents):
        d = ARRAY_OPS
        order = backward.walk(roots)
        if any(t.tangents is not None or t._hooks for t in order):
            self.fail("gradient hooks or forward-mode tangents in the traced graph")
            return
        pending = {}
        for r, g in zip(roots, cotangents):
            g = g.data if isinstance(g, Tensor) else g
            slot = self.slots.get(id(g)) or self._const(np.asarray(g))
            key = id(r)
            pending[key] = slot if key not in pending else self._emit_add(pending[key], slot)
        for t in reversed(order):
            g = pending.pop(id(t), None)
            if g is None:
                continue
            node = t.grad_fn
            if node is None:
                entry = self.params.get(id(t))
                if entry is None:
                    self.fail("a leaf that requires grad is not a parameter seen by the trace")
                    return
                self.lines.append(("leaf", entry[1], g))
                continue
            prim, ins, params, out = self.ops[id(t)]
            args = [_plain(s.value) if isinstance(s.value, np.ndarray) else s.value for s in ins]
            for i in node.diff:
                rule = prim.vjps[i]
                if rule is None:
                    continue
                x_bar = rule(d, _plain(g.value), _plain(out.value), *args, **params)
                if x_bar is None:
                    continue
                slot = self._emit_rule(rule, g, out, ins, params, x_bar, i, prim)
                x_data = node.inputs[i].data
                if x_bar.shape != x_data.shape:
                    x_bar = d.sum_to(x_bar, x_data.shape)
                    slot = self._emit_call(d.sum_to, [slot], x_bar, shape=x_data.shape)
                if x_bar.dtype != x_data.dtype:
                    x_bar = d.astype(x_bar, x_data.dtype)
                    slot = self._emit_call(d.astype, [slot], x_bar, dtype=x_data.dtype)
                if type(x_bar) is not np.ndarray:
                    x_bar = np.asarray(x_bar)
                    slot = self._emit_call(np.asarray, [slot], x_bar)
                key = id(node.inputs[i])
                prev = pending.get(key)
                pending[key] = slot if prev is None else self._emit_add(prev, slot)

    def _emit_rule(self, rule, g, out, ins, params, value, i, prim):
        if g.kind == "const" and (prim.name in _SHAPE_ONLY_VJP or (
                out.kind == "const" and all(s.kind == "const" for s in ins))):
            return self._const(value)   # e.g. the mean's VJP of the seed 1: computed once
        slot = self._new("g", "op", value)
        self.lines.append(("rule", slot, rule, g, out, ins, params, prim, i))
        return slot

    def _emit_call(self, fn, ins, value, **kw):
        if all(s.kind == "const" for s in ins):
            return self._const(value)
        slot = self._new("g", "op", value)
        self.lines.append(("call", slot, fn, ins, kw))
        return slot

    def _emit_add(self, a, b):
        value = _plain(a.value) + _plain(b.value)
        return self._emit_call(np.add, [a, b], value)


# --------------------------------------------------------------------------- code generation

# Primitives whose VJP reads only the cotangent and the inputs' shapes (static here): with a
# constant cotangent their result is a constant, folded at trace time.
_SHAPE_ONLY_VJP = frozenset({"add", "sub", "neg", "sum", "mean", "reshape", "transpose",
                             "broadcast_to", "identity", "astype"})


def _uses(trace, result_slots):
    """How many times each slot is read by the program (results count as reads)."""
    uses = {}

    def read(slots):
        for slot in slots:
            uses[slot.name] = uses.get(slot.name, 0) + 1

    for inst in trace.lines:
        kind = inst[0]
        if kind == "apply":
            read(inst[3])
        elif kind == "rule":
            read([inst[3], inst[4], *inst[5]])
        elif kind == "call":
            read(inst[3])
        elif kind == "leaf":
            read([inst[2]])
    read(result_slots)
    return uses

def _is_2d_linear(prim, ins):
    return (prim.name == "linear" and len(ins) == 3 and ins[0].value.ndim == 2
            and ins[1].value.ndim == 2)


def _generate(trace, result_slots, single, rebuild):
    """Python source of the replay function, and its namespace (buffers, constants, callables)."""
    ns = dict(trace.ns)
    ns["_rebuild"] = rebuild
    ns.update(np=np, _matmul=np.matmul, _maximum=np.maximum, _greater=np.greater,
              _multiply=np.multiply, _add_reduce=np.add.reduce, _copyto=np.copyto,
              _asarray=np.asarray, _wrap=Tensor._wrap, _d=ARRAY_OPS)
    body = []
    names = {}
    uses = _uses(trace, result_slots)
    # A parameter's gradient made in a buffer read by nothing else becomes its .grad directly
    # (no copy: saves one memcpy per parameter and step, 4 MB a step on W3's first layer).
    direct = {inst[2].name: inst[1] for inst in trace.lines
              if inst[0] == "leaf" and uses.get(inst[2].name) == 1
              and inst[2].value.shape == inst[1].value.shape
              and inst[2].value.dtype == inst[1].value.dtype}

    def buffer(slot, value, dtype=None):
        name = "B" + slot.name
        ns[name] = np.empty(value.shape, dtype or value.dtype)
        slot.buffered = True
        return name

    for inst in trace.lines:
        kind = inst[0]
        if kind == "param":
            _, slot, _ = inst
            body.append(f"{slot.name} = P{slot.name}.data")
        elif kind == "apply":
            _, slot, prim, ins, params, wrap = inst
            a = [s.name for s in ins]
            v = slot.value
            if _is_2d_linear(prim, ins) and v.flags.c_contiguous:
                b = buffer(slot, v)
                body.append(f"{slot.name} = _matmul({a[0]}, {a[1]}.T, out={b}); "
                            f"{slot.name} += {a[2]}   # linear, into its buffer")
            elif prim.name == "relu" and v.flags.c_contiguous:
                b = buffer(slot, v)
                body.append(f"{slot.name} = _maximum({a[0]}, 0, out={b})   # relu")
            else:
                f = f"F{slot.name}"
                ns[f] = prim.forward
                kw = _kwargs(ns, slot.name, params)
                call = f"{f}({', '.join(a)}{kw})"
                body.append(f"{slot.name} = {'_asarray(' + call + ')' if wrap else call}"
                            f"   # {prim.name}")
        elif kind == "rule":
            _, slot, rule, g, out, ins, params, prim, i = inst
            a = [s.name for s in ins]
            v = slot.value
            line = None
            if _is_2d_linear(prim, ins) and g.value.ndim == 2 and v.flags.c_contiguous:
                b = buffer(slot, v)
                if i == 0:
                    line = f"{slot.name} = _matmul({g.name}, {a[1]}, out={b})   # linear x_bar"
                elif i == 1:
                    line = (f"{slot.name} = _matmul({g.name}.T, {a[0]}, out={b})"
                            f"   # linear W_bar")
                else:
                    line = (f"{slot.name} = _add_reduce({g.name}, axis=0, out={b})"
                            f"   # linear b_bar")
            elif prim.name == "relu" and v.flags.c_contiguous and v.shape == ins[0].value.shape:
                b = buffer(slot, v)
                m = buffer(_Slot("M" + slot.name, "op", None), v, bool)
                line = (f"{slot.name} = _multiply({g.name}, _greater({a[0]}, 0, out={m}), "
                        f"out={b})   # relu x_bar")
            if line is not None and slot.name in direct:
                p = direct[slot.name].name
                ns["Z" + p] = Tensor._wrap(ns["B" + slot.name])
                body.append(f"if P{p}.grad is Z{p}:   # still last step's .grad: keep it apart")
                body.append(f"    P{p}._grad = _wrap(Z{p}.data.copy())")
            elif slot.name in direct:
                del direct[slot.name]
            if line is None:
                f = f"R{slot.name}"
                ns[f] = rule
                kw = _kwargs(ns, slot.name, params)
                line = (f"{slot.name} = {f}(_d, {g.name}, {out.name}, {', '.join(a)}{kw})"
                        f"   # {prim.name} vjp {i}")
            body.append(line)
        elif kind == "call":
            _, slot, fn, ins, kw = inst
            f = f"C{slot.name}"
            ns[f] = fn
            body.append(f"{slot.name} = {f}({', '.join(s.name for s in ins)}"
                        f"{_kwargs(ns, slot.name, kw)})")
        elif kind == "leaf":
            _, pslot, g = inst
            if g.name in direct:
                body.append(f"if P{pslot.name}.grad is None:   # the leaf's .grad, as eager")
                body.append(f"    P{pslot.name}._grad = Z{pslot.name}")
                body.append("else:")
                body.append(f"    P{pslot.name}._grad = _wrap(P{pslot.name}.grad.data + {g.name})")
                continue
            t = f"G{pslot.name}"
            ns[t] = Tensor._wrap(np.empty(pslot.value.shape, pslot.value.dtype))
            body.append(f"if P{pslot.name}.grad is None:   # the leaf's .grad, as eager")
            body.append(f"    _copyto({t}.data, {g.name}); P{pslot.name}._grad = {t}")
            body.append("else:")
            body.append(f"    P{pslot.name}._grad = _wrap(P{pslot.name}.grad.data + {g.name})")
        elif kind == "effect":
            _, name, label = inst
            body.append(f"{name}()   # {label}()")
    for s in result_slots:
        names[s.name] = s
    ret = [f"_wrap({s.name}.copy())" if s.buffered else f"_wrap({s.name})" for s in result_slots]
    if single:
        body.append(f"return {ret[0]}")
    else:
        body.append(f"return _rebuild([{', '.join(ret)}])")
    # The arguments: Tensors or arrays, checked against the traced shapes and dtypes.
    head = []
    for k, s in enumerate(trace.inputs):
        ns[f"S{s.name}"], ns[f"T{s.name}"] = s.value.shape, s.value.dtype
        head.append(f"{s.name} = x{k}.data if _isinstance(x{k}, _Tensor) else x{k}")
        head.append(f"if {s.name}.shape != S{s.name} or {s.name}.dtype != T{s.name}:")
        head.append("    return _MISS   # other shapes: the caller runs the step eagerly")
    ns.update(_isinstance=isinstance, _Tensor=Tensor, _MISS=_MISS)
    args = ", ".join(f"x{k}" for k in range(len(trace.inputs)))
    src = (f"def replay({args}):\n" + "\n".join("    " + line for line in head + body)
           + "\n")
    return src, ns


def _kwargs(ns, key, params):
    if not params:
        return ""
    name = f"K{key}"
    ns[name] = dict(params)
    return f", **{name}"


# --------------------------------------------------------------------------- the public face

def _signature(args):
    return tuple((a.shape, a.dtype) if isinstance(a, (Tensor, np.ndarray)) else type(a)
                 for a in args)


def _flatten(result):
    """The Tensors of a step's result and a function rebuilding the result from new Tensors."""
    if isinstance(result, Tensor):
        return [result], lambda ts: ts[0]
    if result is None:
        return [], lambda ts: None
    if isinstance(result, (tuple, list)) and all(isinstance(r, Tensor) for r in result):
        kind = type(result)
        return list(result), lambda ts: kind(ts)
    if isinstance(result, dict) and all(isinstance(r, Tensor) for r in result.values()):
        keys = list(result)
        return [result[k] for k in keys], lambda ts: dict(zip(keys, ts))
    return None, None


def _rng_state():
    from deepgrad import random as dg_random

    gen = dg_random.default_generator()
    return id(gen), str(gen.bit_generator.state)


class CompiledStep:
    """A step function traced on its first call and replayed as straight-line NumPy afterwards.

    ``source`` is the generated replay function (None before the first call or after a fall
    back), ``fallback_reason`` says why the step runs eagerly (None while it is compiled).
    """

    def __init__(self, step_fn):
        functools.update_wrapper(self, step_fn)
        self.step_fn = step_fn
        self.source = None
        self.fallback_reason = None
        self._replay = None
        self._signature = None
        self._warned = set()

    def __call__(self, *args):
        if self.fallback_reason is not None or isinstance(graph.tracer, Anomaly):
            return self.step_fn(*args)  # under detect_anomaly every op must be seen: eager
        if self._replay is None:
            return self._trace(args)
        out = self._replay(*args)
        return self._other_shapes(args) if out is _MISS else out

    def _other_shapes(self, args):
        sig = _signature(args)
        if sig not in self._warned:
            self._warned.add(sig)
            warnings.warn(
                f"deepgrad.compile: {self._name()} was traced for argument shapes/dtypes "
                f"{_describe(self._signature)} and is called with {_describe(sig)}; this call "
                "runs eagerly (the recording is kept for the traced shapes)",
                CompileWarning, stacklevel=3)
        return self.step_fn(*args)

    def _name(self):
        return getattr(self.step_fn, "__qualname__", repr(self.step_fn))

    def _fall_back(self, reason):
        self.fallback_reason = reason
        warnings.warn(f"deepgrad.compile: {self._name()} falls back to eager: {reason}. It will "
                      "run eagerly on every call.", CompileWarning, stacklevel=4)

    def _trace(self, args):
        if hooks.active is not None or graph.tracer is not None:
            raise RuntimeError("deepgrad.compile: a compiled step was called while another one "
                               "is being traced")
        traced_args = []
        for a in args:
            arr = a.data if isinstance(a, Tensor) else np.asarray(a)
            view = arr.view(_Traced)
            traced_args.append(Tensor._wrap(view) if isinstance(a, Tensor) else view)
        trace = Trace(traced_args)
        rng_before = _rng_state()
        hooks.active, graph.tracer = trace, trace
        try:
            result = self.step_fn(*traced_args)
        finally:
            hooks.active, graph.tracer = None, None
        if _rng_state() != rng_before:
            trace.fail("the step draws from deepgrad's random generator (dropout?), which a "
                       "replay would freeze")
        tensors, rebuild = _flatten(result)
        if tensors is None:
            trace.fail("the step returns something other than Tensors (return the loss Tensor, "
                       "not loss.item())")
        result_slots = [trace.slots.get(id(t.data)) for t in tensors or ()]
        if None in result_slots:
            trace.fail("the step returns a Tensor the trace did not see made")
        _untrace(result, trace)
        if trace.failure is not None:
            self._fall_back(trace.failure)
            return result
        src, ns = _generate(trace, result_slots, isinstance(result, Tensor), rebuild)
        code = builtins.compile(src, f"<deepgrad.compile {self._name()}>", "exec")
        exec(code, ns)  # noqa: S102  (our own generated source, shown in .source)
        self.source = src
        self._replay = ns["replay"]
        self._signature = _signature(args)
        return result


def _untrace(result, trace):
    """Give the caller plain ndarrays back (the _Traced views only live during the trace)."""
    tensors, _ = _flatten(result)
    for t in tensors or ():
        t.data = _plain(t.data)
    for p, _ in trace.params.values():
        if p.grad is not None:
            p.grad.data = _plain(p.grad.data)


def _describe(sig):
    return "(" + ", ".join(f"{s[0]} {s[1]}" if isinstance(s, tuple) else s.__name__
                           for s in sig) + ")"


def compile(step_fn):
    """Trace ``step_fn`` on its first call and replay it as a flat list of NumPy calls afterwards.

    ``step_fn(*arrays)`` takes arrays or Tensors of fixed shapes (a batch) and returns a Tensor, a
    tuple/list/dict of Tensors, or None; it typically zeroes the gradients, computes a loss,
    calls ``loss.backward()`` and ``optimizer.step()``. The result is bit-identical to eager
    execution. See the module docstring for what falls back to eager (with a CompileWarning).
    """
    return CompiledStep(step_fn)
