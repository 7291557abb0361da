"""Benchmarks of issue 3 (forward mode, transforms, checkpointing), reported as ratios.

    .venv/bin/python -m benchmarks.transforms_bench            # everything (about 2 minutes)
    .venv/bin/python -m benchmarks.transforms_bench --quick    # small sizes: a smoke run
    .venv/bin/python -m benchmarks.transforms_bench --only hvp,jac,ckpt --threads 1

1. HVP time / gradient time on the 64-128-128-10 tanh MLP with a cross-entropy loss (batch 128,
   float32): deepgrad vs JAX (jit and no jit) vs PyTorch (torch.func), all in this process. The
   HVP is forward-over-reverse everywhere (jvp of grad). Target for deepgrad: <= 3.
2. jacfwd vs jacrev on a tanh chain R^n -> R^m (widths n, 64, 64, m) for (n, m) = (5, 500) and
   (500, 5). The lectures' costs: forward mode d_0 sum_l d_l d_(l-1), reverse mode
   d_L sum_l d_l d_(l+1), so the predicted time ratio fwd/rev is about n/m: the cheaper mode wins.
3. Peak memory (tracemalloc, which sees NumPy's allocations) of forward + backward through a
   64-layer width-512 tanh MLP (batch 1024, float32), plain vs ``deepgrad.checkpoint`` on each
   block of k layers, and the time ratio. Parameters are allocated before tracing starts; their
   gradients (64 MiB) are in every peak. Target: <= 40% of the plain peak at <= 1.5x the time.

Timings are medians of repeated runs (after warm-up) with the same BLAS thread count for every
peer. Prints Markdown tables; no numbers are asserted (tests never assert timings).
"""

from __future__ import annotations

import argparse
import os
import sys


def _set_threads(n: int) -> None:
    # Fixed before NumPy, torch or JAX start their thread pools.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(n))
    if n == 1:
        os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")


if __name__ == "__main__":  # threads must be set before the imports below
    _threads = next((int(a.split("=")[1]) for a in sys.argv if a.startswith("--threads=")), 1)
    if "--threads" in sys.argv:
        _threads = int(sys.argv[sys.argv.index("--threads") + 1])
    _set_threads(_threads)

import gc
import itertools
import statistics
import time
import tracemalloc

import numpy as np

import deepgrad as dg


def timeit(call, repeats=5, min_time=0.2, warmup=2):
    """Median seconds per call over ``repeats`` runs, each long enough to last ``min_time``."""
    for _ in range(warmup):
        call()
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < min_time / 4 or n == 0:
        call()
        n += 1
    per = (time.perf_counter() - t0) / n
    n = max(1, int(min_time / per))
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(n):
            call()
        runs.append((time.perf_counter() - t0) / n)
    return statistics.median(runs)


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def ms(t):
    return f"{t * 1e3:.3g}"


# --------------------------------------------------------------------------- 1. HVP / grad

