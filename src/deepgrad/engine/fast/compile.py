"""deepgrad.compile: trace one call of a training step, then replay it as straight-line NumPy.

    step = deepgrad.compile(step)       # step(x, y): zero_grad, loss, backward, opt.step
    loss = step(x, y)                   # call 1: runs eagerly and records ("traces") the step
    loss = step(x, y)                   # later calls: replay the recording, no Tensors, no graph

The first call runs ``step_fn`` eagerly while a tracer listens at the engine's two seams
(``graph.apply`` and ``graph.run_backward``, through the ``graph.tracer`` slot). It records a
program of named-tuple instructions (``Apply``, ``Rule``, ``Call``, ``Leaf``, ``Effect``...):

* every primitive applied: its input slots, params and output slot;
* the backward pass, which runs as usual: after each node backward calls the tracer back
  (``run_backward``'s per-node callback), which records that node's VJP rule terms (first
  order, ARRAY_OPS), the sums that undo broadcasting, the sums of cotangents, and at the end
  the leaves' ``.grad`` (or, for ``backward(inputs=...)`` as ``grad`` runs it, the gradients
  handed back, which become values of the program: grad inside deepgrad.jit);
* every call marked ``@effect`` (``optimizer.zero_grad()``, ``optimizer.step()``, schedulers),
  replayed as that call: Adam's bias correction and learning-rate schedules change every step.

From the record it writes one Python function (``compiled.source`` shows it) of plain NumPy calls
on local variables, leaving out what no result, ``.grad`` or effect reads. A primitive that
declares ``out=`` variants (linear, relu: ``Primitive(..., out=...)``) writes into buffers
allocated once, wherever its variant gives the eager values on the traced call (a variant that is
a one-expression lambda is inlined as its NumPy expression: ``_inline``); every other
primitive calls its own ``forward`` / VJP rule, so a result is computed by the very same NumPy
calls as in eager mode and the parameters after n compiled steps are bit-identical to n eager
steps (tests/benchmarks/test_smoke.py checks it). Values that do not depend on the inputs or the
parameters (the seed cotangent 1 and what follows from it alone: a rule that, called on watched
views, reads nothing but that cotangent) are computed once, at trace time. deepgrad.jit
(``jit.py``) replays pure functions with the same tracer.

What cannot be replayed makes the compiled function fall back to eager, with a warning saying why
(``compiled.fallback_reason``):

* reading a value of traced data outside deepgrad's ops: ``bool(t)``, ``t.item()``, ``float(t)``,
  ``if (t > 0).any()``... (the step may branch on data; JAX raises a ConcretizationError here).
  Checks that only raise on bad input may read values inside ``with validation():``;
* computing on an argument with NumPy outside deepgrad's ops, drawing from deepgrad's or
  NumPy's global random generator (dropout), forward mode, ``create_graph=True``, custom
  derivatives, index arrays computed from the arguments, gradient hooks, or an argument that
  requires grad (vmap is traced: its rules apply ordinary primitives to whole batches);
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

import ast
import builtins
import functools
import inspect
import re
import types
import warnings
from typing import NamedTuple

import numpy as np

from .. import backward, graph, hooks
from ..anomaly import Anomaly
from ..hooks import effect, validation  # noqa: F401  (the markers, re-exported for compile's users)
from ..pytree import tree_flatten
from ..tensor import Tensor
from ..vocabulary import ARRAY_OPS
from . import array_jvp, select

_MISS = object()  # what a replay returns when called with other shapes than traced
_SLOT_NAME = re.compile(r"[a-z]\d+")  # the replay's local variables: a0, p3, v5, g16
# Pure functions of a buffer that a replay computes once, not per step: a view is the same view
# of the same buffer every time (relu's x_bar reads its buffers' bits, fast/select.py).
_ONCE = {select.bits}


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
        trace = hooks.active
        if _records_numpy(trace) and out is None and method == "__call__":
            return trace.numpy_call(ufunc, inputs, kwargs)   # relu's rule: x > 0
        _outside(f"NumPy {ufunc.__name__} on traced data: a comparison, or a branch on data?")
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

    def __array_function__(self, func, types, args, kwargs):
        if func.__name__ in _SHAPE_ONLY:  # reads no value: a constant (np.ones_like(x))
            return func(*[_plain(a) for a in args], **kwargs)
        trace = hooks.active
        if _records_numpy(trace) and not any(isinstance(v, (list, tuple, dict)) for v in
                                             list(args) + list(kwargs.values())):
            return trace.numpy_call(func, args, kwargs)
        _outside(f"NumPy {func.__name__} on traced data")
        return super().__array_function__(func, types, args, kwargs)

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


# NumPy functions that read only shapes and dtypes
_SHAPE_ONLY = frozenset({"ones_like", "zeros_like", "empty_like", "full_like", "shape", "ndim",
                         "size", "result_type", "broadcast_shapes"})


def _records_numpy(trace):
    """Whether a NumPy call on traced data is recorded or fails: recorded in the VJP rules of a
    backward that jit runs on Tensors (relu's ``x > 0``), which never branch on it. User code
    may not: a comparison's Tensor holds a plain view, whose bool() nothing could notice."""
    return trace is not None and trace.inside == 0 and trace.transposing


def _outside(what):
    trace = hooks.active
    if trace is not None and trace.inside == 0:
        trace.fail(f"the {trace.what} reads or computes on traced data outside deepgrad's ops "
                   f"({what})")


def _plain(a):
    return a.view(np.ndarray) if isinstance(a, _Traced) else a


# --------------------------------------------------------------------------- the program

class _Slot:
    """A value of the program: an argument, a parameter, a constant, or an instruction's result."""

    __slots__ = ("buffered", "kind", "name", "value")

    def __init__(self, name, kind, value):
        self.name, self.kind, self.value, self.buffered = name, kind, value, False


# The instructions of a recorded program, in the order they ran.
class Param(NamedTuple):
    """Read a parameter's current array (a leaf that requires grad, seen by the trace)."""
    slot: _Slot
    tensor: Tensor


class Apply(NamedTuple):
    """A primitive's forward; ``out``: through its declared out= variant into a buffer."""
    slot: _Slot
    prim: object
    ins: list
    params: dict
    wrap: bool   # forward returns a NumPy scalar that apply wraps with asarray
    out: bool


class Rule(NamedTuple):
    """A VJP rule term: x_bar of input ``k`` of ``prim`` from the cotangent ``g`` (``out``: into
    the buffer of the rule's out= variant)."""
    slot: _Slot
    prim: object
    k: int
    g: _Slot
    y: _Slot
    ins: list
    params: dict
    out: bool


class Jvp(NamedTuple):
    """A JVP rule on arrays: the tangent of ``prim``'s output from its inputs' tangents."""
    slot: _Slot
    prim: object
    dots: list   # a slot or None per input
    y: _Slot
    ins: list
    params: dict


class Call(NamedTuple):
    """A plain function of slots: broadcasting's sum, a dtype cast, summing two cotangents."""
    slot: _Slot
    fn: object
    ins: list
    kw: dict


class Leaf(NamedTuple):
    """``param.grad += g`` (or ``= g`` the first time), as the eager backward does."""
    param: _Slot
    g: _Slot


class Effect(NamedTuple):
    """A call marked ``@effect`` (optimizer.step...), replayed as that call."""
    name: str
    label: str


def _broadcast_copy(x, shape):
    return np.broadcast_to(x, shape).copy()


def _reads(inst):
    """The slots an instruction reads."""
    if isinstance(inst, (Apply, Call)):
        return inst.ins
    if isinstance(inst, Rule):
        return [inst.g, inst.y, *inst.ins]
    if isinstance(inst, Leaf):
        return [inst.g]
    if isinstance(inst, Jvp):
        return [inst.y, *inst.ins, *[s for s in inst.dots if s is not None]]
    return []


def _same_values(a, b):
    """Equal shapes, dtypes and values (NaN equal to NaN, -0.0 to 0.0: relu's masked zeros)."""
    return (a.shape == b.shape and a.dtype == b.dtype
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def _out_variant(fn, value, *args, **params):
    """Whether the out= variant ``fn`` applies here and gives the eager ``value``."""
    if fn is None or not isinstance(value, np.ndarray):
        return False
    buf = np.empty(value.shape, value.dtype)
    try:
        got = fn(buf, *args, **params)
    except (ValueError, TypeError):
        return False
    return got is buf and _same_values(buf, _plain(value))


@functools.lru_cache(maxsize=None)
def _module_tree(module):
    return ast.parse(inspect.getsource(module))


@functools.lru_cache(maxsize=None)
def _lambda_body(fn):
    """The expression of the one-expression lambda ``fn`` (an out= variant), read from its
    module's source; None where it cannot be found unambiguously or refers to a closure."""
    code = fn.__code__
    if fn.__name__ != "<lambda>" or fn.__closure__ or code.co_kwonlyargcount or code.co_flags & (
            inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None
    try:
        tree = _module_tree(inspect.getmodule(fn))
    except (OSError, TypeError, SyntaxError):  # no source (frozen, interactive): call it
        return None
    params = list(code.co_varnames[:code.co_argcount])
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda)
             and n.lineno == code.co_firstlineno and [a.arg for a in n.args.args] == params]
    if len(found) != 1 or any(isinstance(n, (ast.Lambda, ast.comprehension))
                              for n in ast.walk(found[0].body)):
        return None
    return found[0].body


def _inline(fn, actual, ns, buffers=None):
    """The call ``fn(*actual)`` of an out= variant as source: its lambda's expression with the
    parameters renamed to ``actual`` (slot names) and its globals bound in ``ns``, or None.

    The replay then reads as the NumPy it runs (``np_maximum(v5, 0, out=Bv6)``, not ``Ov6(Bv6,
    v5)``), and W1's compiled step makes 13 Python calls fewer: 1% of its instructions. A
    module's attribute is bound under its dotted name: 10 of them cost W1 8k instructions.
    ``buffers`` maps the names that always hold the same array (a buffer, a slot written into
    one) to that buffer's name: a call of ``_ONCE`` on them is made here, once (``Bg17_bits``)."""
    buffers = buffers or {}
    body = _lambda_body(fn)
    if body is None:
        return None
    params = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    defaults = fn.__defaults__ or ()
    if len(actual) > len(params) or len(params) - len(actual) > len(defaults):
        return None
    names = dict(zip(params, actual))
    for p, d in zip(params[len(actual):], defaults[len(defaults) - len(params) + len(actual):]):
        names[p] = f"_l_{p}_{fn.__code__.co_firstlineno}"   # a default: a constant
        ns[names[p]] = d

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node):
            if node.id not in names:
                value = fn.__globals__.get(node.id, getattr(builtins, node.id, _MISS))
                if value is _MISS:
                    raise NameError(node.id)
                # its own name where free in the replay (np), else a prefixed one
                free = ns.get(node.id, value) is value and not _SLOT_NAME.fullmatch(node.id)
                names[node.id] = node.id if free else f"_l_{node.id}"
                ns[names[node.id]] = value
            return ast.copy_location(ast.Name(names[node.id], node.ctx), node)

        def visit_Attribute(self, node):
            # np.matmul, np.add.reduce: bound once as np_matmul, np_add_reduce (on CPython
            # 3.11 each attribute read off a module costs about 800 instructions a replay)
            chain, root = [node.attr], node.value
            while isinstance(root, ast.Attribute):
                chain.append(root.attr)
                root = root.value
            value = None if not isinstance(root, ast.Name) or root.id in names else \
                fn.__globals__.get(root.id)
            if not isinstance(value, types.ModuleType):
                return self.generic_visit(node)
            for attr in reversed(chain):
                value = getattr(value, attr, _MISS)
            name = "_".join([root.id, *reversed(chain)])
            bound = ns.get(name, value)  # (np.add.reduce is a new bound method at each read)
            if value is _MISS or isinstance(value, types.ModuleType) or not (
                    bound is value or type(value) is types.BuiltinMethodType and bound == value):
                return self.generic_visit(node)
            ns[name] = value
            return ast.copy_location(ast.Name(name, node.ctx), node)

        def visit_Call(self, node):
            node = self.generic_visit(node)
            once = ns.get(node.func.id) if isinstance(node.func, ast.Name) else None
            if not (isinstance(once, types.FunctionType) and once in _ONCE and node.args
                    and not node.keywords and all(isinstance(a, ast.Name) and a.id in buffers
                                                  for a in node.args)):
                return node
            name = "_".join([buffers[a.id] for a in node.args] + [once.__name__])
            ns[name] = once(*(ns[buffers[a.id]] for a in node.args))
            return ast.copy_location(ast.Name(name, ast.Load()), node)

    try:
        return ast.unparse(Rename().visit(ast.parse(ast.unparse(body), mode="eval")).body)
    except NameError:
        return None


