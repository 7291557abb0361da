"""Write one benchmark's section into benchmarks/RESULTS.md between its own markers.

benchmarks.run rewrites RESULTS.md whole; the benchmarks that run after it (`make bench`) each
put their section back in place (or append it), so one file holds every ratio.
"""

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(name, markdown, path=RESULTS):
    """Replace the text between <!-- name --> and <!-- /name --> in `path`, or append it."""
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    block = f"{start}\n{markdown.strip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + block + ("\n" + after if after else "")  # the blank line after it kept
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + block
    path.write_text(text, encoding="utf-8")
