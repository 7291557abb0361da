"""Run the peer benchmark suite: ``python -m benchmarks.run`` (``make bench``).

Every workload is timed for every peer in this one process (W5 in a fresh process per peer, for
its peak memory), with 2 threads everywhere: warm-up, then the median of repeats with min and max.
Writes ``benchmarks/results.json`` (every number, plus the NumPy/BLAS configuration and the
OPENBLAS_* variables) and ``benchmarks/RESULTS.md`` (ratios deepgrad / each peer).

    python -m benchmarks.run                    # everything (under 10 minutes)
    python -m benchmarks.run --only W1,W2 --peers numpy,deepgrad,torch --repeats 3
    python -m benchmarks.run --tiny --out /tmp/b  # every workload at tiny size (the smoke test)
    python -m benchmarks.run --only W6 --seeds 10   # W6's test accuracy over seeds 0..9

The machine's speed drifts (a shared VM: one run saw every peer 1.6x slower than minutes before),
so W1-W4 run in ``--rounds`` (2) rounds, every peer once per round in turn, and each peer keeps
its median round (the faster of two): a slow spell then hits one round of every peer instead of
all of one peer.

W6 trains every peer once per seed (5 by default) and reports the test accuracy as mean ± sd over
the seeds (results.json keeps each seed's); its time per epoch is pooled over every seed's run.
"""

from __future__ import annotations

import os


def _threads(argv):
    """``--threads N`` from the command line (2 unless given): read before NumPy is imported."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return 2


# Threads are fixed before NumPy, torch or JAX start their pools: 2 for every peer by default.
# (Imported by a test, after NumPy, this module leaves the environment alone.)
THREADS = _threads(__import__("sys").argv)
if "numpy" not in __import__("sys").modules:
    os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)
    os.environ["OMP_NUM_THREADS"] = str(THREADS)
    os.environ["XLA_FLAGS"] = (
        f"--xla_cpu_multi_thread_eigen={'true' if THREADS > 1 else 'false'} "
        f"intra_op_parallelism_threads={THREADS}")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import argparse
import datetime
import json
import platform
import statistics
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

from benchmarks import workloads as W
from benchmarks.peers import PEERS, load

HERE = Path(__file__).resolve().parent
TRAIN_WORKLOADS = ("W1", "W2", "W3", "W5")


# --------------------------------------------------------------------------- timing

def _calls_per_run(call, sync, min_time, warmup):
    """Warm ``call`` up, then the number of calls that lasts about ``min_time`` (at least 1)."""
    for _ in range(warmup):
        call()
    sync()
    t0, n = time.perf_counter(), 0
    while True:
        call()
        n += 1
        if time.perf_counter() - t0 > min_time / 4:
            break
    sync()
    per = (time.perf_counter() - t0) / n
    return max(1, int(min_time / per))


def _run(call, sync, n):
    t0 = time.perf_counter()
    for _ in range(n):
        call()
    sync()
    return (time.perf_counter() - t0) / n


def _stats(runs, n):
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs),
            "calls_per_repeat": n, "repeats": len(runs)}


def timeit(call, sync=lambda: None, repeats=5, min_time=0.2, warmup=3):
    """Seconds per call: median, min and max over ``repeats`` runs of n calls each.

    n is chosen so that one run lasts about ``min_time`` (at least one call).
    """
    n = _calls_per_run(call, sync, min_time, warmup)
    return _stats([_run(call, sync, n) for _ in range(repeats)], n)


def timeit_pair(first, second, repeats=5, min_time=0.2, warmup=3):
    """``timeit`` of two calls with their runs interleaved, and the median of the per-repeat
    ratios second/first: a drift of the machine's speed then cancels out of the ratio."""
    sync = lambda: None  # noqa: E731
    n1 = _calls_per_run(first, sync, min_time, warmup)
    n2 = _calls_per_run(second, sync, min_time, warmup)
    runs1, runs2 = [], []
    for _ in range(repeats):
        runs1.append(_run(first, sync, n1))
        runs2.append(_run(second, sync, n2))
    ratio = statistics.median(b / a for a, b in zip(runs1, runs2))
    return _stats(runs1, n1), _stats(runs2, n2), ratio


