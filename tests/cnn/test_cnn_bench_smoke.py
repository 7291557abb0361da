"""The W7/W8 benchmark runs at tiny sizes and reports every peer (no timing is asserted)."""

from benchmarks import cnn_bench


def test_tiny_run_reports_ratios(tmp_path):
    r = cnn_bench.main(["--tiny", "--no-jax", "--out", str(tmp_path / "r.json")])
    assert r["W7"]["deepgrad"]["seconds"] > 0
    assert "peer_over_deepgrad" in r["W7"]["torch eager"]
    assert r["W8"]["gflop"] == 3 * 2 * 2 * 8 * 8 * 4 * 4 * 9 / 1e9
    assert (tmp_path / "r.json").exists()
