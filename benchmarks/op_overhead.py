"""Per-op overhead of deepgrad's tape next to raw NumPy and PyTorch eager, in one process.

    .venv/bin/python -m benchmarks.op_overhead          # or as a script: benchmarks/op_overhead.py
    .venv/bin/python -m benchmarks.op_overhead --quick  # fewer repeats (a smoke run)

Measures (issue 2, "Speed"):

1. a small recorded op: ``a + b`` on 4x4 float32 tensors that require grad, and its backward
   (``y.backward(gradient=ones, retain_graph=True)`` on one graph, so only the backward is timed;
   both frameworks accumulate into ``.grad`` each time), and forward+backward on a fresh graph;
2. one training step's forward+backward of a 2-16-16-1 MLP (ReLU, MSE, batch 32, float32):
   deepgrad (fused ``linear`` and composed ``x @ W.T + b``), PyTorch eager, hand-written NumPy;
3. first-order backward vs ``backward(create_graph=True)`` on that MLP: what recording the
   backward pass costs, and that a plain backward does not pay it.

Each number: warm-up, then ``repeats`` runs of n calls (n chosen so a run lasts ~``min_time``),
interleaved across peers, garbage collector off during a run (as ``timeit``); the median per
call, with min and max (on a loaded machine the min is the steadier estimate).
Threads: 2 for BLAS and for torch. Timings are not asserted anywhere (tests never time).
"""

from __future__ import annotations

import os

THREADS = 2
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(THREADS))
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
os.environ.setdefault("MKL_NUM_THREADS", str(THREADS))

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import deepgrad as dg  # noqa: E402

torch.set_num_threads(THREADS)
# torch warns that backward(create_graph=True) makes a .grad <-> graph cycle; we reset .grad.
warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")


# --------------------------------------------------------------------------- timing

def _calibrate(call, min_time, warmup):
    """Warm up, then the number of calls n for which one run lasts about ``min_time``."""
    for _ in range(warmup):
        call()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            call()
        t = time.perf_counter() - t0
        if t >= min_time / 4:
            return max(1, int(n * min_time / max(t, 1e-9)))
        n *= 4


def measure_all(cases, repeats=15, min_time=0.05, warmup=50):
    """Seconds per call for each case: dict(median, min, max, n) over ``repeats`` runs.

    The runs are interleaved (case 1, case 2, ..., case 1, ...) so that background load, if any,
    falls on every peer alike; the garbage collector is off during a run, as in ``timeit``.
    """
    ns = {k: _calibrate(c, min_time, warmup) for k, c in cases.items()}
    samples = {k: [] for k in cases}
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for k, call in cases.items():
                n = ns[k]
                t0 = time.perf_counter()
                for _ in range(n):
                    call()
                samples[k].append((time.perf_counter() - t0) / n)
                gc.collect()
    finally:
        if enabled:
            gc.enable()
    return {k: dict(median=statistics.median(v), min=min(v), max=max(v), n=ns[k])
            for k, v in samples.items()}


# --------------------------------------------------------------------------- 1. one small op

def small_op_cases():
    """{(measure, peer): callable} for the 4x4 add."""
    rng = np.random.default_rng(0)
    a_np, b_np = (rng.standard_normal((4, 4)).astype(np.float32) for _ in range(2))
    ones = np.ones((4, 4), np.float32)
    cases = {}

    a, b = dg.tensor(a_np, requires_grad=True), dg.tensor(b_np, requires_grad=True)
    y = a + b
    g_dg = dg.tensor(ones)
    cases["forward", "deepgrad"] = lambda: a + b
    cases["backward", "deepgrad"] = lambda: y.backward(gradient=g_dg, retain_graph=True)
    cases["forward+backward", "deepgrad"] = lambda: (a + b).backward(gradient=g_dg)

    at = torch.tensor(a_np, requires_grad=True)
    bt = torch.tensor(b_np, requires_grad=True)
    yt = at + bt
    g_t = torch.from_numpy(ones)
    cases["forward", "torch"] = lambda: at + bt
    cases["backward", "torch"] = lambda: yt.backward(g_t, retain_graph=True)
    cases["forward+backward", "torch"] = lambda: (at + bt).backward(g_t)

    ga, gb = np.zeros_like(a_np), np.zeros_like(b_np)

    def np_backward():  # the adjoint of add, accumulated as .grad is
        ga.__iadd__(ones)
        gb.__iadd__(ones)

    def np_both():
        np.add(a_np, b_np)
        np_backward()

    cases["forward", "numpy"] = lambda: np.add(a_np, b_np)
    cases["backward", "numpy"] = np_backward
    cases["forward+backward", "numpy"] = np_both
    return cases