def mlp_init(widths, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    params = []
    for d_in, d_out in itertools.pairwise(widths):
        params.append((rng.standard_normal((d_out, d_in)) / np.sqrt(d_in)).astype(dtype))
        params.append((0.1 * rng.standard_normal(d_out)).astype(dtype))
    return tuple(params)


def bench_hvp(widths=(64, 128, 128, 10), batch=128, repeats=5, min_time=0.2):
    rng = np.random.default_rng(1)
    params = mlp_init(widths)
    vs = tuple(rng.standard_normal(p.shape).astype(np.float32) for p in params)
    x = rng.standard_normal((batch, widths[0])).astype(np.float32)
    y = rng.integers(0, widths[-1], batch)
    results = {}

    # deepgrad
    def dg_loss(p, x, y):
        h = x
        for i in range(0, len(p) - 2, 2):
            h = dg.tanh(dg.linear(h, p[i], p[i + 1]))
        return dg.cross_entropy(dg.linear(h, p[-2], p[-1]), y)

    dparams = tuple(dg.tensor(p) for p in params)
    dvs = tuple(dg.tensor(v) for v in vs)
    dx, dy = dg.tensor(x), dg.tensor(y)
    g = dg.grad(dg_loss)
    results["deepgrad"] = (
        timeit(lambda: g(dparams, dx, dy), repeats, min_time),
        timeit(lambda: dg.hvp(lambda p: dg_loss(p, dx, dy), (dparams,), (dvs,)), repeats,
               min_time))
    leaves = tuple(dg.tensor(p, requires_grad=True) for p in params)

    def backward_step():
        for t in leaves:
            t.grad = None
        dg_loss(leaves, dx, dy).backward()

    backward_time = timeit(backward_step, repeats, min_time)
    check = {"deepgrad": dg.hvp(lambda p: dg_loss(p, dx, dy), (dparams,), (dvs,))[0].data}

    # JAX
    try:
        import jax
        import jax.numpy as jnp

        def jx_loss(p, x, y):
            h = x
            for i in range(0, len(p) - 2, 2):
                h = jnp.tanh(h @ p[i].T + p[i + 1])
            z = h @ p[-2].T + p[-1]
            return jnp.mean(jax.nn.logsumexp(z, axis=1) - z[jnp.arange(z.shape[0]), y])

        jparams = tuple(jnp.asarray(p) for p in params)
        jvs = tuple(jnp.asarray(v) for v in vs)
        jx, jy = jnp.asarray(x), jnp.asarray(y)
        jg = jax.grad(jx_loss)

        def jhvp(p, v):
            return jax.jvp(lambda q: jg(q, jx, jy), (p,), (v,))[1]

        jg_jit, jhvp_jit = jax.jit(jg), jax.jit(jhvp)
        sync = jax.block_until_ready
        results["JAX (no jit)"] = (timeit(lambda: sync(jg(jparams, jx, jy)), repeats, min_time),
                                   timeit(lambda: sync(jhvp(jparams, jvs)), repeats, min_time))
        results["JAX (jit)"] = (timeit(lambda: sync(jg_jit(jparams, jx, jy)), repeats, min_time),
                                timeit(lambda: sync(jhvp_jit(jparams, jvs)), repeats, min_time))
        check["JAX"] = np.asarray(jhvp_jit(jparams, jvs)[0])
    except ImportError as e:  # pragma: no cover
        print(f"(JAX not available: {e})")

    # PyTorch
    try:
        import torch
        import torch.nn.functional as F
        from torch.func import grad as tgrad
        from torch.func import jvp as tjvp

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))

        def t_loss(p, x, y):
            h = x
            for i in range(0, len(p) - 2, 2):
                h = torch.tanh(F.linear(h, p[i], p[i + 1]))
            return F.cross_entropy(F.linear(h, p[-2], p[-1]), y)

        tparams = tuple(torch.from_numpy(p) for p in params)
        tvs = tuple(torch.from_numpy(v) for v in vs)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        tg = tgrad(t_loss)

        def thvp():
            return tjvp(lambda p: tg(p, tx, ty), (tparams,), (tvs,))[1]

        results["PyTorch (torch.func)"] = (timeit(lambda: tg(tparams, tx, ty), repeats, min_time),
                                           timeit(thvp, repeats, min_time))
        check["PyTorch"] = thvp()[0].numpy()
    except ImportError as e:  # pragma: no cover
        print(f"(PyTorch not available: {e})")

    for peer, hv in check.items():  # every peer computes the same H v
        err = np.max(np.abs(hv - check["deepgrad"])) / np.max(np.abs(check["deepgrad"]))
        assert err < 1e-3, f"{peer} HVP differs from deepgrad's: relative error {err}"
    rows = [(peer, ms(tg_), ms(th), f"{th / tg_:.2f}") for peer, (tg_, th) in results.items()]
    rows.append(("deepgrad (loss.backward())", ms(backward_time), "",
                 f"{results['deepgrad'][1] / backward_time:.2f}"))
    print(f"\n### HVP / gradient, MLP {'-'.join(map(str, widths))}, batch {batch}, float32\n")
    print(table(("peer", "grad (ms)", "HVP (ms)", "HVP / grad"), rows))
    return results


# --------------------------------------------------------------------------- 2. jacfwd / jacrev

def chain_init(n, m, hidden=64, seed=0):
    rng = np.random.default_rng(seed)
    widths = (n, hidden, hidden, m)
    return widths, [rng.standard_normal((b, a)) / np.sqrt(a)
                    for a, b in itertools.pairwise(widths)]


def lecture_costs(widths):
    """Multiply-adds of forward and reverse accumulation of the chain's Jacobian (the lecture)."""
    d = widths
    fwd = d[0] * sum(d[i] * d[i - 1] for i in range(1, len(d)))
    rev = d[-1] * sum(d[i] * d[i + 1] for i in range(len(d) - 1))
    return fwd, rev


def jac_row(n, m, repeats, min_time):
    """One row of the jacfwd / jacrev table for the chain R^n -> R^m."""
    import jax
    import jax.numpy as jnp

    widths, Ws = chain_init(n, m)
    x = np.random.default_rng(2).standard_normal(n)

    def f(x):
        h = x
        for W in Ws[:-1]:
            h = dg.tanh(W @ h)
        return Ws[-1] @ h

    def jf(x):
        h = x
        for W in Ws[:-1]:
            h = jnp.tanh(W @ h)
        return Ws[-1] @ h

    t_fwd = timeit(lambda: dg.jacfwd(f)(x), repeats, min_time, warmup=1)
    t_rev = timeit(lambda: dg.jacrev(f)(x), repeats, min_time, warmup=1)
    np.testing.assert_allclose(dg.jacfwd(f)(x).data, dg.jacrev(f)(x).data, rtol=1e-10,
                               atol=1e-12)
    jfwd, jrev = jax.jit(jax.jacfwd(jf)), jax.jit(jax.jacrev(jf))
    sync = jax.block_until_ready
    j_fwd = timeit(lambda: sync(jfwd(x)), repeats, min_time)
    j_rev = timeit(lambda: sync(jrev(x)), repeats, min_time)
    c_fwd, c_rev = lecture_costs(widths)
    winner = "jacfwd" if t_fwd < t_rev else "jacrev"
    return (f"R^{n} -> R^{m}", ms(t_fwd), ms(t_rev), f"{t_fwd / t_rev:.3g}",
            f"{c_fwd / c_rev:.3g}", f"{j_fwd / j_rev:.3g}", winner)


