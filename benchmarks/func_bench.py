"""Benchmarks of issue 14 (vmap by batching rules, jacfwd/jacrev as vmaps), reported as ratios.

    .venv/bin/python -m benchmarks.func_bench              # about half a minute, 1 thread
    .venv/bin/python -m benchmarks.func_bench --quick      # small sizes: a smoke run

1. Per-example gradients of a 64 -> 128 tanh layer (squared error, float32) over 256 examples
   w.r.t. its weights and bias: deepgrad ``vmap(grad)`` eager and under ``deepgrad.jit`` vs JAX
   ``jit(vmap(grad))`` vs one batched gradient of the summed loss in deepgrad (which gives their
   sum, not each one), the four taking turns. Targets: at least 1.0x JAX's speed, within 3x of
   the batched gradient.
2. ``jacfwd`` and ``jacrev`` of a 64 -> 64 -> 64 tanh MLP at one input (float32), eager and
   under ``deepgrad.jit``, vs JAX jit. Target: within 2x of JAX jit.

Medians of repeated runs after warm-up, one BLAS/XLA thread for every peer, in one process.
Prints Markdown tables; nothing is asserted (tests never assert timings).
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # threads are fixed before NumPy and JAX start their pools
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    from benchmarks.one_core import pin

    pin(sys.argv)  # one core for every peer (XLA takes a second one otherwise)

import argparse
import time

import numpy as np

import deepgrad as dg
from benchmarks.one_core import cores
from benchmarks.sections import write_section
from benchmarks.transforms_bench import ms, table, timeit


def bench_per_example(n_in=64, n_out=128, batch=256, repeats=5, min_time=0.2):
    """Seconds per call: deepgrad vmap(grad) eager and under deepgrad.jit, one batched grad,
    JAX jit(vmap(grad)); and the largest difference between deepgrad's and JAX's gradients."""
    rng = np.random.default_rng(0)
    w = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)
    b = np.zeros(n_out, np.float32)
    x = rng.standard_normal((batch, n_in)).astype(np.float32)
    y = rng.standard_normal((batch, n_out)).astype(np.float32)

    def loss(w, b, x, y):
        return dg.sum((dg.tanh(dg.linear(x, w, b)) - y) ** 2)

    per_example = dg.vmap(dg.grad(loss, argnums=(0, 1)), in_axes=(None, None, 0, 0))
    jitted = dg.jit(per_example)
    batched = dg.grad(loss, argnums=(0, 1))
    calls = {"deepgrad vmap(grad)": lambda: per_example(w, b, x, y),
             "deepgrad jit(vmap(grad))": lambda: jitted(w, b, x, y),
             "deepgrad one batched grad": lambda: batched(w, b, x, y)}
    gw = jitted(w, b, x, y)[0].data
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return _interleaved(calls, repeats, min_time), None
    jloss = lambda w, b, x, y: jnp.sum((jnp.tanh(x @ w.T + b) - y) ** 2)  # noqa: E731
    jfn = jax.jit(jax.vmap(jax.grad(jloss, (0, 1)), in_axes=(None, None, 0, 0)))
    calls["JAX jit(vmap(grad))"] = lambda: jax.block_until_ready(jfn(w, b, x, y))
    err = float(np.max(np.abs(gw - np.asarray(jfn(w, b, x, y)[0]))))
    return _interleaved(calls, repeats, min_time), err


def _interleaved(calls, repeats, min_time):
    """Median seconds per call of each, the peers' runs taking turns (a shared machine's load
    then weighs on all of them alike)."""
    runs = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            runs[name].append(timeit(call, 1, min_time))
    return {name: float(np.median(t)) for name, t in runs.items()}


def per_example_report(quick=False):
    """The per-example table and its targets, as Markdown."""
    kw = dict(repeats=1, min_time=0.01) if quick else {}
    sizes = dict(n_in=8, n_out=16, batch=16) if quick else {}
    pe, err = bench_per_example(**sizes, **kw)
    ours, jitted = pe["deepgrad vmap(grad)"], pe["deepgrad jit(vmap(grad))"]
    rows = [[k, ms(t), f"{t / jitted:.2f}"] for k, t in pe.items()]
    text = ["### Per-example gradients (64 -> 128 tanh layer, 256 examples, float32)", "",
            table(["", "ms", "time / deepgrad jit(vmap(grad))"], rows), ""]
    batched = pe["deepgrad one batched grad"]
    if err is not None:
        jax_t = pe["JAX jit(vmap(grad))"]
        text.append(f"- speed vs JAX jit(vmap(grad)) (JAX time / ours; target: at least 1.0): "
                    f"deepgrad jit(vmap(grad)) {jax_t / jitted:.2f} (like for like), eager "
                    f"vmap(grad) {jax_t / ours:.2f}")
    text.append(f"- time / one batched grad (target: at most 3): jit(vmap(grad)) "
                f"{jitted / batched:.2f}, eager vmap(grad) {ours / batched:.2f}")
    if err is not None:
        text.append(f"- largest |deepgrad - JAX| per-example weight gradient: {err:.1e}")
    return "\n".join(text)


def bench_jacobians(width=64, repeats=5, min_time=0.2):
    """Seconds per call of jacfwd / jacrev of a tanh MLP width -> width -> width, eager and
    under ``deepgrad.jit`` (None where jit falls back to eager), and the largest difference from
    JAX's Jacobian."""
    import warnings

    from deepgrad.engine.fast.compile import CompileWarning

    rng = np.random.default_rng(1)
    w1, w2 = ((rng.standard_normal((width, width)) / np.sqrt(width)).astype(np.float32)
              for _ in range(2))
    x = rng.standard_normal(width).astype(np.float32)
    f = lambda v: dg.tanh(dg.tanh(v @ w1.T) @ w2.T)  # noqa: E731
    out, values = {}, {}
    for name, jac in (("jacfwd", dg.jacfwd(f)), ("jacrev", dg.jacrev(f))):
        out[f"deepgrad {name}"] = timeit(lambda jac=jac: jac(x), repeats, min_time)
        values[name] = jac(x).data
        jitted = dg.jit(jac)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            jitted(x)
        traced = not any(issubclass(w.category, CompileWarning) for w in caught)
        out[f"deepgrad.jit {name}"] = timeit(lambda: jitted(x), repeats, min_time) if traced \
            else None
        values[f"jit {name}"] = jitted(x).data
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return out, None
    jf = lambda v: jnp.tanh(jnp.tanh(v @ w1.T) @ w2.T)  # noqa: E731
    for name, jac in (("jacfwd", jax.jit(jax.jacfwd(jf))), ("jacrev", jax.jit(jax.jacrev(jf)))):
        out[f"JAX jit {name}"] = timeit(lambda jac=jac: jax.block_until_ready(jac(x)), repeats,
                                        min_time)
    want = np.asarray(jax.jacfwd(jf)(x))
    return out, max(float(np.max(np.abs(v - want))) for v in values.values())


