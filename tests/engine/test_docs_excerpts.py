"""docs/engine.md cannot drift: every ```python excerpt it quotes still appears in the engine's
source (line for line, indentation aside). Usage examples are fenced ```py and are not excerpts."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "engine.md"


def _lines(text):
    return [line.strip() for line in text.splitlines() if line.strip()]


def excerpts(markdown):
    """The bodies of the ```python blocks of ``markdown``."""
    return re.findall(r"^```python\n(.*?)^```", markdown, flags=re.S | re.M)


def appears_in(excerpt, sources):
    """Whether the excerpt's lines appear consecutively in one of ``sources`` (lists of lines)."""
    want = _lines(excerpt)
    return any(src[i:i + len(want)] == want for src in sources for i in range(len(src)))


def test_every_excerpt_in_the_guide_is_in_the_source():
    sources = [_lines(p.read_text()) for p in (ROOT / "src" / "deepgrad" / "engine").rglob("*.py")]
    found = excerpts(GUIDE.read_text())
    assert len(found) >= 5, "the guide quotes the engine's code in ```python blocks"
    stale = [e for e in found if not appears_in(e, sources)]
    assert not stale, "docs/engine.md quotes code that is not in src/deepgrad/engine:\n" + \
        "\n---\n".join(stale)


def test_a_changed_excerpt_is_caught():
    sources = [_lines("def f(x):\n    return x + 1\n")]
    assert appears_in("def f(x):\n  return x + 1", sources)
    assert not appears_in("def f(x):\n    return x + 2", sources)
