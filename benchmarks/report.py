"""RESULTS.md from results.json: ratios deepgrad / each peer, the absolute numbers, the targets."""

from __future__ import annotations

import math
import statistics

from benchmarks.peers import LABELS

ORDER = ("numpy", "torch", "torch_compile", "jax_jit", "jax", "autograd", "sklearn",
         "deepgrad", "deepgrad_compile")
OURS = ("deepgrad", "deepgrad_compile")


def _t(r, key="s_per_step"):
    return r[key]["median"] if isinstance(r, dict) and key in r else None


def _speed_ratio(res, ours, peer, key="s_per_step"):
    """peer time / our time: > 1 means deepgrad is faster."""
    a, b = _t(res.get(ours), key), _t(res.get(peer), key)
    return None if a is None or b is None else b / a


def _fmt(x, digits=2):
    return "—" if x is None else f"{x:.{digits}f}"


def accuracies(r):
    """W6 test accuracy of every seed of one peer's result (an older results.json: its one)."""
    if not isinstance(r, dict):
        return []
    if "test_accuracies" in r:
        return list(r["test_accuracies"])
    return [r["test_accuracy"]] if "test_accuracy" in r else []


def mean_sd(accs):
    """(mean, sample standard deviation or None for one seed) of accuracies."""
    return statistics.fmean(accs), (statistics.stdev(accs) if len(accs) > 1 else None)


def _acc_cell(r):
    accs = accuracies(r)
    if not accs:
        return None
    m, sd = mean_sd(accs)
    return (f"{100 * m:.2f}" + ("" if sd is None else f" ± {100 * sd:.2f}") + "% "
            f"({len(accs)} seed{'s' if len(accs) > 1 else ''})")


def accuracy_comparison(a, b):
    """Mean accuracies a vs b (per-seed lists, seed i of both on the same split): the difference
    of the means, in points and in standard errors of that difference.

    ``z``: Welch's, sqrt(sd_a^2 / n_a + sd_b^2 / n_b), not assuming the seeds are paired;
    ``z_paired``: from the per-seed differences over the seeds both have (seed i shares its split
    across peers, so this one is usually tighter); either None when it cannot be estimated (one
    seed, or no spread).
    """
    ma, sa = mean_sd(a)
    mb, sb = mean_sd(b)
    diff = ma - mb
    out = {"diff": diff, "se": None, "z": None, "z_paired": None}
    if sa is not None and sb is not None:
        se = math.sqrt(sa ** 2 / len(a) + sb ** 2 / len(b))
        out["se"] = se
        out["z"] = diff / se if se > 1e-12 else None
    n = min(len(a), len(b))
    if n > 1:
        d = [x - y for x, y in zip(a[:n], b[:n])]
        sd = statistics.stdev(d)
        if sd > 1e-12:
            out["z_paired"] = statistics.fmean(d) / (sd / math.sqrt(n))
    return out


def ratio_rows(results, ours):
    """(row label, {peer: ratio}) for the ratio table of ``ours``."""
    wl = results["workloads"]
    rows = []
    for name, unit in (("W1", "steps/s"), ("W2", "steps/s"), ("W3", "ms/step"),
                       ("W5", "ms/step")):
        if name in wl:
            rows.append((f"{name} speed", {p: _speed_ratio(wl[name], ours, p) for p in ORDER}))
    if "W5" in wl:
        res = wl["W5"]
        mine = res.get(ours, {}).get("train_memory_mib")
        rows.append(("W5 training memory (lower is better)", {
            p: (mine / res[p]["train_memory_mib"]
                if mine and isinstance(res.get(p), dict) and res[p].get("train_memory_mib")
                else None) for p in ORDER}))
    if "W4" in wl and ours == "deepgrad":
        res = wl["W4"]
        mine = res.get("deepgrad", {}).get("hvp_over_grad")
        rows.append(("W4 (HVP/grad) ratio (lower is better)", {
            p: (mine / res[p]["hvp_over_grad"]
                if mine and isinstance(res.get(p), dict) and "hvp_over_grad" in res[p] else None)
            for p in ORDER}))
    if "W6" in wl:
        rows.append(("W6 time per epoch",
                     {p: _speed_ratio(wl["W6"], ours, p, "s_per_epoch") for p in ORDER}))
    return rows