def _layout(arr):
    """What makes two arrays views of the same values: address, shape, strides and dtype."""
    return arr.__array_interface__["data"][0], arr.shape, arr.strides, arr.dtype.str


class _Read(Exception):
    """A VJP rule read the values of an input (see ``_reads_only_cotangent``)."""


class _Watched(np.ndarray):
    """An input handed to a VJP rule at trace time to learn whether the rule reads its values."""

    def __array_ufunc__(self, *args, **kwargs):
        raise _Read

    def __array_function__(self, *args, **kwargs):
        raise _Read


def _reads_only_cotangent(rule, g, y, args, params):
    """Whether ``rule`` reads nothing but the cotangent (and shapes): then with a constant
    cotangent its result is a constant, folded at trace time (the mean's VJP of the seed 1)."""
    watch = [a.view(_Watched) if isinstance(a, np.ndarray) else a for a in args]
    try:
        out = rule(ARRAY_OPS, g, y.view(_Watched), *watch, **params)
    except _Read:
        return False
    except Exception:  # noqa: BLE001  (a rule that cannot run on views: not folded)
        return False
    while isinstance(out, np.ndarray):
        if isinstance(out, _Watched):
            return False
        out = out.base
    return True


# --------------------------------------------------------------------------- the tracer

class Trace:
    """The recorder ``graph.tracer`` points to during the first call of a compiled step.

    ``what`` names the traced code in messages ("step" for compile, "function" for jit).
    """

    def __init__(self, args, what="step"):
        self.what = what
        self.jit = what == "function"   # jit also records forward mode (hvp)
        self.transposing = False        # True while a backward runs its rules through apply
        self.slots = {}          # id(ndarray) -> _Slot
        self.layouts = {}        # (address, shape, strides, dtype) of those arrays -> _Slot
        self.keep = []           # every recorded array and Tensor stays alive: ids stay unique
        self.lines = []          # the program: Param, Apply, Rule, Jvp, Call, Leaf, Effect
        self.ns = {}             # names the generated code refers to
        self.params = {}         # id(Tensor) -> (Tensor, _Slot) for leaves that require grad
        self.ops = {}            # id(Node) -> (prim, in_slots, params, out slot, its Tensor)
        self.pending = {}        # _key(Tensor) -> slot of its summed cotangent, in backward
        self.stop = ()           # ids of the tensors a backward(inputs=...) stops at
        self.keep_ids = None     # ids of the tensors a backward(inputs=...) visits
        self.inside = 0          # > 0 while engine code (apply, backward, an effect) runs
        self.failure = None
        self.counter = 0
        self.inputs = []
        for a in args:
            arr = a.data if isinstance(a, Tensor) else a
            if isinstance(a, Tensor) and a.requires_grad:
                self.fail(f"an argument of the {what} requires grad (pass data, keep "
                          "parameters in the model)")
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
            self._bind(value, slot)
        return slot

    def _bind(self, arr, slot):
        """``arr`` holds ``slot``'s value (kept alive: ids and addresses stay unique)."""
        self.slots[id(arr)] = slot
        self.layouts[_layout(arr)] = slot
        self.keep.append(arr)

    def _const(self, value):
        if isinstance(value, np.ndarray):  # a copy: eager code may adopt or change its array
            value = _plain(value).copy()
        slot = self._new("c", "const", value)
        self.ns[slot.name] = value
        return slot

    def slot_of(self, a):
        """The slot of an argument of a primitive (a Tensor, an ndarray or a Python constant)."""
        arr = a.data if isinstance(a, Tensor) else a
        if isinstance(arr, np.ndarray):
            slot = self.slots.get(id(arr)) or self.layouts.get(_layout(arr))
            if slot is not None:  # (or a view of its array: vmap's Batched tensors)
                return slot
            if isinstance(a, Tensor) and a.requires_grad and a.grad_fn is None:
                slot = self._new("p", "param", arr)
                self.params[id(a)] = (a, slot)
                self.keep.append(a)
                self.ns["P" + slot.name] = a
                self.lines.append(Param(slot, a))
                return slot
            alias = self._alias(arr)
            if isinstance(alias, _Slot):
                return alias   # np.asarray(traced): a plain view of the same array
            if isinstance(arr, _Traced) or alias is False:
                self.fail(f"an array computed from the {self.what}'s data outside deepgrad's "
                          "ops reaches a primitive")
            return self._const(arr)
        return self._const(a)

    def _alias(self, arr):
        """The slot whose array ``arr`` views exactly (same memory and layout), False when it
        overlaps one partly (a view made outside deepgrad's ops), None when it overlaps none."""
        slot = self.layouts.get(_layout(arr))
        if slot is not None:  # a view of an array bound to a slot (vmap's Batched views)
            return slot
        arr, layout = _plain(arr), (arr.shape, arr.strides, arr.dtype)
        found = None
        for slot in self.slots.values():
            v = _plain(slot.value)
            if slot.kind != "const" and np.may_share_memory(arr, v):
                if (v.shape, v.strides, v.dtype) == layout and v.ctypes.data == arr.ctypes.data:
                    return slot
                found = False
        return found

    # -- the seams
    def apply(self, prim, args, params):
        """graph.apply while tracing: compute eagerly, then record the call."""
        for a in args:
            if isinstance(a, Tensor) and a.tangents is not None and not self.jit:
                self.fail(f"forward-mode tangents (jvp, hvp) inside the {self.what}")
        if getattr(prim, "precomputed", False):
            self.fail(f"a custom derivative (custom_vjp, custom_jvp, autograd.Function) inside "
                      f"the {self.what}: its value and rules hold the traced call's arrays")
        if any(self._traced_param(v) for v in _walk(params.values())):
            self.fail(f"an index array computed from the {self.what}'s arguments (x[k] with a "
                      "traced k: the params of a primitive are not replayed from the arguments)")
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
        self.keep.append(result)
        raw = [_plain(s.value) if isinstance(s.value, np.ndarray) else s.value for s in ins]
        if all(s.kind == "const" for s in ins):
            slot = self._const(out)   # depends on nothing that changes: fold it
            self._bind(out, slot)
        else:
            slot = self._new("v", "op", out)
            self.inside += 1
            try:  # does forward return an ndarray, or a NumPy scalar that apply wraps?
                wrap = type(prim.forward(*raw, **params)) is not np.ndarray
                buffered = prim.out is not None and _out_variant(prim.out[0], out, *raw,
                                                                 **params)
            finally:
                self.inside -= 1
            self.lines.append(Apply(slot, prim, ins, params, wrap, buffered))
        if result.grad_fn is not None:
            self.ops[id(result.grad_fn)] = (prim, ins, params, slot, result)
        if result.tangents:
            self._tangent(prim, args, ins, params, slot, result)
        return result

    def _tangent(self, prim, args, ins, params, y, result):
        """Record the JVP rule that gave ``result`` its tangent (forward mode on arrays only)."""
        items = list(result.tangents.items())
        level, tangent = items[0] if len(items) == 1 else (None, None)
        plain = array_jvp.plain_inputs(args)  # (level, arrays, tangents): pushed on arrays
        if level is None or not prim.jvp_on_arrays or plain is None or plain[0] != level:
            self.fail(f"nested forward mode (tangents at several levels, or differentiated "
                      f"again) inside the {self.what}")
            return
        dots = [self.slot_of(a.tangents[level]) if isinstance(a, Tensor) and a.tangents
                and level in a.tangents else None for a in args]
        raw = [_plain(s.value) if isinstance(s.value, np.ndarray) else s.value for s in ins]
        value = prim.jvp(ARRAY_OPS, [None if s is None else _plain(s.value) for s in dots],
                         _plain(y.value), *raw, **params)
        if all(s is None or s.kind == "const" for s in dots + ins):
            slot = self._const(np.asarray(value))
        else:
            slot = self._new("t", "op", value)
            self.lines.append(Jvp(slot, prim, dots, y, ins, params))
        if type(value) is not np.ndarray:   # as push_on_arrays: an array of y's shape, dtype
            value = np.asarray(value)
            slot = self._emit_call(np.asarray, [slot], value)
        if value.shape != y.value.shape:
            value = np.broadcast_to(value, y.value.shape).copy()
            slot = self._emit_call(_broadcast_copy, [slot], value, shape=y.value.shape)
        if value.dtype != y.value.dtype and y.value.dtype.kind == "f":
            value = value.astype(y.value.dtype)
            slot = self._emit_call(ARRAY_OPS.astype, [slot], value, dtype=y.value.dtype)
        tangent.data = _plain(tangent.data).view(_Traced)
        self._bind(tangent.data, slot)

    def numpy_call(self, fn, args, kwargs):
        """A NumPy function called on traced data by a VJP rule (on Tensors): record a Call."""
        ins = [self.slot_of(a) for a in args]
        kw = {k: _plain(v) for k, v in kwargs.items()}
        for v in kw.values():
            if isinstance(v, np.ndarray) and (isinstance(v, _Traced) or self._alias(v)):
                self.fail(f"NumPy {fn.__name__} with traced data as a keyword argument")
        value = fn(*[_plain(s.value) for s in ins], **kw)
        slot = self._emit_call(fn, ins, value, **kw)
        if not isinstance(value, np.ndarray):
            value = np.asarray(value)
            slot = self._emit_call(np.asarray, [slot], value)
        out = value.view(_Traced)
        self._bind(out, slot)
        return out

    def backward(self, roots, cotangents, inputs, retain_graph, create_graph):
        """graph.run_backward while tracing: run it, recording each node's rule terms through
        its per-node callback (the one walk and loop stay backward's)."""
        observe = None
        if create_graph:
            self.fail(f"create_graph=True inside the {self.what}")
        else:
            stop = self.stop = () if inputs is None else set(id(t) for t in inputs)
            order = backward.walk(roots, stop)
            if self.jit and any(t.tangents is not None for t in order) and not any(
                    t._hooks for t in order):
                return self._backward_on_tensors(roots, cotangents, inputs, retain_graph)
            if any(t.tangents is not None or t._hooks for t in order):
                self.fail("gradient hooks or forward-mode tangents in the traced graph")
            else:
                observe = self._observe
                self.keep_ids = None if inputs is None else backward._reaching(order, inputs)
                self.pending = {}
                for r, g in zip(roots, cotangents):
                    g = g.data if isinstance(g, Tensor) else g
                    slot = self.slots.get(id(g)) or self._const(np.asarray(g))
                    key = self._key(r)
                    prev = self.pending.get(key)
                    self.pending[key] = slot if prev is None else self._emit_add(prev, slot)
        self.inside += 1
        graph.tracer = None
        try:
            grads = backward.run_backward(roots, cotangents, inputs, retain_graph,
                                          create_graph, check=observe)
            if observe is not None:
                self._results(order, inputs, grads)
            return grads
        finally:
            graph.tracer = self
            self.inside -= 1
            self.pending = {}
            for p, _ in self.params.values():  # Python code that reads a .grad is noticed too
                if p.grad is not None:
                    p.grad.data = p.grad.data.view(_Traced)

    def _backward_on_tensors(self, roots, cotangents, inputs, retain_graph):
        """Forward-over-reverse (hvp): backward runs its rules on Tensors, through apply, so
        the tracer stays armed and records each op they apply (and the tangents it pushes)."""
        self.transposing = True
        try:
            return backward.run_backward(roots, cotangents, inputs, retain_graph, None)
        finally:
            self.transposing = False

    def _traced_param(self, v):
        """Whether a primitive's param ``v`` holds traced data (a traced index array)."""
        if not isinstance(v, np.ndarray):
            return False
        alias = self._alias(v)
        return isinstance(v, _Traced) or alias is False or (isinstance(alias, _Slot)
                                                            and alias.kind != "const")

    def _key(self, t):
        """Where a tensor's cotangent is summed: per node (vmap's Batched views of one output
        are other Tensors with that node), per tensor for leaves and ``inputs=`` tensors."""
        return id(t) if t.grad_fn is None or id(t) in self.stop else id(t.grad_fn)

    def _observe(self, node, g, pending):
        """backward's callback after each node: record its rule terms, as its loop ran them."""
        if self.failure is not None:
            return
        if isinstance(g, Tensor):
            self.fail(f"a backward pass that records itself (a gradient of a gradient) inside "
                      f"the {self.what}")
            return
        entry = self.ops.get(id(node))
        if entry is None:
            self.fail(f"the gradient flows into a tensor made before the {self.what} was "
                      "called")
            return
        prim, ins, params, y, t = entry
        g = self.pending.pop(id(node), None)
        if g is None:  # a second view of the node's output (vmap's): its sum went through
            return
        d = ARRAY_OPS
        args = [_plain(s.value) if isinstance(s.value, np.ndarray) else s.value for s in ins]
        for k in node.diff:
            x, rule = node.inputs[k], prim.vjps[k]
            if rule is None or (self.keep_ids is not None and id(x) not in self.keep_ids):
                continue
            self.inside += 1
            try:
                value = rule(d, _plain(g.value), _plain(y.value), *args, **params)
            finally:
                self.inside -= 1
            if value is None:
                continue
            self._term(prim, k, g, y, ins, args, params, value, x)

    def _term(self, prim, k, g, y, ins, args, params, value, x):
        """One rule term x_bar of input ``k`` and what follows it: broadcasting's sum, a dtype
        cast, the sum with x's other cotangents."""
        d = ARRAY_OPS
        if g.kind == "const" and (_reads_only_cotangent(prim.vjps[k], _plain(g.value),
                                                        _plain(y.value), args, params)
                                  or (y.kind == "const"
                                      and all(s.kind == "const" for s in ins))):
            slot = self._const(value)
        else:
            rule_out = prim.out[1][k] if prim.out is not None else None
            buffered = _out_variant(rule_out, value, _plain(g.value), _plain(y.value), *args,
                                    **params)
            slot = self._new("g", "op", value)
            self.lines.append(Rule(slot, prim, k, g, y, ins, params, buffered))
        shape, dtype = x.shape, x.data.dtype
        if value.shape != shape:
            value = d.sum_to(value, shape)
            slot = self._emit_call(d.sum_to, [slot], value, shape=shape)
        if value.dtype != dtype:
            value = d.astype(value, dtype)
            slot = self._emit_call(d.astype, [slot], value, dtype=dtype)
        if type(value) is not np.ndarray:
            slot = self._emit_call(np.asarray, [slot], np.asarray(value))
        key = self._key(x)
        prev = self.pending.get(key)
        self.pending[key] = slot if prev is None else self._emit_add(prev, slot)

    def _results(self, order, inputs, grads):
        """Where the cotangents ended: the leaves' .grad, or the gradients returned for inputs."""
        if inputs is None:
            for t in order:
                g = self.pending.get(self._key(t))
                if g is None or t.grad_fn is not None:
                    continue
                entry = self.params.get(id(t))
                if entry is None:
                    self.fail("a leaf that requires grad is not a parameter seen by the trace")
                    return
                self.lines.append(Leaf(entry[1], g))
            return
        for x, gx in zip(inputs, grads):
            slot = self.pending.get(self._key(x))
            if gx is None or slot is None:
                continue
            gx.data = _plain(gx.data).view(_Traced)  # the gradient w.r.t. x: now a value of
            self._bind(gx.data, slot)                # the program (grad inside jit)

    def effect(self, fn, args, kwargs):
        """A marked call (optimizer.step...): record it, then run it."""
        label = getattr(fn, "__qualname__", repr(fn))
        # a generator (model.parameters()) would be spent after one call: replay a list
        args = tuple(list(a) if isinstance(a, types.GeneratorType) else a for a in args)
        for a in _walk(list(args) + list(kwargs.values())):
            if isinstance(a, np.ndarray) or (isinstance(a, Tensor) and not (
                    a.requires_grad and a.grad_fn is None)):
                self.fail(f"{label} is called with an array argument (a value computed in the "
                          f"{self.what}?)")
        name = f"E{self.counter}"
        self.counter += 1
        self.ns[name] = functools.partial(fn, *args, **kwargs)
        self.lines.append(Effect(name, label))
        self.inside += 1
        graph.tracer = None
        try:
            return fn(*args, **kwargs)
        finally:
            graph.tracer = self
            self.inside -= 1

    def _emit_call(self, fn, ins, value, **kw):
        if all(s.kind == "const" for s in ins):
            return self._const(value)
        slot = self._new("g", "op", value)
        self.lines.append(Call(slot, fn, ins, kw))
        return slot

    def _emit_add(self, a, b):
        value = _plain(a.value) + _plain(b.value)
        return self._emit_call(np.add, [a, b], value)


