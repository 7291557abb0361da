"""The tutorials in docs/tutorials: stored without outputs, and each runs top to bottom (nbclient)."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "docs" / "tutorials").glob("*.ipynb"))


def test_the_tutorials_exist():
    assert len(NOTEBOOKS) >= 8, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stripped_and_runs(path):
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "outputs not stripped"
    from nbclient import NotebookClient

    NotebookClient(book, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    shown = [o for c in code for o in c.outputs]
    assert not [o for o in shown if o.output_type == "error"]
    # rich display: Tensors, Modules, graphs, figures and lab outcomes show as HTML, SVG or PNG,
    # never as their text repr alone (a figure's "<Figure size ...>", say)
    results = [o for o in shown if o.output_type == "execute_result"]
    rich = [o for o in results if {"text/html", "image/svg+xml", "image/png"} & set(o.data)]
    plain = [o.data["text/plain"][:40] for o in results if o not in rich
             and o.data.get("text/plain", "").startswith(("<", "tensor(", "Sequential", "MLP"))]
    assert rich and not plain, plain
    warnings = "".join(o.get("text", "") for o in shown if o.get("name") == "stderr")
    assert "IProgress" not in warnings and "Warning" not in warnings, warnings
