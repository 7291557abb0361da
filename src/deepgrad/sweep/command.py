"""The `deepgrad sweep` command.

    deepgrad sweep run lab:hidden_units --grid lr=0.05,0.1 --grid quick=true --seeds 5 \\
        --backend dask --scheduler tcp://10.0.0.1:8786 --results hu.db
    deepgrad sweep run train --grid data=moons hidden=16 --seeds 3 --backend joblib --n-jobs 2
    deepgrad sweep show hu.db
    deepgrad sweep plot hu.db --metric final_test_loss --param lr --out hu.png
"""

import json

from deepgrad.sweep.runner import BACKENDS, run
from deepgrad.sweep.store import ResultStore, summarize


def _value(text):
    """A grid value from the command line: JSON if it parses (1, 0.5, true, [1,2]), else text."""
    try:
        return json.loads(text.lower() if text.lower() in ("true", "false") else text)
    except json.JSONDecodeError:
        return text


def _grid(items):
    grid = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--grid takes NAME=V1,V2,..., got {item!r}")
        grid[name.replace("-", "_")] = [_value(v) for v in values.split(",")]
    return grid


def add_commands(subparsers):
    """Register `sweep run` and `sweep show`."""
    p = subparsers.add_parser("sweep", help="grids x seeds over lab experiments or training runs",
                              description=__doc__.split("\n\n")[1])
    sub = p.add_subparsers(dest="action", required=True)
    r = sub.add_parser("run", help="run (or resume) a sweep")
    r.add_argument("target", help="lab:NAME or train")
    r.add_argument("--grid", nargs="+", default=[], metavar="NAME=V1,V2",
                   help="a parameter and its values (repeatable)")
    r.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    r.add_argument("--backend", choices=BACKENDS, default="joblib")
    r.add_argument("--n-jobs", type=int, default=1, help="joblib processes / LocalCluster workers")
    r.add_argument("--scheduler", help="a Dask scheduler tcp://host:port (default: a LocalCluster)")
    r.add_argument("--address", help="a Ray cluster address for ray.init (default: local)")
    r.add_argument("--results", default="sweep.db", help="the SQLite results file")
    r.set_defaults(func=run_command)
    s = sub.add_parser("show", help="mean, sd and 95%% interval over seeds per setting")
    s.add_argument("results")
    s.set_defaults(func=show_command)
    f = sub.add_parser("plot", help="a metric against a parameter, mean ± sd over seeds (PNG)")
    f.add_argument("results")
    f.add_argument("--metric", required=True, help="a metric stored by the sweep")
    f.add_argument("--param", required=True, help="the grid parameter on the x axis")
    f.add_argument("--out", help="the PNG to write (default: RESULTS_METRIC_PARAM.png)")
    f.set_defaults(func=plot_command)


def run_command(args):
    grid = _grid([item for group in [args.grid] for item in group])
    rows = run(args.target, grid, seeds=args.seeds, backend=args.backend, results=args.results,
               n_jobs=args.n_jobs, scheduler=args.scheduler, address=args.address)
    failed = [r for r in rows if r["status"] != "ok"]
    print(f"{len(rows)} cells in {args.results}, {len(failed)} failed")
    for row in failed[:3]:
        print(f"failed {row['params']} seed {row['seed']}:\n{row['error']}")
    return 1 if failed else 0


def show_command(args):
    with ResultStore(args.results) as store:
        table = summarize(store.rows())
    print(f"{'parameters':40s} {'metric':24s} {'n':>3s} {'mean':>11s} {'sd':>10s}  95% interval")
    for params, metric, n, mean, sd, low, high in table:
        print(f"{json.dumps(params):40s} {metric:24s} {n:3d} {mean:11.5g} {sd:10.3g}  "
              f"[{low:.5g}, {high:.5g}]")
    return 0


def plot_command(args):
    from pathlib import Path

    from deepgrad.sweep.plot import plot_sweep

    if not Path(args.results).is_file():
        raise FileNotFoundError(f"results: no sweep file {args.results!r}")
    with ResultStore(args.results) as store:
        fig = plot_sweep(store.rows(), args.metric, args.param)
    out = Path(args.out or f"{Path(args.results).with_suffix('')}_{args.metric}_{args.param}.png")
    out.write_bytes(fig._repr_png_())
    print(f"wrote {out}")
    return 0
