"""An experiment's docstring as HTML prose: paragraphs, its references, and its formulas as TeX.

The lab's docstrings are plain text in the lectures' ASCII notation: indented lines are formulas
(``f_l(x) = 2|f_{l-1}(x)| - 2``), RST backticks mark code, and a paragraph starting "Lecture" or
"Paper" names the sources. ``to_html`` turns formulas into TeX inside ``<div class="math">``
(typeset by the vendored KaTeX in the page; a formula KaTeX cannot parse stays as its text),
Greek names and sub/superscripts in running text into Unicode and ``<sub>``/``<sup>``.
"""

from __future__ import annotations

import html
import re

_GREEK = ("alpha beta gamma delta epsilon eta theta kappa lambda mu nu xi pi rho sigma tau phi chi "
          "psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega").split()
_UNICODE = dict(zip(_GREEK, "αβγδεηθκλμνξπρστφχψωΓΔΘΛΞΠΣΦΨΩ"))
_GREEK_RE = re.compile(r"(?<![A-Za-z\\])(" + "|".join(_GREEK) + r")(?![A-Za-z])")
_FUNCTIONS = {"sqrt", "exp", "log", "sin", "cos", "tanh", "relu", "max", "min", "sign", "grad",
              "diag", "tr", "vec", "rank", "argmin", "argmax", "softmax", "sigmoid", "inf"}
_REFERENCE_START = re.compile(r"^(Lectures?|Lecture topic|Papers?|References?|Sources?)\b")


def ascii_to_tex(line: str) -> str:
    """One formula in the lectures' ASCII (``theta_{t+1} = theta_t - gamma * grad L``) as TeX."""
    tex = re.sub(r" {2,}", "\0", line.strip())  # wide gaps separate formulas: \qquad, set last
    for a, b in (("\\", r"\backslash "), ("%", r"\%"), ("#", r"\#"), ("&", r"\&"), ("$", r"\$")):
        tex = tex.replace(a, b)
    for a, b in (("->", r" \to "), ("<=", r" \le "), (">=", r" \ge "), ("!=", r" \ne "),
                 ("~", r" \sim "), ("*", r" \cdot "), ("+-", r" \pm ")):
        tex = tex.replace(a, b)

    def word(m):
        w = m.group(0)
        if w.lower() in _FUNCTIONS:
            return rf"\operatorname{{{w}}}"
        return rf"\text{{ {w} }}" if len(w) >= 3 else w

    tex = re.sub(r"_([A-Za-z]{2,})", r"_{\\text{\1}}", tex)  # w_std: a named subscript
    tex = _GREEK_RE.sub(lambda m: "\\" + m.group(1) + " ", tex)
    tex = re.sub(r"(?<![\\A-Za-z{])[A-Za-z]{2,}(?![A-Za-z}])", word, tex)
    return tex.replace(", ", r",\ ").replace("\0", r" \qquad ")


def _inline(text: str) -> str:
    """Running text: escaped, ``code`` and `code` as <code>, Greek as Unicode, x_{i}/x^2 marked up."""
    parts = re.split(r"``(.+?)``|`(.+?)`", text)  # text, code, code, text, ...
    out = []
    for i in range(0, len(parts), 3):
        out.append(_markup(parts[i]))
        if i + 1 < len(parts):
            out.append(f"<code>{html.escape(parts[i + 1] or parts[i + 2] or '', quote=False)}</code>")
    return "".join(out)


def _markup(text: str) -> str:
    out = html.escape(text, quote=False)
    out = re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"<em>\1</em>", out)
    out = _GREEK_RE.sub(lambda m: _UNICODE[m.group(1)], out)
    out = re.sub(r"(?<=\w)_\{([^{}<>]+)\}", r"<sub>\1</sub>", out)
    out = re.sub(r"(?<=\w)\^\{([^{}<>]+)\}", r"<sup>\1</sup>", out)
    out = re.sub(r"(?<=[\w)])\^(-?\w+)", r"<sup>\1</sup>", out)
    out = re.sub(r"(?<=[A-Za-z0-9])_([A-Za-z0-9]+)", r"<sub>\1</sub>", out)
    return out


def _blocks(doc: str):
    """(kind, lines) per block: "math" for indented lines (code when they start with >>>), "text"
    for each paragraph."""
    kind, lines = None, []
    for line in doc.splitlines():
        this = None if not line.strip() else ("math" if line.startswith("    ") else "text")
        if this != kind and lines:
            yield kind, lines
            lines = []
        kind = this
        if this:
            lines.append(line)
    if lines:
        yield kind, lines


def to_html(doc: str, skip_title: bool = True) -> str:
    """The docstring as HTML: <p> paragraphs, <div class="math"> formulas, an <aside> of references."""
    if skip_title and doc:
        doc = "\n".join(doc.splitlines()[1:])
    body, refs = [], []
    for kind, lines in _blocks(doc):
        if kind == "math" and lines[0].strip().startswith((">>>", "$ ", "deepgrad ")):
            body.append(f"<pre><code>{html.escape(chr(10).join(l[4:] for l in lines))}</code></pre>")
            continue
        if kind == "math":
            tex = html.escape(r"\begin{gathered}" + r" \\ ".join(map(ascii_to_tex, lines)) + r"\end{gathered}")
            source = html.escape("\n".join(l.strip() for l in lines))
            body.append(f'<div class="math" data-tex="{tex}"><pre>{source}</pre></div>')
            continue
        text = " ".join(l.strip() for l in lines)
        if not _REFERENCE_START.match(text) and re.search(r"\bPapers?:", text):
            text, papers = re.split(r"\s*(?=\bPapers?:)", text, maxsplit=1)
            body.append(f"<p>{_inline(text)}</p>")
            text = papers
        if _REFERENCE_START.match(text):
            refs.extend(part.strip() for part in re.split(r"(?<=[.)])\s+(?=Papers?:)", text) if part.strip())
        else:
            body.append(f"<p>{_inline(text)}</p>")
    if refs:
        items = "".join(f"<li>{_inline(r)}</li>" for r in refs)
        body.append(f'<aside class="refs"><h4>References</h4><ul>{items}</ul></aside>')
    return "\n".join(body)
