"""Memory of a deep network's gradient: store everything, sqrt(L) checkpoints, revolve, forward mode.

Lecture: Lawrence, *Deep Architectures*, "Memory cost of autodiff" (forward mode stores only the
current activation and its tangent; reverse mode caches every activation) and "use
checkpointing/rematerialisation"; UBC CPSC 440 review ("Checkpointing exists to reduce storage,
but increases computational cost"). Papers: Griewank (1992) Achieving logarithmic growth of
temporal and spatial complexity in reverse automatic differentiation; Chen et al. (2016)
Training deep nets with sublinear memory cost; Griewank and Walther (2000) Algorithm 799: revolve.

The chain is a tanh MLP on a batch, x_l = tanh(x_{l-1} W_l) (B x w) for l = 1..L, then the loss
E = ||x_L||^2 / 2, and we want dE/dx_0. Policies:

    store all         reverse mode, every activation kept:        memory O(L B w),  ~L forward steps
    sqrt(L) segments  deepgrad.checkpoint per segment of sqrt(L):  O(sqrt(L) B w), ~2L
    revolve, c        binomial checkpointing with c states:        O(c B w),        L + t(L+1, c)
    forward mode      one JVP per input coordinate (w of them, all rows at once, because the
                      examples are independent): memory O(B w), time w L forward steps.

Peak memory is measured with ``tracemalloc`` (NumPy reports its buffers to it) above the memory
held before the gradient starts (weights and input); all policies' gradients are compared with
the stored-everything one.
"""
from __future__ import annotations

import time
import tracemalloc
from dataclasses import dataclass
from functools import partial

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

import deepgrad.engine.primitives as P
from deepgrad.engine.tensor import Tensor
from deepgrad.engine.checkpoint import checkpoint
from deepgrad.engine.transforms import grad, jvp
from deepgrad.lab.autodiff.revolve import revolve_gradient, revolve_steps


@dataclass
class AdMemoryResult:
    policies: dict  # name -> {peak_mb, seconds, forward_steps, max_grad_error}
    depth: int
    batch: int
    width: int
    checkpoints: int
    activation_mb: float  # one B x w activation
    revolve_c: list  # the trade-off curve: c ...
    revolve_steps_per_layer: list  # ... and t(L + 1, c) / (L + 1)


def _peak_mb(fn):
    """Peak MB allocated while ``fn`` runs, above what was allocated when it started."""
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - start
    tracemalloc.stop()
    return peak / 2 ** 20


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _tanh_layer(W):
    return lambda x: P.tanh(P.matmul(x, W))


def run(*, quick: bool = False, seed: int = 0, depth: int = 64, batch: int = 256,
        width: int = 64, checkpoints: int = 4) -> AdMemoryResult:
    """Times are taken without tracing and on one thread; forward mode's memory is that of its
    first JVP (the others reuse the same amount, one after the other)."""
    from threadpoolctl import threadpool_limits

    if quick:
        depth, batch, width = 32, 128, 32
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(depth)]
    x0 = rng.standard_normal((batch, width))
    layers = [_tanh_layer(W) for W in Ws]
    loss = lambda x: 0.5 * P.sum(x * x)

    def net(x, blocks=layers):
        for f in blocks:
            x = f(x)
        return x

    def store_all():
        return np.asarray(grad(lambda x: loss(net(x)))(x0).data)

    seg = max(1, round(np.sqrt(depth)))
    segments = [partial(net, blocks=layers[i:i + seg]) for i in range(0, depth, seg)]

    def sqrt_segments():
        def f(x):
            for s in segments:
                x = checkpoint(s, x)
            return loss(x)
        return np.asarray(grad(f)(x0).data)

    def revolve():
        g, _ = revolve_gradient(layers + [loss], Tensor(x0), checkpoints, np.float64(1.0))
        return np.asarray(g.data)

    def forward_mode(directions=width):
        g = np.zeros_like(x0)
        for j in range(directions):
            tangent = np.zeros_like(x0)
            tangent[:, j] = 1.0  # e_j in every row: each example's own directional derivative
            xL, xL_dot = jvp(net, (x0,), (tangent,))
            g[:, j] = np.sum(xL.data * xL_dot.data, axis=1)  # dE/dx_L = x_L
        return g

    steps = {"store all": depth, "sqrt(L) segments": 2 * depth,
             f"revolve, c = {checkpoints}": depth + 1 + revolve_steps(depth + 1, checkpoints),
             "forward mode": width * depth}
    policies, reference = {}, None
    memory_runs = (store_all, sqrt_segments, revolve, lambda: forward_mode(1))
    store_all()  # warm-up: first calls pay for imports and BLAS start-up
    for name, fn, mem_fn in zip(steps, (store_all, sqrt_segments, revolve, forward_mode),
                                memory_runs):
        with threadpool_limits(1):
            g, seconds = _timed(fn)
        reference = g if reference is None else reference
        policies[name] = {"peak_mb": _peak_mb(mem_fn), "seconds": seconds,
                          "forward_steps": steps[name],
                          "max_grad_error": float(np.abs(g - reference).max())}
    cs = list(range(1, depth + 1))
    return AdMemoryResult(policies, depth, batch, width, checkpoints, x0.nbytes / 2 ** 20, cs,
                          [revolve_steps(depth + 1, c) / (depth + 1) for c in cs])


def plot(result: AdMemoryResult) -> Figure:
    fig = Figure(figsize=(13, 4.5))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    names = list(result.policies)
    y = np.arange(len(names))
    ax1.barh(y, [result.policies[n]["peak_mb"] for n in names], color="C0")
    ax1.axvline(result.activation_mb, color="k", ls=":", lw=1, label="one activation B x w")
    ax1.set_yticks(y)
    ax1.set_yticklabels(names)
    ax1.set_ylabel("checkpointing policy")
    ax1.set_xlabel("peak memory above start (MB)")
    ax1.set_title(f"L = {result.depth}, B = {result.batch}, w = {result.width}")
    ax1.legend(fontsize=8)
    ax2.barh(y, [result.policies[n]["seconds"] for n in names], color="C1")
    ax2.set_yticks(y)
    ax2.set_yticklabels([])
    ax2.set_xscale("log")
    # timings can span less than a decade: label decades only, or the minor labels collide
    ax2.xaxis.set_minor_formatter(NullFormatter())
    ax2.set_xlabel("seconds")
    ax2.set_title("Time of one gradient")
    ax3.loglog(result.revolve_c, result.revolve_steps_per_layer, "-", color="C2")
    ax3.set_xlabel("checkpoints c")
    ax3.set_ylabel("extra forward steps per step, t(L+1, c) / (L+1)")
    ax3.set_title("Revolve: recomputation vs memory")
    fig.tight_layout()
    return fig
