"""Architecture search through the sweep layer: widths and depths x seeds, then the winner re-tested

Lecture: UBC CPSC 440 review, the training tricks ("Neural architecture search: try to cleverly
search through the space of hyper-parameters. This gets expensive!"; "grad student descent":
several variations are tried, the ones that perform well are kept). Papers: Bergstra and Bengio
(2012) Random search for hyper-parameter optimization (JMLR); Cawley and Talbot (2010) On
over-fitting in model selection and subsequent selection bias in performance evaluation (JMLR).

Each architecture (hidden widths of an MLP on two moons) is trained by ``deepgrad train`` on
``seeds`` seeds, every cell handed to ``deepgrad.sweep.run`` (joblib by default, Dask or Ray
with ``backend``) and stored in its SQLite file. The search keeps the architecture of best mean
held-out accuracy. That mean is optimistic, because it was chosen as the best of several noisy
estimates, so the winner is trained again on ``seeds`` fresh seeds (new data draws, splits and
initialisations), which give an unbiased estimate. The cost grows with the grid: cells =
architectures x seeds, each one a full training run.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

ARCHITECTURES = ("2", "8", "32", "8 8", "32 32", "32 32 32")


@dataclass
class ArchitectureSearchResult:
    architectures: list  # hidden widths, as "8 8"
    parameters: list  # weights and biases of each MLP [2, *hidden, 2]
    mean_accuracy: list  # over the search seeds, held-out (test split of each cell)
    sd_accuracy: list
    accuracies: list  # per architecture, per search seed
    cell_seconds: list  # per architecture, mean training time of a cell (this machine)
    winner: str
    winner_search_accuracy: float  # the mean that made it win (optimistic)
    winner_fresh_accuracy: float  # its mean over fresh seeds (unbiased)
    winner_fresh_sd: float
    cells: int  # training runs in the search, architectures x seeds
    search_seeds: list
    fresh_seeds: list
    epochs: int
    backend: str


def mlp_parameters(hidden, n_in=2, n_out=2):
    """Weights and biases of an MLP [n_in, *hidden, n_out]: sum over layers of (fan_in + 1) fan_out."""
    widths = [n_in, *hidden, n_out]
    return sum((a + 1) * b for a, b in zip(widths, widths[1:]))


def grid(architectures, epochs, lr, n_samples, noise):
    """The sweep's grid over ``deepgrad train``: one value per flag, the architectures varying."""
    return {"data": ["moons"], "n_samples": [n_samples], "noise": [noise], "epochs": [epochs],
            "lr": [lr],
            "batch_size": [32], "hidden": [[int(w) for w in a.split()] for a in architectures]}


def search(architectures, seeds, *, epochs, lr, n_samples, noise, backend, n_jobs, results):
    """{architecture: [held-out accuracy per seed]} and {architecture: mean seconds per cell},
    every cell run by ``deepgrad.sweep.run`` into the SQLite file ``results``."""
    from deepgrad import sweep

    rows = sweep.run("train", grid(architectures, epochs, lr, n_samples, noise), seeds=list(seeds),
                     backend=backend, n_jobs=n_jobs, results=str(results), progress=False)
    rows = [r for r in rows if r["seed"] in seeds
            and " ".join(map(str, r["params"]["hidden"])) in architectures]
    failed = [r["error"] for r in rows if r["status"] != "ok"]
    if failed:
        raise RuntimeError(f"{len(failed)} sweep cells failed; the first:\n{failed[0]}")
    accuracy, seconds = {}, {}
    for r in sorted(rows, key=lambda r: r["seed"]):
        key = " ".join(map(str, r["params"]["hidden"]))
        accuracy.setdefault(key, []).append(r["metrics"]["test_accuracy"])
        seconds.setdefault(key, []).append(r["metrics"]["train_seconds"])
    return accuracy, {k: float(np.mean(v)) for k, v in seconds.items()}


def run(*, quick: bool = False, seed: int = 0, architectures: tuple = ARCHITECTURES,
        seeds: int = 4, epochs: int = 60, lr: float = 0.01, n_samples: int = 300,
        noise: float = 0.3, backend: str = "joblib", n_jobs: int = 1, results: str = "") -> ArchitectureSearchResult:
    """Search ``architectures`` on seeds seed..seed+seeds-1, re-test the winner on the next
    ``seeds`` seeds. ``results``: the sweep's SQLite file ("" for a temporary one)."""
    if quick:
        if architectures == ARCHITECTURES:
            architectures = ("2", "8", "8 8")
        seeds, epochs = min(seeds, 2), min(epochs, 20)
        lr = max(lr, 0.03)
    search_seeds = list(range(seed, seed + seeds))
    fresh_seeds = list(range(seed + seeds, seed + 2 * seeds))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(results) if results else Path(tmp) / "architecture_search.db"
        options = dict(epochs=epochs, lr=lr, n_samples=n_samples, noise=noise, backend=backend,
                       n_jobs=n_jobs, results=db)
        accuracy, seconds = search(architectures, search_seeds, **options)
        means = {a: float(np.mean(accuracy[a])) for a in architectures}
        winner = max(architectures, key=means.__getitem__)
        fresh = search([winner], fresh_seeds, **options)[0][winner]
    return ArchitectureSearchResult(
        architectures=list(architectures),
        parameters=[mlp_parameters([int(w) for w in a.split()]) for a in architectures],
        mean_accuracy=[means[a] for a in architectures],
        sd_accuracy=[float(np.std(accuracy[a], ddof=1)) if seeds > 1 else 0.0
                     for a in architectures],
        accuracies=[accuracy[a] for a in architectures],
        cell_seconds=[seconds[a] for a in architectures], winner=winner,
        winner_search_accuracy=means[winner], winner_fresh_accuracy=float(np.mean(fresh)),
        winner_fresh_sd=float(np.std(fresh, ddof=1)) if seeds > 1 else 0.0,
        cells=len(architectures) * seeds, search_seeds=search_seeds, fresh_seeds=fresh_seeds,
        epochs=epochs, backend=backend)


def plot(result: ArchitectureSearchResult) -> Figure:
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    x = np.arange(len(result.architectures))
    ax1.errorbar(x, result.mean_accuracy, yerr=result.sd_accuracy, fmt="o", capsize=4,
                 label=f"search: mean ± sd over seeds {result.search_seeds}")
    k = result.architectures.index(result.winner)
    ax1.errorbar([k + 0.15], [result.winner_fresh_accuracy], yerr=[result.winner_fresh_sd],
                 fmt="s", color="C3", capsize=4,
                 label=f"winner re-tested on fresh seeds {result.fresh_seeds}")
    ax1.set_xticks(x, [f"[{a}]\n{p} params" for a, p in zip(result.architectures,
                                                            result.parameters)], fontsize=8)
    ax1.set_xlabel("hidden widths")
    ax1.set_ylabel("held-out accuracy")
    ax1.set_title(f"two moons, {result.epochs} epochs per cell: winner [{result.winner}]")
    ax1.legend(fontsize=8, loc="lower right")
    ax2.bar(x, result.cell_seconds, color="C2")
    ax2.set_xticks(x, [f"[{a}]" for a in result.architectures], fontsize=8)
    ax2.set_xlabel("hidden widths")
    ax2.set_ylabel("training seconds per cell (this machine)")
    ax2.set_title(f"the cost: {result.cells} training runs through deepgrad.sweep "
                  f"({result.backend})")
    fig.suptitle("Architecture search: the best of several noisy estimates is optimistic; "
                 "fresh seeds give the honest number")
    return fig