def bench_jac(shapes=((5, 500), (500, 5)), repeats=3, min_time=0.2):
    rows = [jac_row(n, m, repeats, min_time) for n, m in shapes]
    print("\n### jacfwd vs jacrev on a tanh chain (widths n, 64, 64, m), float64\n")
    print(table(("map", "deepgrad jacfwd (ms)", "deepgrad jacrev (ms)", "fwd / rev",
                 "lecture cost fwd / rev", "JAX jit fwd / rev", "cheaper (deepgrad)"), rows))
    return rows


# --------------------------------------------------------------------------- 3. checkpoint

def deep_mlp(depth, width, seed=0):
    rng = np.random.default_rng(seed)
    return [(dg.tensor((rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32),
                       requires_grad=True),
             dg.tensor(np.zeros(width, np.float32), requires_grad=True)) for _ in range(depth)]


def _segment(layers):
    def run(h):
        for W, b in layers:
            h = dg.tanh(dg.linear(h, W, b))
        return h
    return run


def deep_loss(layers, x, block):
    """Mean square of the output; ``block`` > 0 checkpoints each run of ``block`` layers."""
    h = x
    step = block or len(layers)
    for i in range(0, len(layers), step):
        seg = _segment(layers[i:i + step])
        h = dg.checkpoint(seg, h) if block else seg(h)
    return dg.mean(h * h)


def _fwd_bwd(layers, x, block):
    x.grad = None
    for W, b in layers:
        W.grad = b.grad = None
    deep_loss(layers, x, block).backward()


def peak_bytes(layers, x, block):
    x.grad = None
    for W, b in layers:
        W.grad = b.grad = None
    gc.collect()
    tracemalloc.start()
    try:
        deep_loss(layers, x, block).backward()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_checkpoint(depth=64, width=512, batch=1024, blocks=(1, 2, 4, 8, 16), repeats=3):
    layers = deep_mlp(depth, width)
    x = dg.tensor(np.random.default_rng(3).standard_normal((batch, width)).astype(np.float32))
    grads = {}
    for block in (0,) + tuple(blocks):
        _fwd_bwd(layers, x, block)
        grads[block] = [t.grad.data.copy() for wb in layers for t in wb]
    for block in blocks:  # recomputation gives the same gradients, bit for bit
        assert all(np.array_equal(a, b) for a, b in zip(grads[0], grads[block])), block
    param_grad_bytes = sum(g.nbytes for g in grads[0])
    plain_peak = peak_bytes(layers, x, 0)
    plain_time = timeit(lambda: _fwd_bwd(layers, x, 0), repeats, 0.0, warmup=1)
    rows = [("none", f"{plain_peak / 2**20:.0f}", "100%",
             f"{(plain_peak - param_grad_bytes) / 2**20:.0f}", ms(plain_time), "1.00")]
    for block in blocks:
        peak = peak_bytes(layers, x, block)
        t = timeit(lambda block=block: _fwd_bwd(layers, x, block), repeats, 0.0, warmup=1)
        rows.append((f"every {block} layer{'s' if block > 1 else ''}", f"{peak / 2**20:.0f}",
                     f"{100 * peak / plain_peak:.0f}%",
                     f"{(peak - param_grad_bytes) / 2**20:.0f}", ms(t), f"{t / plain_time:.2f}"))
    print(f"\n### checkpoint: forward + backward through a {depth}-layer width-{width} tanh MLP, "
          f"batch {batch}, float32\n")
    print(f"Peak traced memory includes the parameter gradients "
          f"({param_grad_bytes / 2**20:.0f} MiB); the 'without grads' column subtracts them.\n")
    print(table(("checkpoint", "peak (MiB)", "% of plain", "peak without grads (MiB)",
                 "time (ms)", "time / plain"), rows))
    return rows


# --------------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="hvp,jac,ckpt", help="comma list of hvp, jac, ckpt")
    ap.add_argument("--quick", action="store_true", help="small sizes, one repeat: a smoke run")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads for every peer")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    import numpy

    print(f"deepgrad {dg.__version__}, NumPy {numpy.__version__}, "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', '?')} BLAS thread(s), {os.cpu_count()} CPUs")
    if "hvp" in only:
        if args.quick:
            bench_hvp(batch=16, repeats=1, min_time=0.02)
        else:
            bench_hvp()
    if "jac" in only:
        if args.quick:
            bench_jac(shapes=((3, 40), (40, 3)), repeats=1, min_time=0.02)
        else:
            bench_jac()
    if "ckpt" in only:
        if args.quick:
            bench_checkpoint(depth=16, width=64, batch=64, blocks=(1, 4), repeats=1)
        else:
            bench_checkpoint()


if __name__ == "__main__":
    main()