# --------------------------------------------------------------------------- code generation

def _live(lines, result_slots):
    """The instructions that the results, the leaves' .grad or an effect need (pure ones whose
    value nothing reads are dropped: the loss value of a jitted update, say)."""
    needed = set(s.name for s in result_slots)
    kept = []
    for inst in reversed(lines):
        if isinstance(inst, (Leaf, Effect)) or inst.slot.name in needed:
            kept.append(inst)
            needed.update(s.name for s in _reads(inst))
    return kept[::-1]


def _generate(trace, result_slots, single, rebuild, check_shapes=True):
    """Python source of the replay function, and its namespace (buffers, constants, callables)."""
    ns = dict(trace.ns)
    ns["_rebuild"] = rebuild
    ns.update(np=np, _copyto=np.copyto, _asarray=np.asarray, _wrap=Tensor._wrap, _d=ARRAY_OPS)
    body = []
    lines = _live(trace.lines, result_slots)
    uses = {}
    for inst in lines:
        for s in _reads(inst):
            uses[s.name] = uses.get(s.name, 0) + 1
    for s in result_slots:
        uses[s.name] = uses.get(s.name, 0) + 1
    # A parameter's gradient made in a buffer read by nothing else becomes its .grad directly
    # (no copy: saves one memcpy per parameter and step, 4 MB a step on W3's first layer).
    direct = {inst.g.name: inst.param for inst in lines
              if isinstance(inst, Leaf) and uses.get(inst.g.name) == 1
              and inst.g.value.shape == inst.param.value.shape
              and inst.g.value.dtype == inst.param.value.dtype}
    direct = {name: p for name, p in direct.items() if any(
        isinstance(i, Rule) and i.out and i.slot.name == name for i in lines)}

    def buffer(slot):
        name = "B" + slot.name
        ns[name] = np.empty(slot.value.shape, slot.value.dtype)
        slot.buffered = True
        return name

    for inst in lines:
        if isinstance(inst, Param):
            body.append(f"{inst.slot.name} = P{inst.slot.name}.data")
        elif isinstance(inst, Apply):
            slot, prim = inst.slot, inst.prim
            a = ", ".join(s.name for s in inst.ins)
            kw = _kwargs(ns, slot.name, inst.params)
            if inst.out:
                b = buffer(slot)
                call = not kw and _inline(prim.out[0], [b, *(s.name for s in inst.ins)], ns,
                                          _buffers(b, inst.ins))
                if not call:
                    call, ns[f"O{slot.name}"] = f"O{slot.name}({b}, {a}{kw})", prim.out[0]
                body.append(f"{slot.name} = {call}   # {prim.name}, into its buffer")
                continue
            f = f"F{slot.name}"
            ns[f] = prim.forward
            call = f"{f}({a}{kw})"
            body.append(f"{slot.name} = {'_asarray(' + call + ')' if inst.wrap else call}"
                        f"   # {prim.name}")
        elif isinstance(inst, Rule):
            slot, prim = inst.slot, inst.prim
            a = ", ".join(s.name for s in [inst.g, inst.y, *inst.ins])
            kw = _kwargs(ns, slot.name, inst.params)
            if inst.out:
                b = buffer(slot)
                if slot.name in direct:
                    p = direct[slot.name].name
                    ns["Z" + p] = Tensor._wrap(ns[b])
                    body.append(f"if P{p}._grad is Z{p}:   # still last step's .grad: keep it "
                                "apart")
                    body.append(f"    P{p}._grad = _wrap(Z{p}.data.copy())")
                fn = prim.out[1][inst.k]
                reads = [inst.g, inst.y, *inst.ins]
                call = not kw and _inline(fn, [b, *(s.name for s in reads)], ns,
                                          _buffers(b, reads))
                if not call:
                    call, ns[f"O{slot.name}"] = f"O{slot.name}({b}, {a}{kw})", fn
                body.append(f"{slot.name} = {call}   # {prim.name} vjp {inst.k}, into its buffer")
                continue
            f = f"R{slot.name}"
            ns[f] = prim.vjps[inst.k]
            body.append(f"{slot.name} = {f}(_d, {a}{kw})   # {prim.name} vjp {inst.k}")
        elif isinstance(inst, Jvp):
            f = f"J{inst.slot.name}"
            ns[f] = inst.prim.jvp
            dots = ", ".join("None" if s is None else s.name for s in inst.dots)
            a = ", ".join(s.name for s in [inst.y, *inst.ins])
            body.append(f"{inst.slot.name} = {f}(_d, ({dots},), {a}"
                        f"{_kwargs(ns, inst.slot.name, inst.params)})   # {inst.prim.name} jvp")
        elif isinstance(inst, Call):
            f = f"C{inst.slot.name}"
            ns[f] = inst.fn
            body.append(f"{inst.slot.name} = {f}({', '.join(s.name for s in inst.ins)}"
                        f"{_kwargs(ns, inst.slot.name, inst.kw)})")
        elif isinstance(inst, Leaf):
            p, g = inst.param.name, inst.g.name
            body.append(f"if P{p}._grad is None:   # the leaf's .grad, as eager")
            if g in direct:
                body.append(f"    P{p}._grad = Z{p}")
            else:
                t = f"G{p}"
                ns[t] = Tensor._wrap(np.empty(inst.param.value.shape, inst.param.value.dtype))
                body.append(f"    _copyto({t}.data, {g}); P{p}._grad = {t}")
            body.append("else:")
            body.append(f"    P{p}._grad = _wrap(P{p}._grad.data + {g})")
        elif isinstance(inst, Effect):
            body.append(f"{inst.name}()   # {inst.label}()")
    ret = [f"_wrap({s.name}.copy())" if s.buffered else f"_wrap({s.name})" for s in result_slots]
    if single:
        body.append(f"return {ret[0]}")
    else:
        body.append(f"return _rebuild([{', '.join(ret)}])")
    # The arguments: Tensors or arrays, checked against the traced shapes and dtypes.
    head = []
    for k, s in enumerate(trace.inputs):
        if not check_shapes:  # (jit keys its replays by shapes already)
            head.append(f"{s.name} = x{k}")
            continue
        ns[f"S{s.name}"], ns[f"T{s.name}"] = s.value.shape, s.value.dtype
        head.append(f"{s.name} = x{k}.data if _isinstance(x{k}, _Tensor) else x{k}")
        head.append(f"if {s.name}.shape != S{s.name} or {s.name}.dtype != T{s.name}:")
        head.append("    return _MISS   # other shapes: the caller runs the step eagerly")
    ns.update(_isinstance=isinstance, _Tensor=Tensor, _MISS=_MISS)
    args = ", ".join(f"x{k}" for k in range(len(trace.inputs)))
    src = (f"def replay({args}):\n" + "\n".join("    " + line for line in head + body)
           + "\n")
    return src, ns