# --------------------------------------------------------------------------- 2. the MLP step

WIDTHS = (2, 16, 16, 1)
BATCH = 32


def mlp_data(dtype=np.float32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, WIDTHS[0])).astype(dtype)
    y = rng.standard_normal((BATCH, WIDTHS[-1])).astype(dtype)
    params = []
    for fan_in, fan_out in zip(WIDTHS[:-1], WIDTHS[1:]):
        params.append((rng.standard_normal((fan_out, fan_in)) * np.sqrt(2 / fan_in)).astype(dtype))
        params.append(np.zeros(fan_out, dtype))
    return x, y, params


def deepgrad_step(fused=True, create_graph=False):
    x_np, y_np, p_np = mlp_data()
    x, y = dg.tensor(x_np), dg.tensor(y_np)
    params = [dg.tensor(p, requires_grad=True) for p in p_np]

    def forward():
        h = x
        for i in range(0, len(params), 2):
            w, b = params[i], params[i + 1]
            h = dg.linear(h, w, b) if fused else h @ w.T + b
            if i + 2 < len(params):
                h = dg.relu(h)
        return ((h - y) ** 2).mean()

    def step():
        for p in params:
            p.grad = None
        forward().backward(create_graph=create_graph)

    return step, forward, params


def torch_step(create_graph=False):
    x_np, y_np, p_np = mlp_data()
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    params = [torch.tensor(p, requires_grad=True) for p in p_np]
    F = torch.nn.functional

    def forward():
        h = x
        for i in range(0, len(params), 2):
            h = F.linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = torch.relu(h)
        return F.mse_loss(h, y)

    def step():
        for p in params:
            p.grad = None
        forward().backward(create_graph=create_graph)

    return step, forward, params


def numpy_step():
    """Forward and backward written out by hand: the floor any framework is measured against."""
    x, y, (w1, b1, w2, b2, w3, b3) = mlp_data()
    grads = {}

    def step():
        z1 = x @ w1.T + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ w2.T + b2
        h2 = np.maximum(z2, 0)
        out = h2 @ w3.T + b3
        r = out - y
        loss = np.mean(r * r)
        g = r * (2 / r.size)
        grads["w3"], grads["b3"] = g.T @ h2, g.sum(0)
        g = (g @ w3) * (z2 > 0)
        grads["w2"], grads["b2"] = g.T @ h1, g.sum(0)
        g = (g @ w2) * (z1 > 0)
        grads["w1"], grads["b1"] = g.T @ x, g.sum(0)
        return loss

    return step, grads


def check_mlp_agreement():
    """The three MLP steps compute the same gradients (a benchmark of wrong code is worthless)."""
    step, _, params = deepgrad_step()
    step()
    tstep, _, tparams = torch_step()
    tstep()
    nstep, grads = numpy_step()
    nstep()
    names = ["w1", "b1", "w2", "b2", "w3", "b3"]
    for p, t, name in zip(params, tparams, names):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(p.grad.data, grads[name], rtol=1e-4, atol=1e-6)


def mlp_cases():
    cases = {}
    cases["forward+backward", "deepgrad"] = deepgrad_step()[0]
    cases["forward+backward", "deepgrad (x @ W.T + b)"] = deepgrad_step(fused=False)[0]
    cases["forward+backward", "torch"] = torch_step()[0]
    cases["forward+backward", "numpy"] = numpy_step()[0]
    cases["forward", "deepgrad"] = deepgrad_step()[1]
    cases["forward", "torch"] = torch_step()[1]
    cases["backward(create_graph=True)", "deepgrad"] = deepgrad_step(create_graph=True)[0]
    cases["backward(create_graph=True)", "torch"] = torch_step(create_graph=True)[0]
    return cases


# --------------------------------------------------------------------------- report