def absolute_rows(results):
    wl = results["workloads"]
    peak = results.get("gemm_peak", {}).get("gflops")
    rows = []
    for name in ("W1", "W2"):
        if name in wl:
            cells = {}
            for p, r in wl[name].items():
                if "s_per_step" in r:
                    s = r["s_per_step"]
                    cells[p] = (f"{1 / s['median']:,.0f} [{1 / s['max']:,.0f}–"
                                f"{1 / s['min']:,.0f}]")
            rows.append((f"{name} steps/s median [min–max]", cells))
    for name in ("W3", "W5"):
        if name in wl:
            cells = {}
            for p, r in wl[name].items():
                if "s_per_step" in r:
                    s = r["s_per_step"]
                    cells[p] = (f"{s['median'] * 1e3:.2f} [{s['min'] * 1e3:.2f}–"
                                f"{s['max'] * 1e3:.2f}]")
            rows.append((f"{name} ms/step median [min–max]", cells))
            if name == "W3":
                rows.append(("W3 GFLOP/s (% of GEMM peak)", {
                    p: f"{r['gflops']:.1f} ({100 * r['gflops'] / peak:.0f}%)" if peak else
                    f"{r['gflops']:.1f}" for p, r in wl[name].items() if "gflops" in r}))
            if name == "W5":
                rows.append(("W5 peak RSS / training memory (MiB)", {
                    p: f"{r['peak_rss_mib']:.0f} / {r['train_memory_mib']:.0f}"
                    for p, r in wl[name].items() if "peak_rss_mib" in r}))
    if "W4" in wl:
        rows.append(("W4 HVP/grad (grad ms, HVP ms)", {
            p: f"{r['hvp_over_grad']:.2f} ({r['grad_s']['median'] * 1e3:.2f}, "
               f"{r['hvp_s']['median'] * 1e3:.2f})"
            for p, r in wl["W4"].items() if "hvp_over_grad" in r}))
    if "W6" in wl:
        rows.append(("W6 ms/epoch median [min–max]", {
            p: (f"{r['s_per_epoch']['median'] * 1e3:.1f} [{r['s_per_epoch']['min'] * 1e3:.1f}–"
                f"{r['s_per_epoch']['max'] * 1e3:.1f}]")
            for p, r in wl["W6"].items() if "s_per_epoch" in r}))
        rows.append(("W6 test accuracy, mean ± sd (n seeds)", {
            p: _acc_cell(r) for p, r in wl["W6"].items() if accuracies(r)}))
    for name in ("W1", "W2", "W3", "W5"):
        if name in wl:
            rows.append((f"{name} first call (trace/compile) ms", {
                p: f"{r['first_call_s'] * 1e3:.0f}" for p, r in wl[name].items()
                if "first_call_s" in r and p in ("deepgrad_compile", "torch_compile", "jax_jit")}))
    return rows


def _table(rows, peers, fmt):
    head = "| | " + " | ".join(LABELS[p] for p in peers) + " |"
    sep = "|---|" + "---|" * len(peers)
    lines = [head, sep]
    for label, cells in rows:
        lines.append(f"| {label} | " + " | ".join(fmt(cells.get(p)) for p in peers) + " |")
    return "\n".join(lines)