def _buffers(out, reads):
    """The names that hold a fixed array in a replay line: its own buffer ``out``, and each slot
    read that an earlier line wrote into its buffer (an out= variant returns its buffer)."""
    return {out: out, **{s.name: "B" + s.name for s in reads if s.buffered}}


def _kwargs(ns, key, params):
    if not params:
        return ""
    name = f"K{key}"
    ns[name] = dict(params)
    return f", **{name}"


# --------------------------------------------------------------------------- tracing a call

def _rng_state():
    from deepgrad import random as dg_random

    gen = dg_random.default_generator()
    legacy = np.random.get_state()
    return id(gen), str(gen.bit_generator.state), legacy[1].tobytes(), legacy[2]


def trace_call(fn, args, what, name, check_shapes=True):
    """Run ``fn(*args)`` once under a Trace: ``(result, replay, source, failure)``.

    ``args`` are arrays or Tensors, handed to ``fn`` as _Traced views (Tensors stay Tensors).
    ``replay(*arrays)`` recomputes the result from new arguments; it is None, with the reason in
    ``failure``, when the call cannot be replayed. Shared by deepgrad.compile and deepgrad.jit.
    """
    if hooks.active is not None or graph.tracer is not None:
        raise RuntimeError(f"deepgrad.compile: {name} was called while another {what} is "
                           "being traced")
    traced_args = []
    for a in args:
        arr = a.data if isinstance(a, Tensor) else np.asarray(a)
        view = arr.view(_Traced)
        traced_args.append(Tensor._wrap(view) if isinstance(a, Tensor) else view)
    trace = Trace(traced_args, what)
    rng_before = _rng_state()
    hooks.active, graph.tracer = trace, trace
    try:
        result = fn(*traced_args)
    finally:
        hooks.active, graph.tracer = None, None
    if _rng_state() != rng_before:
        trace.fail(f"the {what} draws from a random generator (dropout? a random init?), which a "
                   "replay would freeze: pass the random numbers in as arguments")
    tensors, treedef = tree_flatten(result)
    result_slots = []
    for t in tensors:
        if not isinstance(t, Tensor):
            trace.fail(f"the {what} returns something other than Tensors ({type(t).__name__}: "
                       "return the loss Tensor, not loss.item())")
            break
        slot = trace.slots.get(id(t.data))
        if slot is None:   # a plain view of a value (vmap's outputs), or a constant
            alias = trace._alias(t.data)
            slot = alias if isinstance(alias, _Slot) else None if alias is False or isinstance(
                t.data, _Traced) else trace._const(t.data)
        result_slots.append(slot)
    if None in result_slots:
        trace.fail(f"the {what} returns a Tensor the trace did not see made")
    _untrace(tensors, trace)
    if trace.failure is not None:
        return result, None, None, trace.failure
    src, ns = _generate(trace, result_slots, isinstance(result, Tensor), treedef.unflatten,
                        check_shapes)
    code = builtins.compile(src, f"<deepgrad.compile {name}>", "exec")
    exec(code, ns)  # noqa: S102  (our own generated source, shown in .source)
    return result, ns["replay"], src, None


def _untrace(tensors, trace):
    """Give the caller plain ndarrays back (the _Traced views only live during the trace)."""
    for t in tensors:
        if isinstance(t, Tensor):
            t.data = _plain(t.data)
    for p, _ in trace.params.values():
        if p.grad is not None:
            p.grad.data = _plain(p.grad.data)


# --------------------------------------------------------------------------- the public face

def _signature(args):
    return tuple((a.shape, a.dtype) if isinstance(a, (Tensor, np.ndarray)) else type(a)
                 for a in args)


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

    def _trace(self, args):
        result, replay, src, failure = trace_call(self.step_fn, args, "step", self._name())
        if failure is not None:
            self.fallback_reason = failure
            warnings.warn(f"deepgrad.compile: {self._name()} falls back to eager: {failure}. "
                          "It will run eagerly on every call.", CompileWarning, stacklevel=3)
            return result
        self.source, self._replay, self._signature = src, replay, _signature(args)
        return result


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