def environment():
    return dict(
        python=sys.version.split()[0], platform=platform.platform(), machine=platform.machine(),
        cpus=os.cpu_count(), numpy=np.__version__, torch=torch.__version__,
        deepgrad=dg.__version__, torch_threads=torch.get_num_threads(),
        env={k: v for k, v in sorted(os.environ.items())
             if k.startswith(("OPENBLAS_", "OMP_NUM", "MKL_NUM"))},
    )


def us(seconds):
    return f"{seconds * 1e6:.2f}"


def _ratio(r, base, fmt):
    if base is None:
        return ""
    return f"{r['median'] / base['median']:{fmt}} / {r['min'] / base['min']:{fmt}}"


def table(results, title):
    """Markdown; ratio cells read "by median / by min" (x < 1: faster than the baseline)."""
    lines = [f"### {title}", "",
             "| measure | peer | median (us) | min (us) | max (us) | vs torch, 2 threads "
             "| vs torch, 1 thread | vs numpy |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for (what, peer), r in results.items():
        t2 = results.get((what, "torch"))
        t1 = results.get((what, "torch (1 thread)"))
        n = results.get((what, "numpy"))
        lines.append(f"| {what} | {peer} | {us(r['median'])} | {us(r['min'])} | {us(r['max'])} "
                     f"| {_ratio(r, t2, '.2f')} | {_ratio(r, t1, '.2f')} | {_ratio(r, n, '.1f')} |")
    return "\n".join(lines)


def with_torch_single_thread(cases, kw):
    """Measure ``cases``; then again, torch's rows only, with torch on 1 thread.

    On a machine whose cores are busy, torch's 2-thread pool can wait milliseconds for its second
    thread in every parallel region (a 32x16 @ 16x16 matmul included); the 1-thread rows show
    the per-op overhead without that effect.
    """
    results = measure_all(cases, **kw)
    torch.set_num_threads(1)
    try:
        single = measure_all({k: c for k, c in cases.items() if k[1] == "torch"}, **kw)
    finally:
        torch.set_num_threads(THREADS)
    for (what, _), r in single.items():
        results[what, "torch (1 thread)"] = r
    measures = list(dict.fromkeys(what for what, _ in cases))
    peers = ["deepgrad", "deepgrad (x @ W.T + b)", "torch", "torch (1 thread)", "numpy"]
    return dict(sorted(results.items(), key=lambda kv: (measures.index(kv[0][0]),
                                                         peers.index(kv[0][1]))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats of short runs")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--json", type=Path, default=None, help="also write every number here")
    args = ap.parse_args(argv)
    kw = dict(repeats=3, min_time=0.01, warmup=5) if args.quick else dict(repeats=args.repeats)

    check_mlp_agreement()
    small = with_torch_single_thread(small_op_cases(), kw)
    mlp = with_torch_single_thread(mlp_cases(), kw)
    env = environment()

    print("## deepgrad op overhead\n")
    print(f"numpy {env['numpy']}, torch {env['torch']} ({env['torch_threads']} threads), "
          f"python {env['python']}, {env['platform']}, {env['cpus']} CPUs; "
          f"env: {env['env']}\n")
    print(table(small, "One recorded op: 4x4 float32 add, both inputs require grad"))
    print()
    print(table(mlp, f"MLP {'-'.join(map(str, WIDTHS))}, ReLU, MSE, batch {BATCH}, float32: "
                     "one step"))
    fb = mlp["forward+backward", "deepgrad"]["median"]
    cg = mlp["backward(create_graph=True)", "deepgrad"]["median"]
    fb_t = mlp["forward+backward", "torch (1 thread)"]["median"]
    cg_t = mlp["backward(create_graph=True)", "torch (1 thread)"]["median"]
    print("\n### create_graph overhead (forward + backward of the MLP step)\n")
    print(f"deepgrad: backward() {us(fb)} us, backward(create_graph=True) {us(cg)} us "
          f"-> recording the backward pass costs {cg / fb:.2f}x a plain step")
    print(f"torch (1 thread): backward() {us(fb_t)} us, backward(create_graph=True) {us(cg_t)} us "
          f"-> {cg_t / fb_t:.2f}x")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        flat = lambda d: {f"{w} | {p}": r for (w, p), r in d.items()}  # noqa: E731
        args.json.write_text(json.dumps(dict(environment=env, small_op=flat(small),
                                             mlp=flat(mlp)), indent=2))


if __name__ == "__main__":
    if __package__ in (None, ""):  # run as a script: make `import deepgrad` work from a checkout
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