def loss_check(results):
    """Each training workload's loss after the check steps, relative to hand NumPy's."""
    out = []
    for name, res in results["workloads"].items():
        ref = res.get("numpy", {}).get("loss_after_steps")
        if ref is None:
            continue
        devs = {p: abs(r["loss_after_steps"] - ref) / max(abs(ref), 1e-12)
                for p, r in res.items() if "loss_after_steps" in r}
        worst = max(devs, key=devs.get)
        out.append(f"- {name}: loss after 3 steps {ref:.6f} (hand NumPy); largest relative "
                   f"deviation {devs[worst]:.1e} ({LABELS[worst]})")
    res = results["workloads"].get("W6", {})
    shared = {p: accuracies(r) for p, r in res.items() if p != "sklearn" and accuracies(r)}
    n = min((len(v) for v in shared.values()), default=0)
    if len(shared) > 1 and n:
        spread = max(max(v[i] for v in shared.values()) - min(v[i] for v in shared.values())
                     for i in range(n))
        out.append(f"- W6: the peers sharing the initial weights (all but sklearn) differ in test "
                   f"accuracy by at most {100 * spread:.2f} points on any of the {n} seeds")
    return out


TARGETS = [
    # (label, workload, ours, peer, kind, threshold)  kind: speed >= t, memory <= t
    ("W1 eager >= 3x PyTorch eager", "W1", "deepgrad", "torch", "speed", 3.0),
    ("W2 eager >= 1.5x PyTorch eager", "W2", "deepgrad", "torch", "speed", 1.5),
    ("W3 eager >= 1.0x PyTorch eager", "W3", "deepgrad", "torch", "speed", 1.0),
    ("W5 eager >= 1.0x PyTorch eager", "W5", "deepgrad", "torch", "speed", 1.0),
    ("W6 eager faster per epoch than sklearn", "W6", "deepgrad", "sklearn", "epoch", 1.0),
    ("compile W1 >= 0.9x hand NumPy", "W1", "deepgrad_compile", "numpy", "speed", 0.9),
    ("compile W2 >= 0.9x hand NumPy", "W2", "deepgrad_compile", "numpy", "speed", 0.9),
]


def targets(results):
    wl = results["workloads"]
    lines = []
    for label, name, ours, peer, kind, th in TARGETS:
        if name not in wl:
            continue
        key = "s_per_epoch" if kind == "epoch" else "s_per_step"
        r = _speed_ratio(wl[name], ours, peer, key)
        note = ""
        if wl[name].get(ours, {}).get("fell_back_to_eager"):
            note = f" (the compiled step FELL BACK TO EAGER: {wl[name][ours]['fell_back_to_eager']})"
        lines.append(f"- {label}: {_fmt(r, 3)}x — "
                     f"{'met' if r is not None and r >= th else 'MISSED'}{note}")
    if "W3" in wl and "gemm_peak" in results:
        f = wl["W3"].get("deepgrad", {}).get("fraction_of_gemm_peak")
        lines.append(f"- W3 eager >= 80% of GEMM peak: {_fmt(100 * f if f else None, 0)}% — "
                     f"{'met' if f and f >= 0.8 else 'MISSED'}")
    if "W5" in wl:
        a = wl["W5"].get("deepgrad", {}).get("train_memory_mib")
        b = wl["W5"].get("torch", {}).get("train_memory_mib")
        if a is not None and b is not None:
            lines.append(f"- W5 training memory <= PyTorch's: {a:.0f} vs {b:.0f} MiB — "
                         f"{'met' if a <= b else 'MISSED'}")
    if "W4" in wl:
        h = wl["W4"].get("deepgrad", {}).get("hvp_over_grad")
        lines.append(f"- W4 HVP/grad <= 2.5: {_fmt(h)} — {'met' if h and h <= 2.5 else 'MISSED'}")
    if "W6" in wl:
        a = accuracies(wl["W6"].get("deepgrad"))
        b = accuracies(wl["W6"].get("sklearn"))
        if a and b:
            lines.append(w6_accuracy_line(a, b))
    return lines


