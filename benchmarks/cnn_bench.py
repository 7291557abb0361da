"""Benchmarks of issue 15 (convolutions), beside W1-W6, reported as ratios; single-threaded.

    .venv/bin/python -m benchmarks.cnn_bench            # W7 and W8 (about a minute)
    .venv/bin/python -m benchmarks.cnn_bench --tiny     # tiny sizes: the smoke run

W7: one training step (forward, backward, Adam) of the MNIST-1D CNN of the paper (Conv1d 1->25 k5
s2 p1, 25->25 k3 s2 p1 twice, ReLU, Linear 125->10), batch 100, float32: deepgrad vs PyTorch
eager, torch.compile and JAX jit (the same model and Adam written in jax.numpy). Target: deepgrad
at least 1.0x PyTorch eager (time ratio peer / deepgrad >= 1).
W8: conv2d forward + backward (input and weight gradients), 64 -> 64 channels, 3x3, padding 1,
32x32, batch 32, float32: GFLOP/s (3 GEMM-sized products, 2 N Ho Wo Cout Cin kH kW flops each) as
a share of this machine's float32 GEMM peak measured in the same run (np.matmul 1024^3, the BLAS
every deepgrad GEMM goes through), and against PyTorch. Target: at least 60% of the peak.
Medians of repeated runs after warm-up. Writes benchmarks/cnn_results.json; asserts nothing.
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # one thread for every peer, fixed before the libraries start
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                                       "intra_op_parallelism_threads=1")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.engine import conv as F

HERE = Path(__file__).resolve().parent


def median_time(call, repeats=7, min_time=0.2, warmup=3):
    """Median seconds per call over `repeats` runs of enough calls to last about `min_time`."""
    for _ in range(warmup):
        call()
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < min_time / 4 or n == 0:
        call()
        n += 1
    per = max(1, int(n * 4))
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(per):
            call()
        runs.append((time.perf_counter() - t) / per)
    return statistics.median(runs)


# --------------------------------------------------------------------------- W7

def w7_data(batch, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, 1, 40)).astype(np.float32), rng.integers(0, 10, batch)


def w7_deepgrad(batch):
    model = nn.ConvNet((1, 40), [25, 25, 25], [5, 3, 3], 10, padding=1, generator=0)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    x, y = w7_data(batch)

    def step():
        opt.zero_grad()
        dg.cross_entropy(model(dg.tensor(x)), y).backward()
        opt.step()
    return step


def _torch_cnn():
    import torch
    t = torch.nn
    return t.Sequential(t.Conv1d(1, 25, 5, 2, 1), t.ReLU(), t.Conv1d(25, 25, 3, 2, 1), t.ReLU(),
                        t.Conv1d(25, 25, 3, 2, 1), t.ReLU(), t.Flatten(), t.Linear(125, 10))


def w7_torch(batch, compiled=False):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = _torch_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    x, y = (torch.tensor(a) for a in w7_data(batch))

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return torch.compile(step) if compiled else step


def w7_jax(batch):
    import jax
    import jax.numpy as jnp

    rng = np.random.default_rng(0)
    shapes = [(25, 1, 5), (25,), (25, 25, 3), (25,), (25, 25, 3), (25,), (10, 125), (10,)]
    params = [jnp.asarray(rng.normal(size=s).astype(np.float32) * 0.1) for s in shapes]
    x, y = (jnp.asarray(a) for a in w7_data(batch))

    def loss(p, x, y):
        h = x
        for w, b, pad in ((p[0], p[1], 1), (p[2], p[3], 1), (p[4], p[5], 1)):
            h = jax.lax.conv_general_dilated(h, w, (2,), ((pad, pad),)) + b[None, :, None]
            h = jax.nn.relu(h)
        z = h.reshape(len(h), -1) @ p[6].T + p[7]
        return -jnp.mean(jax.nn.log_softmax(z)[jnp.arange(len(y)), y])

    @jax.jit
    def step(p, m, v, t, x, y):
        g = jax.grad(loss)(p, x, y)
        m = [0.9 * a + 0.1 * b for a, b in zip(m, g)]
        v = [0.999 * a + 0.001 * b * b for a, b in zip(v, g)]
        p = [w - 1e-2 * (a / (1 - 0.9 ** t)) / (jnp.sqrt(b / (1 - 0.999 ** t)) + 1e-8)
             for w, a, b in zip(p, m, v)]
        return p, m, v

    state = [params, [jnp.zeros_like(a) for a in params], [jnp.zeros_like(a) for a in params]]

    def call():
        state[:] = step(*state, 1.0, x, y)
        jax.block_until_ready(state[0])
    return call


# --------------------------------------------------------------------------- W8

def w8_shapes(tiny):
    return ((2, 4, 8, 8), (4, 4, 3, 3)) if tiny else ((32, 64, 32, 32), (64, 64, 3, 3))


def w8_flops(x_shape, w_shape):
    n, c, h, w = x_shape
    return 3 * 2 * n * h * w * w_shape[0] * c * w_shape[2] * w_shape[3]  # padding 1: Ho = H


def w8_deepgrad(x_shape, w_shape):
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.normal(size=x_shape).astype(np.float32), requires_grad=True)
    w = dg.tensor(rng.normal(size=w_shape).astype(np.float32), requires_grad=True)
    g = rng.normal(size=(x_shape[0], w_shape[0]) + x_shape[2:]).astype(np.float32)

    def call():
        x.grad = w.grad = None
        F.conv2d(x, w, padding=1).backward(g)
    return call


def w8_torch(x_shape, w_shape):
    import torch
    torch.set_num_threads(1)
    x = torch.randn(x_shape, requires_grad=True)
    w = torch.randn(w_shape, requires_grad=True)
    g = torch.randn((x_shape[0], w_shape[0]) + x_shape[2:])

    def call():
        x.grad = w.grad = None
        torch.nn.functional.conv2d(x, w, padding=1).backward(g)
    return call


def gemm_peak(n):
    a = np.random.default_rng(0).normal(size=(n, n)).astype(np.float32)
    seconds = median_time(lambda: np.matmul(a, a))
    return 2 * n ** 3 / seconds / 1e9


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="tiny sizes, short timings (smoke)")
    parser.add_argument("--out", default=str(HERE / "cnn_results.json"))
    parser.add_argument("--no-compile", action="store_true", help="skip torch.compile")
    parser.add_argument("--no-jax", action="store_true", help="skip JAX (its import and jit "
                        "compile take most of a smoke run)")
    args = parser.parse_args(argv)
    kw = dict(repeats=2, min_time=0.01, warmup=1) if args.tiny else {}
    batch = 4 if args.tiny else 100
    results = {"threads": os.environ.get("OPENBLAS_NUM_THREADS"),
               "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"), "W7": {}, "W8": {}}
    peers = {"deepgrad": lambda: w7_deepgrad(batch), "torch eager": lambda: w7_torch(batch)}
    if not args.no_jax:
        peers["jax jit"] = lambda: w7_jax(batch)
    if not args.no_compile and not args.tiny:
        peers["torch.compile"] = lambda: w7_torch(batch, compiled=True)
    for name, make in peers.items():
        try:
            t0 = time.perf_counter()
            call = make()
            call()
            setup = time.perf_counter() - t0
            results["W7"][name] = {"seconds": median_time(call, **kw), "first_call_s": setup}
        except Exception as error:  # a peer that does not run here is reported, not fatal
            results["W7"][name] = {"error": f"{type(error).__name__}: {error}"[:300]}
    base = results["W7"]["deepgrad"]["seconds"]
    print("W7 MNIST-1D CNN step (batch %d): deepgrad %.3f ms" % (batch, base * 1e3))
    for name, r in results["W7"].items():
        if "seconds" in r and name != "deepgrad":
            r["peer_over_deepgrad"] = r["seconds"] / base
            print(f"  {name:14s} {r['seconds'] * 1e3:8.3f} ms   deepgrad is "
                  f"{r['peer_over_deepgrad']:.2f}x its speed")
        elif "error" in r:
            print(f"  {name:14s} did not run: {r['error']}")

    x_shape, w_shape = w8_shapes(args.tiny)
    flops = w8_flops(x_shape, w_shape)
    peak = gemm_peak(128 if args.tiny else 1024)
    ours = median_time(w8_deepgrad(x_shape, w_shape), **kw)
    theirs = median_time(w8_torch(x_shape, w_shape), **kw)
    results["W8"] = {"gflop": flops / 1e9, "gemm_peak_gflops": peak,
                     "deepgrad_s": ours, "torch_s": theirs,
                     "deepgrad_gflops": flops / ours / 1e9, "torch_gflops": flops / theirs / 1e9,
                     "deepgrad_share_of_peak": flops / ours / 1e9 / peak,
                     "torch_over_deepgrad": theirs / ours}
    r = results["W8"]
    print(f"W8 conv2d fwd+bwd {x_shape} * {w_shape}: deepgrad {r['deepgrad_gflops']:.1f} GFLOP/s "
          f"= {100 * r['deepgrad_share_of_peak']:.0f}% of the GEMM peak {peak:.1f} GFLOP/s; "
          f"PyTorch {r['torch_gflops']:.1f} GFLOP/s (deepgrad is {r['torch_over_deepgrad']:.2f}x "
          "its speed)")
    Path(args.out).write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
