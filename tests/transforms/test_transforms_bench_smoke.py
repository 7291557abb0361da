"""The transforms benchmark runs at tiny sizes (no timings asserted) and its cost model is right."""
from benchmarks import transforms_bench as B


def test_lecture_costs_of_a_chain():
    fwd, rev = B.lecture_costs((5, 64, 64, 500))
    assert fwd == 5 * (64 * 5 + 64 * 64 + 500 * 64)
    assert rev == 500 * (5 * 64 + 64 * 64 + 64 * 500)
    assert fwd / rev == 5 / 500  # same sum of layer products: the ratio is d_0 / d_L


def test_checkpoint_benchmark_smoke(capsys):
    # bench_checkpoint itself asserts that every segment size gives bit-identical gradients
    rows = B.bench_checkpoint(depth=6, width=8, batch=4, blocks=(1, 3), repeats=1)
    assert [r[0] for r in rows] == ["none", "every 1 layer", "every 3 layers"]
    assert "| checkpoint | peak (MiB) |" in capsys.readouterr().out
