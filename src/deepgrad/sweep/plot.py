"""plot_sweep: a metric against one grid parameter, mean ± sd over seeds, from a sweep's rows.

One line (with a band of ± one sample sd) per setting of the other grid parameters, named in the
legend; numeric parameter values are placed on a number line (logarithmic when they are positive
and span a factor of 100 or more), other values as equally spaced categories.
"""

import json
from numbers import Real

import numpy as np


def _numeric(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _check(rows, metric, param):
    """The finished rows, after checking that `metric` and `param` exist (ValueError naming them)."""
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        raise ValueError("the sweep has no finished cells to plot")
    metrics = sorted({m for r in ok for m, v in r["metrics"].items() if _numeric(v)})
    params = sorted({p for r in ok for p in r["params"]})
    if metric not in metrics:
        raise ValueError(f"metric {metric!r} is not in the sweep; its metrics are: "
                         f"{', '.join(metrics)}")
    if param not in params:
        raise ValueError(f"parameter {param!r} is not in the sweep; its parameters are: "
                         f"{', '.join(params)}")
    return [r for r in ok if param in r["params"] and _numeric(r["metrics"].get(metric))]


def series(rows, metric, param):
    """{other settings (JSON): (xs, means, sds, ns)} over the finished cells, xs sorted."""
    groups = {}
    for row in _check(rows, metric, param):
        others = {k: v for k, v in row["params"].items() if k != param}
        key = json.dumps(others, sort_keys=True)
        x = json.dumps(row["params"][param])
        groups.setdefault(key, {}).setdefault(x, []).append(float(row["metrics"][metric]))
    out = {}
    for key, by_x in sorted(groups.items()):
        xs = sorted((json.loads(x) for x in by_x), key=lambda v: (not _numeric(v), v if
                                                                   _numeric(v) else str(v)))
        values = [by_x[json.dumps(x)] for x in xs]
        out[key] = (xs, np.array([np.mean(v) for v in values]),
                    np.array([np.std(v, ddof=1) if len(v) > 1 else 0.0 for v in values]),
                    [len(v) for v in values])
    return out


def plot_sweep(rows, metric, param, *, title=None):
    """A Figure of `metric` against `param`: mean ± sd over seeds, one line per other setting."""
    from deepgrad.figure import InlineFigure

    lines = series(rows, metric, param)
    all_x = [x for xs, *_ in lines.values() for x in xs]
    numeric = all(_numeric(x) for x in all_x)
    categories = sorted({json.dumps(x) for x in all_x}) if not numeric else []
    fig = InlineFigure(figsize=(6.4, 4.2), layout="constrained")
    ax = fig.add_subplot()
    n_seeds = set()
    for key, (xs, mean, sd, ns) in lines.items():
        at = np.array(xs, dtype=float) if numeric else np.array(
            [categories.index(json.dumps(x)) for x in xs], dtype=float)
        others = json.loads(key)
        label = ", ".join(f"{k}={v}" for k, v in others.items()) or metric
        (line,) = ax.plot(at, mean, marker="o", label=label)
        ax.fill_between(at, mean - sd, mean + sd, color=line.get_color(), alpha=0.2,
                        label=f"± 1 sd ({label})")
        n_seeds.update(ns)
    if numeric and min(all_x) > 0 and max(all_x) / min(all_x) >= 100:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(range(len(categories)), [json.loads(c) for c in categories])
    seeds = (f"{min(n_seeds)}" if len(n_seeds) == 1 else f"{min(n_seeds)}-{max(n_seeds)}")
    ax.set_xlabel(param)
    ax.set_ylabel(f"{metric} (mean ± sd over {seeds} seeds)")
    target = rows[0]["target"] if rows else ""
    ax.set_title(title or f"{target}: {metric} against {param}")
    ax.legend(fontsize="small")
    return fig
