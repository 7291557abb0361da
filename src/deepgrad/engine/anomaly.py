"""detect_anomaly: the first non-finite value, in forward or in backward, raises and says where.

While the mode is on, ``apply`` and ``run_backward`` go through ``Anomaly`` (the engine's
``graph.tracer`` slot, so the mode costs nothing when off): every primitive's output is checked,
each node records the Python line of the forward call that made it and the module path
(``nn.Module.__call__`` pushes names only while the mode is on), and the backward pass checks
every gradient it sends to an input. Unlike PyTorch's, a NaN in the forward pass (the loss
itself) is caught where it first appears.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys

import numpy as np

from . import backward, graph

_ENGINE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE = os.path.dirname(_ENGINE)

names = None  # the module-path stack while the mode is on (nn.Module.__call__ pushes), else None


class AnomalyError(FloatingPointError):
    """A primitive produced a non-finite value (NaN or inf) under ``detect_anomaly()``."""


def _line(frame) -> str:
    code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}: {code}"


def _origin() -> str:
    """The first caller outside the engine (the forward call), and the user's line if different."""
    frame, inner, user = sys._getframe(1), None, None
    while frame is not None:
        path = os.path.abspath(frame.f_code.co_filename)
        if inner is None and not path.startswith(_ENGINE):
            inner = frame
        if not path.startswith(_PACKAGE):
            user = frame
            break
        frame = frame.f_back
    lines = [_line(f) for f in (inner, user) if f is not None]
    return lines[0] if len(lines) == 1 or lines[0] == lines[-1] else f"{lines[0]}\n    called from {lines[1]}"


def _module() -> str:
    return names[-1][1] if names else "(no module)"


def _describe(values) -> str:
    parts = []
    for v in values:
        a = v.data if hasattr(v, "data") and isinstance(v.data, np.ndarray) else np.asarray(v)
        if a.dtype.kind != "f" or a.size == 0:
            parts.append(f"{a.shape} {a.dtype}")
            continue
        finite = a[np.isfinite(a)]
        rng = f"[{finite.min():.4g}, {finite.max():.4g}]" if finite.size else "[no finite value]"
        parts.append(f"{a.shape} range {rng}, {int(np.isnan(a).sum())} nan, "
                     f"{int(np.isinf(a).sum())} inf")
    return "; ".join(parts)


class Anomaly:
    """What ``graph.tracer`` points to while the mode is on."""

    def apply(self, prim, args, params):
        graph.tracer = None
        try:
            out = graph.apply(prim, *args, **params)
        finally:
            graph.tracer = self
        data = out.data
        if data.dtype.kind == "f" and not np.isfinite(data).all():
            raise AnomalyError(
                f"detect_anomaly: {prim.name} produced a non-finite value in forward\n"
                f"  at {_origin()}\n  module: {_module()}\n  inputs: {_describe(args)}\n"
                f"  output: {_describe([data])}")
        if out.grad_fn is not None:
            out.grad_fn.origin = (_origin(), _module())
        return out

    def backward(self, roots, cotangents, inputs, retain_graph, create_graph):
        graph.tracer = None
        try:
            return backward.run_backward(roots, cotangents, inputs, retain_graph, create_graph,
                                      check=_check_gradients)
        finally:
            graph.tracer = self


def _check_gradients(node, g, pending):
    """After ``node``'s VJP rules ran: every gradient they produced must be finite."""
    for i in node.diff:
        x_bar = pending.get(node.inputs[i])
        x_data = getattr(x_bar, "data", x_bar)
        if x_data is not None and not np.isfinite(np.asarray(x_data)).all():
            origin, module = getattr(node, "origin", ("(made before detect_anomaly)", "?"))
            raise AnomalyError(
                f"detect_anomaly: the backward of {node.name} produced a non-finite gradient for "
                f"its input {i}\n  forward call at {origin}\n  module: {module}\n"
                f"  inputs: {_describe([x for x in node.inputs])}\n"
                f"  incoming gradient: {_describe([g])}\n  gradient: {_describe([x_data])}")


@contextlib.contextmanager
def detect_anomaly():
    """Context manager: raise ``AnomalyError`` at the first NaN/inf in forward or backward,
    naming the primitive, the source line of its forward call, the module path and the input
    shapes and ranges (as ``torch.autograd.detect_anomaly``, plus the forward pass)."""
    global names
    if isinstance(graph.tracer, Anomaly):  # nested: the outer mode already checks
        yield
        return
    if graph.tracer is not None:
        raise RuntimeError("detect_anomaly: cannot be entered while deepgrad.compile is tracing")
    graph.tracer, names = Anomaly(), []
    try:
        yield
    finally:
        graph.tracer, names = None, None


@contextlib.contextmanager
def module_scope(module):
    """Push ``module``'s path (``layers.2 (Linear 64->10)``) while its forward runs."""
    parent = names[-1] if names else None
    name = type(module).__name__
    if parent is not None:
        name = next((n for n, m in parent[0].named_children() if m is module), name)
        path = f"{parent[2]}.{name}" if parent[2] else name
    else:
        path = ""
    what = type(module).__name__
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        what += f" {module.in_features}->{module.out_features}"
    names.append((module, f"{path or '(root)'} ({what})", path))
    try:
        yield
    finally:
        names.pop()
