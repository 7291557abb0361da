"""deepgrad.jit vs jax.jit on JAX's "Training a simple neural network" tutorial, on digits.

    .venv/bin/python -m benchmarks.jit_bench             # 60 epochs each, 1 thread (~half a minute)
    .venv/bin/python -m benchmarks.jit_bench --quick     # 2 epochs: a smoke run, writes nothing

The same loop (examples/jax_tutorial.py: 64-512-512-10 ReLU MLP, SGD on -mean(log_softmax *
one_hot), batches of 128, the same initial weights and batches) runs in this one process as
deepgrad eager, deepgrad.jit and JAX with jax.jit (the tutorial's own code: vmap of a
per-example predict). Wall time of the training loop (after one warm-up epoch that traces or
compiles) and test accuracy for each; the issue's target is deepgrad.jit within 1.5x of JAX jit's
time at the same accuracy. Also W4 (HVP time / gradient time on the W2 model, deepgrad; target
<= 2.5), eager as benchmarks.run measures it and with deepgrad.jit. Writes its section of
benchmarks/RESULTS.md; nothing is asserted (tests never assert timings).
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
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "examples") not in sys.path:
    sys.path.insert(0, str(ROOT / "examples"))

import jax_tutorial as T  # noqa: E402  (examples/, the port)

from benchmarks.one_core import cores  # noqa: E402


def jax_loop(data, epochs, seed=0):
    """The tutorial in JAX, as written there (vmap'd predict, jax.jit update):
    (seconds, accuracy, params as NumPy arrays)."""
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import logsumexp

    def predict(params, image):
        activations = image
        for w, b in params[:-1]:
            activations = jnp.maximum(0, jnp.dot(w, activations) + b)
        final_w, final_b = params[-1]
        logits = jnp.dot(final_w, activations) + final_b
        return logits - logsumexp(logits)

    batched_predict = jax.vmap(predict, in_axes=(None, 0))

    def loss(params, images, targets):
        return -jnp.mean(batched_predict(params, images) * targets)

    @jax.jit
    def update(params, x, y):
        grads = jax.grad(loss)(params, x, y)
        return [(w - T.STEP_SIZE * dw, b - T.STEP_SIZE * db)
                for (w, b), (dw, db) in zip(params, grads)]

    x_train, y_train, x_test, y_test = data
    targets = T.one_hot(y_train)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in T.init_network_params(T.LAYER_SIZES,
                                                                                 seed)]

    def run(epoch_range, params):
        for epoch in epoch_range:
            for idx in T.batches(len(x_train), T.BATCH_SIZE, epoch, seed):
                params = update(params, x_train[idx], targets[idx])
        jax.block_until_ready(params)
        return params

    params = run(range(1), params)  # warm-up epoch: compiles
    t0 = time.perf_counter()
    params = run(range(1, epochs), params)
    seconds = time.perf_counter() - t0
    acc = float(np.mean(np.argmax(np.asarray(jax.jit(batched_predict)(params, x_test)), 1)
                        == y_test))
    return seconds, acc, [(np.asarray(w), np.asarray(b)) for w, b in params]


def deepgrad_loop(data, epochs, use_jit, seed=0):
    """The port (examples/jax_tutorial.py), warm-up epoch apart: (s, accuracy)."""
    import deepgrad as dg
    from deepgrad.tree_util import tree_map

    x_train, y_train, x_test, y_test = data
    targets = T.one_hot(y_train)
    params = T.init_network_params(T.LAYER_SIZES, seed)
    step = dg.jit(T.update) if use_jit else T.update

    def run(epoch_range, params):
        for epoch in epoch_range:
            for idx in T.batches(len(x_train), T.BATCH_SIZE, epoch, seed):
                params = step(params, x_train[idx], targets[idx])
        return params

    params = run(range(1), params)  # warm-up epoch: traces
    t0 = time.perf_counter()
    params = run(range(1, epochs), params)
    seconds = time.perf_counter() - t0
    params = tree_map(np.asarray, params)
    predict = dg.jit(T.predict) if use_jit else T.predict
    return seconds, T.accuracy(predict, params, x_test, y_test)


def w4_ratios(quick=False):
    """W4 on the W2 model and batch (interleaved runs): deepgrad's HVP time / gradient time,
    eagerly (W4 as benchmarks.run measures it), and with both under deepgrad.jit."""
    import deepgrad as dg
    from benchmarks import workloads as W
    from benchmarks.peers import deepgrad_peer
    from benchmarks.run import timeit_pair

    spec = W.W2.scaled(batch=8, widths=(4, 8, 3)) if quick else W.W2
    x, y = W.batch_data(spec)
    g, h = deepgrad_peer.make_hvp(spec, W.init_params(spec), x, y)
    f, params, tangents = deepgrad_peer.hvp_problem(spec, W.init_params(spec), x, y)
    jit_g = dg.jit(lambda ps: dg.grad(f, argnums=tuple(range(len(ps))))(*ps))
    jit_h = dg.jit(lambda ps, vs: dg.hvp(f, ps, vs))
    kw = dict(repeats=1, min_time=0.01) if quick else {}
    return {"eager HVP / eager grad": timeit_pair(g, h, **kw)[2],
            "jit HVP / jit grad": timeit_pair(lambda: jit_g(params),
                                              lambda: jit_h(params, tangents), **kw)[2],
            "jit HVP / eager grad": timeit_pair(g, lambda: jit_h(params, tangents), **kw)[2]}


def report(quick=False):
    """The section as Markdown (what ``main`` prints and RESULTS.md keeps)."""
    epochs = 2 if quick else 60
    data = T.digits()
    rows = {"deepgrad eager": deepgrad_loop(data, epochs, use_jit=False),
            "deepgrad.jit": deepgrad_loop(data, epochs, use_jit=True)}
    try:
        rows["JAX jax.jit"] = jax_loop(data, epochs)[:2]
    except ImportError:  # JAX is in the test extra; without it the table has our two rows
        pass
    ref = rows.get("JAX jax.jit", rows["deepgrad.jit"])[0]
    lines = [f"### JAX's MLP tutorial on digits ({epochs - 1} timed epochs of "
             f"{len(T.batches(len(data[0]), T.BATCH_SIZE, 0))} steps, 64-512-512-10, 1 thread, {cores()})",
             "", "| | training s | time / JAX jit | test accuracy |", "|---|---|---|---|"]
    for name, (s, acc) in rows.items():
        lines.append(f"| {name} | {s:.2f} | {s / ref:.2f} | {acc:.3f} |")
    lines += ["", "### W4: HVP time / gradient time (deepgrad, W2 model, 1 thread; target <= 2.5)",
              "", "| | ratio |", "|---|---|"]
    lines += [f"| {k} | {v:.2f} |" for k, v in w4_ratios(quick).items()]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all-cores", action="store_true",
                        help="do not pin the process to one core (see benchmarks/one_core.py)")
    parser.add_argument("--quick", action="store_true", help="2 epochs: a smoke run")
    parser.add_argument("--threads", type=int, default=1, help="(fixed at 1 before imports)")
    args = parser.parse_args(argv)
    text = report(args.quick)
    print(text)
    if not args.quick:
        from benchmarks.sections import write_section

        write_section("jit", text)


if __name__ == "__main__":
    main(sys.argv[1:])
