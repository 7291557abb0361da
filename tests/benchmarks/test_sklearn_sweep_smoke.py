"""Smoke test of benchmarks/sklearn_bench.py and sections.py: tiny sizes, no timing assertions."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import sklearn_bench  # noqa: E402
from benchmarks.sections import write_section  # noqa: E402


def test_sklearn_bench_runs_both_peers_on_the_same_split():
    results = sklearn_bench.run(seeds=1, epochs=3, names=("breast_cancer", "diabetes"))
    for name, peers in results.items():
        assert set(peers) == {"deepgrad", "sklearn"}
        for r in peers.values():
            assert r["epoch_seconds"][0] > 0 and len(r["scores"]) == 1
    assert min(p["scores"][0] for p in results["breast_cancer"].values()) > 0.8  # accuracy
    table = sklearn_bench.markdown(results, 1, 3)
    assert "| breast_cancer | accuracy |" in table and "| diabetes | R2 |" in table


def test_a_section_is_replaced_in_place_and_appended_once(tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Results\n\nW1 table\n")
    write_section("s", "first", path)
    write_section("t", "other", path)
    write_section("s", "second", path)
    text = path.read_text()
    assert text.startswith("# Results\n\nW1 table\n") and text.count("<!-- s -->") == 1
    assert "second" in text and "first" not in text and text.index("second") < text.index("other")
    assert "<!-- /s -->\n\n<!-- t -->" in text  # the blank line between sections survives a rewrite
