"""The port of JAX's "Training a simple neural network" (examples/jax_tutorial.py): deepgrad.jit
trains exactly as eager deepgrad and as the tutorial's own JAX code; the benchmark runs (quick)."""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
for p in (ROOT, ROOT / "examples"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import jax_tutorial as T  # noqa: E402
from benchmarks import jit_bench  # noqa: E402


def test_jit_trains_exactly_as_eager_and_as_the_jax_tutorial():
    data = T.digits()
    jit_params, _, jit_acc = T.train(epochs=2, use_jit=True, data=data)
    eager_params, _, eager_acc = T.train(epochs=2, use_jit=False, data=data)
    _, _, jax_params = jit_bench.jax_loop(data, epochs=2)   # the tutorial's code, vmap, jax.jit
    for (w1, b1), (w2, b2), (w3, b3) in zip(jit_params, eager_params, jax_params):
        assert np.array_equal(w1, w2) and np.array_equal(b1, b2)
        np.testing.assert_allclose(w1, w3, rtol=1e-3, atol=1e-5)   # float32, other BLAS
        np.testing.assert_allclose(b1, b3, rtol=1e-3, atol=1e-5)
    assert jit_acc == eager_acc
    x, y = data[0], T.one_hot(data[1])
    start = T.init_network_params(T.LAYER_SIZES)
    assert T.loss(jit_params, x, y).item() < T.loss(start, x, y).item()   # it learns


def test_benchmark_quick_report():
    text = jit_bench.report(quick=True)
    for row in ("deepgrad eager", "deepgrad.jit", "JAX jax.jit", "eager HVP / eager grad", "jit HVP"):
        assert row in text