def make_trainer(peer, spec, init):
    mod = load(peer)
    reason = mod.unavailable()
    if reason:
        raise RuntimeError(reason)
    if peer == "deepgrad_compile":
        return mod.make_compiled_trainer(spec, init)
    if peer == "torch_compile":
        return mod.make_compiled_trainer(spec, init)
    if peer == "jax_jit":
        return mod.make_jit_trainer(spec, init)
    return mod.make_trainer(spec, init)


def bench_train(peer, spec, cfg, check_steps=3):
    """One training workload for one peer: loss after ``check_steps`` steps, then step timing."""
    init = W.init_params(spec)
    x, y = W.batch_data(spec)
    tr = make_trainer(peer, spec, init)
    batch = tr.prepare(x, y)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tr.step(*batch)
        tr.sync()
        first = time.perf_counter() - t0
        for _ in range(check_steps - 1):
            tr.step(*batch)
        tr.sync()
        loss = tr.loss(x, y)
        t = timeit(lambda: tr.step(*batch), tr.sync, cfg.repeats, cfg.min_time)
    out = {"loss_after_steps": loss, "first_call_s": first, "s_per_step": t}
    reason = getattr(tr.step, "fallback_reason", None)  # deepgrad.compile gave up: say so
    if reason:
        out["fell_back_to_eager"] = reason
    if caught:
        out["warnings"] = sorted({str(w.message).splitlines()[0] for w in caught})
    return out


# --------------------------------------------------------------------------- W3 peak, W4, W6

def gemm_peak(sizes=(1024, 2048), repeats=5):
    """The machine's float32 GEMM rate through NumPy (THREADS threads): best GFLOP/s over sizes."""
    best = 0.0
    per_size = {}
    rng = np.random.default_rng(0)
    for n in sizes:
        a = rng.standard_normal((n, n)).astype(np.float32)
        b = rng.standard_normal((n, n)).astype(np.float32)
        c = np.empty((n, n), np.float32)
        t = timeit(lambda a=a, b=b, c=c: np.matmul(a, b, out=c), repeats=repeats,
                   min_time=0.3, warmup=1)
        rate = 2 * n ** 3 / t["min"] / 1e9
        per_size[n] = {"gflops_best": rate, "gflops_median": 2 * n ** 3 / t["median"] / 1e9}
        best = max(best, rate)
    return {"gflops": best, "per_size": per_size}


HVP_PEERS = ("numpy", "deepgrad", "torch", "jax_jit", "jax", "autograd")


def bench_hvp(peer, spec, cfg):
    init = W.init_params(spec)
    x, y = W.batch_data(spec)
    mod = load(peer)
    if peer == "jax_jit":
        g, h = mod.make_hvp(spec, init, x, y, jit=True)
    elif peer == "jax":
        g, h = mod.make_hvp(spec, init, x, y, jit=False)
    else:
        g, h = mod.make_hvp(spec, init, x, y)
    tg, th, ratio = timeit_pair(g, h, repeats=cfg.repeats, min_time=cfg.min_time)
    return {"grad_s": tg, "hvp_s": th, "hvp_over_grad": ratio}


def bench_digits(peer, cfg):
    """W6 for one peer: train once per seed (``cfg.seeds``), timing whole epochs.

    Seed s sets the split, the initial weights, the batch order (workloads.py) and sklearn's
    ``random_state``. Returns the test accuracy of every seed (and their mean and sample standard
    deviation) and the seconds per epoch pooled over every seed's run: median, min and max over
    the epochs after each run's first (which holds jit compilation / tracing; sklearn: over the
    seeds' whole fits, one s/epoch each), ``first_epoch`` of seed 0; ``wall_s``: the whole W6 for
    this peer.
    """
    t_start = time.perf_counter()
    spec = W.W6
    seeds = list(range(cfg.seeds))
    accs, steady, first, caught = [], [], None, []
    for seed in seeds:
        x_tr, y_tr, x_te, y_te = W.digits_split(seed)
        if cfg.tiny:
            x_tr, y_tr = x_tr[:256], y_tr[:256]
        if peer == "sklearn":
            s, acc = load("sklearn").train_digits(x_tr, y_tr, x_te, y_te, cfg.epochs, spec.batch,
                                                  spec.lr, seed=seed)
            steady.append(s)
            accs.append(acc)
            continue
        tr = make_trainer(peer, spec, W.init_params(spec, seed))
        schedule = W.epoch_batches(len(x_tr), spec.batch, cfg.epochs, seed)
        batches = [[tr.prepare(x_tr[idx], y_tr[idx]) for idx in epoch] for epoch in schedule]
        times = []
        with warnings.catch_warnings(record=True) as got:
            warnings.simplefilter("always")
            for epoch in batches:
                t0 = time.perf_counter()
                for b in epoch:
                    tr.step(*b)
                tr.sync()
                times.append(time.perf_counter() - t0)
        caught += got
        accs.append(float((tr.predict(x_te).argmax(1) == y_te).mean()))
        steady += times[1:] or times  # epoch 1 holds jit compilation / tracing
        first = times[0] if first is None else first
    out = {"s_per_epoch": {"median": statistics.median(steady), "min": min(steady),
                           "max": max(steady), "epochs_pooled": len(steady)},
           "test_accuracy": statistics.fmean(accs),
           "test_accuracy_sd": statistics.stdev(accs) if len(accs) > 1 else None,
           "test_accuracies": accs, "seeds": seeds}
    if first is not None:
        out["s_per_epoch"]["first_epoch"] = first
    if caught:
        out["warnings"] = sorted({str(w.message).splitlines()[0] for w in caught})
    out["wall_s"] = time.perf_counter() - t_start
    return out