def w6_accuracy_line(a, b):
    """The W6 accuracy target: the means, and their difference in standard errors."""
    (ma, _), (mb, _) = mean_sd(a), mean_sd(b)
    c = accuracy_comparison(a, b)
    head = (f"- W6 accuracy >= sklearn's (means over {len(a)} and {len(b)} seeds): "
            f"{100 * ma:.2f}% vs {100 * mb:.2f}%, difference {100 * c['diff']:+.2f} points")
    if c["z"] is not None:
        paired = "" if c["z_paired"] is None else f"; paired by seed {c['z_paired']:+.1f} SE"
        noise = ("within seed noise (|z| < 2)" if abs(c["z"]) < 2 else
                 "beyond seed noise (|z| >= 2)")
        head += (f" = {c['z']:+.1f} standard errors of the difference (SE "
                 f"{100 * c['se']:.2f} points{paired}): {noise}")
    elif c["se"] is not None:
        head += " (no spread over seeds: standard error 0)"
    else:
        head += " (one seed: no standard error, the difference may be noise)"
    return head + f" — {'met' if ma >= mb else 'MISSED'}"


def markdown(results):
    env = results["environment"]
    blas = env.get("blas") or [{}]
    b0 = blas[0] if blas else {}
    peers = [p for p in ORDER if any(p in res for res in results["workloads"].values())]
    others = [p for p in peers if p not in OURS]
    lines = [
        "# Benchmark results (generated by `python -m benchmarks.run`; do not edit)",
        "",
        (f"{env['date_utc']}; {env['processor']} ({env['cpus']} CPUs), {env['threads']} threads "
         f"for every peer; Python {env['python']}, NumPy {env['numpy']} with "
         f"{b0.get('internal_api', '?')} {b0.get('version', '?')} "
         f"({b0.get('architecture', '?')}); torch {env.get('torch')}, jax {env.get('jax')}, "
         f"autograd {env.get('autograd')}, scikit-learn {env.get('sklearn')}; env "
         f"{env.get('env')}; run took {results.get('total_s', 0):.0f} s."),
    ]
    rounds = results.get("config", {}).get("rounds", 1)
    if rounds > 1:
        lines.append(f"W1-W4: {rounds} rounds, every peer once per round in turn; each peer's "
                     "median round is shown (the machine's speed drifts between minutes).")
    if "gemm_peak" in results:
        lines.append(f"float32 GEMM peak (NumPy, this run): {results['gemm_peak']['gflops']:.1f} "
                     "GFLOP/s.")
    coretype = (env.get("env") or {}).get("OPENBLAS_CORETYPE")
    if coretype and env.get("avx512"):
        note = (f"NOTE: OPENBLAS_CORETYPE={coretype} is set in this environment: OpenBLAS "
                "runs that CPU's kernels although this CPU has AVX-512, which about halves "
                "NumPy's float32 GEMM rate (and so deepgrad's, hand NumPy's, autograd's and "
                "sklearn's on W3/W5); JAX (XLA) does not go through OpenBLAS.")
        lines += ["", note]
    for ours in OURS:
        if not any(ours in res for res in results["workloads"].values()):
            continue
        title = (f"## {LABELS[ours]} / peer (speed: peer time / {LABELS[ours]} time, > 1 means "
                 "deepgrad is faster; memory and HVP/grad: deepgrad / peer, < 1 is better)")
        lines += ["", title, "", _table(ratio_rows(results, ours), others, _fmt)]
    lines += ["", "## Absolute numbers", "",
              _table(absolute_rows(results), peers, lambda c: c or "—")]
    lines += ["", "## Targets of issue 5", ""] + targets(results)
    lines += ["", "## Agreement (every peer trains the same model from the same weights)", ""]
    lines += loss_check(results)
    notes = []
    for name, res in results["workloads"].items():
        for p, r in res.items():
            if "error" in r:
                notes.append(f"- {name} {LABELS.get(p, p)}: skipped — {r['error']}")
            for w in r.get("warnings", []):
                notes.append(f"- {name} {LABELS.get(p, p)}: warning — {w}")
    if notes:
        lines += ["", "## Notes", ""] + sorted(set(notes))
    return "\n".join(lines) + "\n"
