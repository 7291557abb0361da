"""A 32-cell sweep on each backend against a serial loop: wall time, speed-up, overhead per cell.

    .venv/bin/python -m benchmarks.sweep_bench            # serial, joblib 1/2, Dask 1/2, Ray 2
    .venv/bin/python -m benchmarks.sweep_bench --backends serial,joblib   # a subset

The cells are `deepgrad train` runs (moons, 200 rows, hidden 16, 5 epochs, --no-plot; lr x
hidden x 4 seeds = 32 cells, about 0.1-0.3 s each). serial calls run_cell in a loop in this
process; the others go through deepgrad.sweep.run with a fresh results file. Dask's LocalCluster
and Ray are started before the clock starts (their start-up is reported apart), joblib's loky
pool is started by the sweep. Speed-up = serial / backend; overhead per cell = (backend wall x
workers - serial wall) / cells. One BLAS thread per process. Writes benchmarks/sweep_results.json
and its section of RESULTS.md; asserts nothing.
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # one BLAS thread per process (the workers inherit it)
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.sections import write_section
from deepgrad import sweep
from deepgrad.sweep.targets import run_cell

HERE = Path(__file__).resolve().parent
GRID = {"data": ["moons"], "n_samples": [200], "epochs": [5], "hidden": [[16], [32]],
        "lr": [0.001, 0.003, 0.01, 0.03]}
SEEDS = 4
BACKENDS = {"serial": 1, "joblib-1": 1, "joblib-2": 2, "dask-1": 1, "dask-2": 2, "ray-2": 2}


def _serial():
    start = time.perf_counter()
    outcomes = [run_cell("train", p, s) for p, s in sweep.cells(GRID, range(SEEDS))]
    assert all(o["status"] == "ok" for o in outcomes), outcomes
    return time.perf_counter() - start, 0.0


def _sweep(backend, **options):
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        rows = sweep.run("train", GRID, seeds=SEEDS, backend=backend,
                         results=Path(folder) / "b.db", progress=False, **options)
        seconds = time.perf_counter() - start
    assert len(rows) == 32 and all(r["status"] == "ok" for r in rows), rows
    return seconds


def _dask(workers):
    from distributed import LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, processes=True) as cluster:
        startup = time.perf_counter() - start
        return _sweep("dask", scheduler=cluster.scheduler_address), startup


def _ray():
    import ray

    start = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    startup = time.perf_counter() - start
    try:
        return _sweep("ray"), startup
    finally:
        ray.shutdown()


def measure(backend):
    """(wall seconds of the 32 cells, start-up seconds kept apart)."""
    if backend == "serial":
        return _serial()
    if backend.startswith("joblib"):
        return _sweep("joblib", n_jobs=BACKENDS[backend]), 0.0
    return _dask(BACKENDS[backend]) if backend.startswith("dask") else _ray()


def markdown(results):
    serial = results["serial"]["seconds"]
    lines = ["## Sweeps: 32 cells on each backend", "",
             "`deepgrad train` cells (moons, 200 rows, 5 epochs; `python -m benchmarks."
             "sweep_bench`), one BLAS thread per process; two shared cores, timings drift.", "",
             "| backend | workers | wall (s) | start-up (s, apart) | speed-up vs serial "
             "| overhead per cell (ms) |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"| {name} | {BACKENDS[name]} | error: {r['error']} | | | |")
            continue
        overhead = (r["seconds"] * BACKENDS[name] - serial) / 32 * 1e3
        lines.append(f"| {name} | {BACKENDS[name]} | {r['seconds']:.2f} | {r['startup']:.1f} | "
                     f"{serial / r['seconds']:.2f}x | {overhead:.0f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help=f"comma-separated, from {', '.join(BACKENDS)} (serial is always run)")
    parser.add_argument("--out", default=str(HERE), help="folder for sweep_results.json")
    args = parser.parse_args(argv)
    names = ["serial"] + [b for b in args.backends.split(",") if b and b != "serial"]
    unknown = sorted(set(names) - set(BACKENDS))
    if unknown:
        parser.error(f"--backends: unknown {', '.join(unknown)}; known: {', '.join(BACKENDS)}")
    results = {}
    for name in names:
        try:
            seconds, startup = measure(name)
            results[name] = {"seconds": seconds, "startup": startup}
        except Exception as error:  # noqa: BLE001 -- reported in the table, the others go on
            results[name] = {"error": f"{type(error).__name__}: {error}"[:200]}
        print(name, results[name], flush=True)
    text = markdown(results)
    print(text)
    Path(args.out, "sweep_results.json").write_text(json.dumps(
        {"grid": GRID, "seeds": SEEDS, "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
         "results": results}, indent=1))
    if Path(args.out).resolve() == HERE:
        write_section("sweep_bench", text)


if __name__ == "__main__":
    main()