# --------------------------------------------------------------------------- W5 in a child

def rss_kib(field="VmRSS"):
    """This process's resident set (VmRSS) or its peak (VmHWM), KiB, from /proc."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def w5_child(peer, repeats, min_time, tiny):
    """Body of the fresh process: import, note RSS, build, train, report ms/step and peak RSS."""
    mod = load(peer)
    if peer.startswith("torch"):
        import torch  # noqa: F401  (imports count as "after imports")
    if peer.startswith("jax"):
        import jax  # noqa: F401
    if peer.startswith("deepgrad"):
        import deepgrad  # noqa: F401
    mod.unavailable()
    base = rss_kib()
    spec = tiny_spec(W.W5) if tiny else W.W5
    cfg = argparse.Namespace(repeats=repeats, min_time=min_time)
    res = bench_train(peer, spec, cfg)
    res["rss_after_imports_mib"] = base / 1024
    res["peak_rss_mib"] = rss_kib("VmHWM") / 1024
    res["train_memory_mib"] = (rss_kib("VmHWM") - base) / 1024
    print("RESULT " + json.dumps(res))


# --------------------------------------------------------------------------- environment

def environment():
    import threadpoolctl

    info = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": platform.machine(), "processor": _cpu_name(), "cpus": os.cpu_count(),
        "avx512": _has_flag("avx512f"),
        "python": platform.python_version(), "numpy": np.__version__,
        "threads": THREADS,
        "blas": threadpoolctl.threadpool_info(),
        "env": {k: v for k, v in os.environ.items()
                if k.startswith(("OPENBLAS_", "OMP_", "MKL_", "XLA_FLAGS"))},
    }
    try:
        info["numpy_config"] = np.show_config(mode="dicts")
    except Exception:  # noqa: BLE001  (an old NumPy without mode=)
        info["numpy_config"] = None
    for mod in ("torch", "jax", "sklearn", "autograd", "deepgrad"):
        try:
            info[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001  (no __version__)
            try:
                from importlib.metadata import version
                info[mod] = version(mod)
            except Exception:  # noqa: BLE001
                info[mod] = None
    return info


def _has_flag(flag):
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and flag in line.split() for line in f)
    except OSError:
        return None


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# --------------------------------------------------------------------------- driver

def tiny_spec(spec):
    widths = (spec.widths[0] if spec.widths[0] <= 64 else 16,) + tuple(
        min(w, 16) for w in spec.widths[1:-1])[:3] + (spec.widths[-1],)
    return spec.scaled(batch=min(spec.batch, 8), widths=widths)


def run_peer(peer, cfg, log):
    """Every in-process workload of ``cfg.only`` for one peer (this runs in the peer's own process)."""
    out = {}

    def attempt(fn):
        try:
            return fn()
        except Exception as e:  # noqa: BLE001  (a peer that fails is reported, not fatal)
            if cfg.debug:
                traceback.print_exc()
            msg = str(e).strip().splitlines()[0][:300] if str(e).strip() else ""
            return {"error": f"{type(e).__name__}: {msg}"}

    for name in cfg.only:
        if name in ("W1", "W2", "W3") and peer != "sklearn":
            spec = tiny_spec(W.SPECS[name]) if cfg.tiny else W.SPECS[name]
            out[name] = attempt(lambda spec=spec: bench_train(peer, spec, cfg))
            log(f"{name} {peer}: {_brief(out[name])}")
        elif name == "W4" and peer in HVP_PEERS:
            spec = tiny_spec(W.W2) if cfg.tiny else W.W2
            out[name] = attempt(lambda spec=spec: bench_hvp(peer, spec, cfg))
            log(f"W4 {peer}: HVP/grad {out[name].get('hvp_over_grad', out[name].get('error'))}")
        elif name == "W6" and not (cfg.tiny and peer == "sklearn"):
            out[name] = attempt(lambda: bench_digits(peer, cfg))
            r = out[name]
            log(f"W6 {peer}: " + (r["error"] if "error" in r else
                f"{r['s_per_epoch']['median'] * 1e3:.1f} ms/epoch, test accuracy "
                f"{_mean_sd(r)} ({r['wall_s']:.1f} s)"))
    return out


def _child(args, cfg, only=None, timeout=480):
    """Run ``python -m benchmarks.run <args>`` and return the JSON it prints after RESULT."""
    cmd = [sys.executable, "-m", "benchmarks.run", *args, "--threads", str(cfg.threads),
           "--only", ",".join(only or cfg.only), "--repeats", str(cfg.repeats),
           "--min-time", str(cfg.min_time), "--epochs", str(cfg.epochs),
           "--seeds", str(cfg.seeds)]
    if cfg.tiny:
        cmd.append("--tiny")
    if cfg.quiet:
        cmd.append("--quiet")
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None if not cfg.quiet else
                          subprocess.PIPE, text=True, check=False, cwd=HERE.parent, timeout=timeout,
                          env=os.environ.copy())
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"child {args} failed (exit {proc.returncode}): "
                       f"{(proc.stderr or '').strip()[-800:]}")