def report(quick=False):
    """Both benchmarks as Markdown (what ``main`` prints and RESULTS.md keeps)."""
    kw = dict(repeats=1, min_time=0.01) if quick else {}
    text = [per_example_report(quick)]
    jac, err = bench_jacobians(width=8 if quick else 64, **kw)
    rows = []
    for mode in ("jacfwd", "jacrev"):
        peer = jac.get(f"JAX jit {mode}")
        for label, key in ((mode, f"deepgrad {mode}"), (f"deepgrad.jit({mode})",
                                                        f"deepgrad.jit {mode}")):
            t = jac[key]
            if t is None:
                rows.append([label, "falls back to eager", ms(peer) if peer else "-", "-"])
                continue
            rows.append([label, ms(t), ms(peer) if peer else "-",
                         f"{t / peer:.2f}" if peer else "-"])
    text += ["", "### jacfwd / jacrev of a 64 -> 64 -> 64 tanh MLP (float32)", "",
             table(["", "deepgrad ms", "JAX jit ms", "deepgrad / JAX (target: at most 2)"],
                   rows)]
    if err is not None:
        text += ["", f"- largest |deepgrad - JAX| Jacobian entry (eager and jit): {err:.1e}"]
    return "\n".join(text)


def heading():
    """The section's title line: what ran, when, on which threads and under what load."""
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"## Functional transforms (issue 14: `python -m benchmarks.func_bench`, "
            f"{time.strftime('%Y-%m-%d', time.gmtime())}, 1 BLAS/XLA thread, {cores()}, OPENBLAS_CORETYPE="
            f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')}, load average {load} on "
            f"{os.cpu_count()} cores shared with other runs: ratios, not absolute times)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all-cores", action="store_true",
                        help="do not pin the process to one core (see benchmarks/one_core.py)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--threads", type=int, default=1, help="(fixed at 1 before imports)")
    args = parser.parse_args(argv)
    text = heading() + "\n\n" + report(args.quick)
    print(text)
    if not args.quick:  # the full run replaces its section of RESULTS.md
        write_section("func_bench", text)


if __name__ == "__main__":
    main(sys.argv[1:])
