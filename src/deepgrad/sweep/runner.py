"""run: every cell of grid x seeds on a backend, each stored in SQLite as it finishes."""

import itertools

from tqdm.auto import tqdm

from deepgrad.sweep import backends
from deepgrad.sweep.store import ResultStore, cell_key
from deepgrad.sweep.targets import check_grid

BACKENDS = ("joblib", "dask", "ray")


def cells(grid, seeds):
    """[(params, seed)] for the product of the grid's values (a dict name -> list) and seeds."""
    names = sorted(grid)
    return [(dict(zip(names, values)), seed)
            for values in itertools.product(*(list(grid[n]) for n in names)) for seed in seeds]


def run(target, grid, seeds=(0,), backend="joblib", results="sweep.db", n_jobs=1,
        scheduler=None, address=None, progress=True):
    """Run `target` ("lab:NAME" or "train") on every cell; returns the stored rows.

    seeds: an int n (seeds 0..n-1) or a list. Finished cells already in `results` are skipped;
    failed ones are run again. backend: "joblib" (loky, n_jobs processes), "dask" (scheduler
    "tcp://..." or a LocalCluster of n_jobs workers) or "ray" (ray.init(address=address)).
    """
    from deepgrad import __version__

    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    grid = {k: v if isinstance(v, (list, tuple)) else [v] for k, v in grid.items()}
    check_grid(target, grid)
    with ResultStore(results, lock=True) as store:
        done = store.finished()
        todo = [(p, s) for p, s in cells(grid, seeds) if cell_key(target, p, s) not in done]
        stream = {"joblib": lambda: backends.run_joblib(target, todo, n_jobs),
                  "dask": lambda: backends.run_dask(target, todo, n_jobs, scheduler),
                  "ray": lambda: backends.run_ray(target, todo, address)}[backend]()
        with tqdm(total=len(todo), desc=f"sweep {target}", unit="cell", disable=not progress) as bar:
            for (params, seed), outcome in stream if todo else ():
                store.put(target, params, seed, outcome, __version__)
                bar.update()
        return store.rows()