def run(cfg):
    """Each peer runs in its own fresh process (thread pools of torch, JAX and OpenBLAS never
    share one process), W5 in one more per peer for its memory; this process gathers and writes."""
    peers = [p for p in cfg.peers if p in PEERS or p == "sklearn"]
    if "W6" in cfg.only and not cfg.tiny and "sklearn" not in peers:
        peers.append("sklearn")
    results = {"environment": environment(), "config": vars(cfg).copy(), "workloads": {}}
    results["config"]["peers"] = peers
    log = (lambda *a: None) if cfg.quiet else (lambda *a: print(*a, flush=True))
    t_start = time.perf_counter()
    if "W3" in cfg.only:
        results["gemm_peak"] = gemm_peak(sizes=(256,) if cfg.tiny else (1024, 2048))
        log(f"float32 GEMM peak: {results['gemm_peak']['gflops']:.1f} GFLOP/s")
    wl = results["workloads"]
    for name in cfg.only:
        wl[name] = {}
    timed = [n for n in cfg.only if n in ROUNDED]
    rest = [n for n in cfg.only if n not in ROUNDED and n != "W5"]
    rounds = {}  # (workload, peer) -> its result in every round
    for k in range(cfg.rounds):
        for peer in peers:
            only = timed + (rest if k == 0 else [])
            if not only:
                continue
            try:
                got = _child(["--child", peer], cfg, only=only)
            except Exception as e:  # noqa: BLE001  (reported in the table)
                got = {name: {"error": f"{type(e).__name__}: {str(e)[:300]}"} for name in only}
            for name, r in got.items():
                rounds.setdefault((name, peer), []).append(r)
    for (name, peer), rs in rounds.items():
        wl[name][peer] = median_round(rs)
    if "W5" in cfg.only:
        for peer in peers:
            if peer == "sklearn":
                continue
            try:
                wl["W5"][peer] = _child(["--w5-child", peer], cfg)
            except Exception as e:  # noqa: BLE001  (reported in the table)
                wl["W5"][peer] = {"error": f"{type(e).__name__}: {str(e)[:300]}"}
            r = wl["W5"][peer]
            log(f"W5 {peer}: {_brief(r)}" + (f"; training memory {r['train_memory_mib']:.0f} MiB"
                                              if "train_memory_mib" in r else ""))
    for name in ("W3",):
        if name in wl:
            spec = tiny_spec(W.SPECS[name]) if cfg.tiny else W.SPECS[name]
            flops = 6 * spec.batch * spec.weight_entries
            for r in wl[name].values():
                if "s_per_step" in r:
                    r["gflops"] = flops / r["s_per_step"]["median"] / 1e9
                    if "gemm_peak" in results:
                        r["fraction_of_gemm_peak"] = r["gflops"] / results["gemm_peak"]["gflops"]
    for name in list(wl):
        if not wl[name]:
            del wl[name]
    results["total_s"] = time.perf_counter() - t_start
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    from benchmarks.report import markdown

    (out / "RESULTS.md").write_text(markdown(results))
    log(f"wrote {out / 'RESULTS.md'} and results.json in {results['total_s']:.0f} s")
    return results


