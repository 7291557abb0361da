"""The issue-14 benchmark runs at tiny sizes (no timings asserted) and agrees with JAX."""

import pytest

pytest.importorskip("jax")
from benchmarks import func_bench  # noqa: E402


def test_func_bench_smoke():
    text = func_bench.report(quick=True)
    assert "| deepgrad vmap(grad) |" in text and "| jacrev |" in text
    err = float(text.split("weight gradient: ")[1].split()[0])
    assert err < 1e-4  # float32 per-example gradients agree with JAX's
