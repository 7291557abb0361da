"""Display: the text a terminal shows for a Tensor, and the HTML a notebook shows for a Tensor
and for a Module.

Jupyter calls an object's ``_repr_html_`` when it is the last expression of a cell; Tensor and
Module each bind theirs to a function here, so the rendering lives in one place. Nothing here
imports the rest of deepgrad (the objects are read through their public attributes), so any
layer may hook it without an import circle. A Tensor's plain ``repr`` (``tensor_repr``), the text
a terminal shows, is here too.
"""

from __future__ import annotations

import html

import numpy as np

_STYLE = ("font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; "
          "border-collapse: collapse;")
_CELL = 'style="text-align: left; padding: 1px 8px; border: 0;"'


def _shape(shape) -> str:
    return "scalar" if tuple(shape) == () else " × ".join(str(int(s)) for s in shape)


def tensor_repr(t) -> str:
    """A Tensor as PyTorch prints one: ``tensor([1., 2.], dtype=float32, grad_fn=<mul>)``."""
    body = np.array2string(t.data, separator=", ", precision=4, threshold=20, prefix="tensor(")
    extra = f", dtype={t.data.dtype}"
    if t.grad_fn is not None:
        extra += f", grad_fn=<{t.grad_fn.name}>"
    elif t.requires_grad:
        extra += ", requires_grad=True"
    return f"tensor({body}{extra})"


def tensor_html(t) -> str:
    """A Tensor as a small table (shape, dtype, grad_fn, requires_grad, grad) over a value preview."""
    rows = [("shape", _shape(t.shape)), ("dtype", str(t.data.dtype)),
            ("grad_fn", f"<{t.grad_fn.name}>" if t.grad_fn is not None else "None (leaf)"),
            ("requires_grad", str(bool(t.requires_grad)))]
    if t.grad is not None:
        rows.append(("grad", "shape " + _shape(t.grad.shape) + " (set)"))
    head = "".join(f"<tr><th {_CELL}>{k}</th><td {_CELL}>{html.escape(v)}</td></tr>" for k, v in rows)
    preview = np.array2string(np.asarray(t.data), precision=4, threshold=60, edgeitems=3,
                              separator=", ")
    return (f'<div class="deepgrad-tensor"><table style="{_STYLE}">{head}</table>'
            f'<pre style="margin: 4px 0 0 0; font-size: 12px;">{html.escape(preview)}</pre></div>')


def _module_rows(module, name: str, depth: int, out: list) -> None:
    own = [(n, p) for n, p in module.named_parameters() if "." not in n]  # its own, not its children's
    total = sum(int(np.prod(p.shape)) for p in module.parameters())
    shapes = ", ".join(f"{n} {_shape(p.shape)}" for n, p in own)
    extra = module.extra_repr()
    label = f"{name}: " if name else ""
    out.append(f'<tr><td {_CELL}><span style="padding-left: {1.2 * depth:.1f}em">'
               f"{html.escape(label)}<b>{html.escape(type(module).__name__)}</b>"
               f"({html.escape(extra)})</span></td><td {_CELL}>{html.escape(shapes)}</td>"
               f'<td {_CELL} align="right">{total:,}</td></tr>')
    for child_name, child in module.named_children():
        _module_rows(child, child_name, depth + 1, out)


def module_html(module) -> str:
    """A Module as its tree of submodules, each with its own parameters' shapes and its count."""
    rows: list[str] = []
    _module_rows(module, "", 0, rows)
    header = (f"<tr><th {_CELL}>module</th><th {_CELL}>parameters</th>"
              f"<th {_CELL}>count</th></tr>")
    return f'<table class="deepgrad-module" style="{_STYLE}">{header}{"".join(rows)}</table>'