ROUNDED = ("W1", "W2", "W3", "W4")  # quick enough to run once per round


def median_round(results):
    """The round whose time is the median of the rounds' (lower middle for an even count), with
    every round's median kept in ``rounds``; failed rounds count only when all failed."""
    ok = [r for r in results if "error" not in r]
    if len(results) == 1 or not ok:
        return results[0]

    def key(r):
        return r["hvp_over_grad"] if "hvp_over_grad" in r else r["s_per_step"]["median"]

    ranked = sorted(ok, key=key)
    chosen = dict(ranked[(len(ranked) - 1) // 2])
    if len(results) > 1:
        chosen["rounds"] = [key(r) for r in ok]
    return chosen


def _mean_sd(r):
    sd, n = r.get("test_accuracy_sd"), len(r.get("test_accuracies", [0]))
    return (f"{100 * r['test_accuracy']:.2f}%" + (f" ± {100 * sd:.2f}" if sd is not None else "")
            + f" over {n} seed{'s' if n > 1 else ''}")


def _brief(r):
    if "error" in r:
        return "ERROR " + r["error"]
    s = r["s_per_step"]
    return (f"{s['median'] * 1e3:.3f} ms/step [{s['min'] * 1e3:.3f}-{s['max'] * 1e3:.3f}] "
            f"loss {r['loss_after_steps']:.6f} first {r['first_call_s'] * 1e3:.0f} ms")


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", default="W1,W2,W3,W4,W5,W6")
    p.add_argument("--peers", default=",".join(PEERS))
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--min-time", type=float, default=0.25, help="seconds per timed repeat")
    p.add_argument("--epochs", type=int, default=W.W6_EPOCHS)
    p.add_argument("--seeds", type=int, default=None,
                   help=f"W6 seeds 0..N-1 for its test accuracy ({W.W6_SEEDS}; --tiny: 2)")
    p.add_argument("--threads", type=int, default=THREADS, help="threads for every peer (2)")
    p.add_argument("--rounds", type=int, default=2,
                   help="rounds of W1-W4, peers in turn; each peer keeps its median round")
    p.add_argument("--tiny", action="store_true", help="tiny sizes, few repeats (smoke test)")
    p.add_argument("--out", default=str(HERE))
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--report", action="store_true",
                   help="only rewrite RESULTS.md from the results.json in --out")
    p.add_argument("--debug", action="store_true")
    p.add_argument("--w5-child", default=None, help=argparse.SUPPRESS)
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    cfg = p.parse_args(argv)
    cfg.only = [w.strip() for w in cfg.only.split(",") if w.strip()]
    cfg.peers = [q.strip() for q in cfg.peers.split(",") if q.strip()]
    if cfg.seeds is None:
        cfg.seeds = 2 if cfg.tiny else W.W6_SEEDS
    if cfg.seeds < 1:
        p.error("--seeds must be at least 1")
    if cfg.rounds < 1:
        p.error("--rounds must be at least 1")
    if cfg.tiny:
        cfg.repeats, cfg.min_time, cfg.epochs = 1, 0.0, 2
    return cfg


def main(argv=None):
    cfg = parse(argv)
    if cfg.w5_child:
        w5_child(cfg.w5_child, cfg.repeats, cfg.min_time, cfg.tiny)
        return None
    if cfg.report:
        from benchmarks.report import markdown

        out = Path(cfg.out)
        results = json.loads((out / "results.json").read_text())
        (out / "RESULTS.md").write_text(markdown(results))
        return results
    if cfg.child:
        log = (lambda *a: None) if cfg.quiet else (
            lambda *a: print("  ", *a, file=sys.stderr, flush=True))
        print("RESULT " + json.dumps(run_peer(cfg.child, cfg, log), default=str), flush=True)
        return None
    return run(cfg)


if __name__ == "__main__":
    main()
