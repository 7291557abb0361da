"""Draw the computational graph that made a tensor, as Graphviz DOT text.

The picture follows the lecture's figure of a computational graph: white nodes are the inputs
(data and constants) and the output, red nodes the model parameters (leaves that require grad),
blue nodes the intermediate operations, each labelled with its primitive's name and the shape
of its value. Edges are data dependencies, drawn from inputs to the operations that use them.

``to_dot`` only walks ``tensor.grad_fn`` and each node's ``.inputs`` (see ``graph.py``), so it
needs nothing installed; ``values=True`` adds each node's data and grad, as micrograd's draw_dot.
Laying the text out (``draw``, ``to_svg``, ``render``) is I/O, not the engine: it lives in
``deepgrad/drawing.py``.

    >>> W = deepgrad.tensor(np.ones((2, 3)), requires_grad=True)
    >>> x = deepgrad.tensor(np.ones((4, 3)))
    >>> print(deepgrad.to_dot(deepgrad.tanh(x @ W.T).sum(), names={"W": W, "x": x}))
"""

from __future__ import annotations

import itertools

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

def _quote(text: str) -> str:
    """A DOT string literal; ``\\n`` in ``text`` stays a line break."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _shape(shape) -> str:
    return "scalar" if shape == () else str(tuple(int(s) for s in shape))


def _short_params(params) -> str:
    """Keyword parameters worth showing (axis=1), skipping defaults and anything long."""
    shown = (f"{k}={v}" for k, v in params.items()
             if not (v is None or v is False or isinstance(v, np.ndarray) or k in ("index", "dtype")))
    return ", ".join(text for text in shown if len(text) <= 24)


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
    try:  # every tensor reachable through grad_fn.inputs, inputs before their users
        order = walk([tensor], every_input=True)
    except RuntimeError:
        raise RuntimeError("to_dot: the graph below this tensor was freed by backward(); draw it before "
                           "calling backward, or call backward(retain_graph=True)") from None
    ids = {id(t): f"t{i}" for i, t in enumerate(order)}
    lines = ["digraph deepgrad {", f"  rankdir={rankdir};",
             '  node [fontname="Helvetica", fontsize=11];', '  edge [color="#666666"];']
    edges, constants = [], itertools.count()
    for t in order:
        node = t.grad_fn
        head = kind = "parameter" if t.requires_grad else "input"
        if node is not None:
            kind = "operation"
            extra = _short_params(node.params) if show_params else ""
            head = node.name + (f"\n{extra}" if extra else "")
        if id(t) in label_of:
            head = label_of[id(t)] if node is None else f"{label_of[id(t)]} = {head}"
        body = head + "\n" + _shape(t.shape) + ("\n" + _values(t) if values else "")
        style = STYLES["output" if t is tensor else kind]
        lines.append(f"  {ids[id(t)]} [label={_quote(body)}, {style}];")
        for x in node.inputs if node is not None else ():
            if isinstance(x, Tensor):
                edges.append(f"  {ids[id(x)]} -> {ids[id(t)]};")
            elif x is not None:
                cid = f"c{next(constants)}"
                lines.append(f"  {cid} [label={_quote(_constant_label(x))}, {STYLES['constant']}];")
                edges.append(f"  {cid} -> {ids[id(t)]};")
    return "\n".join(lines + edges + ["}"]) + "\n"
