"""Linear regions in 2-D: each layer folds the plane into more convex pieces.

Lecture: Lawrence, "Deep architectures" (higher-dimensional geometry: the regions of a ReLU net are
convex polygons; early layers give few regions, later layers many more; continuity holds although
the function is stitched from flat pieces). Every unit's zero line cuts the current regions, so the
partition after layer l refines the one after layer l-1. One hidden layer of m units in general
position cuts the plane into 1 + m + m(m-1)/2 regions (an arrangement of m lines; Zaslavsky 1975).
We draw the exact partition (``deepgrad.lab.represent.geometry.linear_regions``) after each hidden layer, at
init and after training on a 2-D dataset, and time the exact count for a 3 x 32 net.
Papers: Montufar, Pascanu, Cho, Bengio, "On the number of linear regions of deep neural networks"
(NeurIPS 2014); Serra, Tjandraatmadja, Ramalingam, "Bounding and counting linear regions of deep
neural networks" (ICML 2018); Hanin, Rolnick, "Deep ReLU networks have surprisingly few activation
patterns" (NeurIPS 2019).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from math import comb

import numpy as np

import deepgrad
from deepgrad import nn
from deepgrad.data import load_dataset
from deepgrad.lab.represent.decision_boundaries import train_classifier
from deepgrad.lab.represent.geometry import Regions, linear_regions


@dataclass
class RegionsResult:
    dataset: str
    hidden: list[int]
    box: list[float]  # x0, x1, y0, y1
    X: np.ndarray
    y: np.ndarray
    train_accuracy: float
    counts_init: list[int]  # regions after each hidden layer, at init
    counts_trained: list[int]  # ... and after training
    polygons_init: list[list[np.ndarray]]  # [layer][region] -> (k, 2) vertices
    polygons_trained: list[list[np.ndarray]]
    logits_trained: list[float]  # class-1 minus class-0 logit at each final region's centroid
    one_layer_units: int
    one_layer_count: int  # exact count, box containing every crossing of the m lines
    one_layer_formula: int  # 1 + m + C(m, 2)
    timing_net: list[int]  # widths of the timed net
    timing_regions: int
    timing_seconds: float


def _layer_polygons(regions: Regions) -> list[list[np.ndarray]]:
    return [cells.polygons() for cells in regions.layers]


def _one_hidden_layer(m: int, rng: np.random.Generator) -> tuple[int, int]:
    """Exact regions of a random 1-hidden-layer net in a box holding all line crossings."""
    model = nn.MLP([2, m, 1], init="pytorch", generator=rng)
    w = model.layers[0].weight.data.astype(np.float64)
    b = model.layers[0].bias.data.astype(np.float64)
    crossings = [np.linalg.solve(w[[i, j]], -b[[i, j]])
                 for i, j in itertools.combinations(range(m), 2)]
    r = 1.5 * float(np.abs(crossings).max())
    return linear_regions(model, ((-r, r), (-r, r))).count, 1 + m + comb(m, 2)


def run(*, quick: bool = False, seed: int = 0, dataset: str = "moons", hidden: tuple = (8, 8, 8),
        epochs: int = 400, lr: float = 0.02, one_layer_units: int = 10) -> RegionsResult:
    """Regions after each layer of MLP([2, *hidden, 2]) at init and after full-batch Adam."""
    rng = np.random.default_rng(seed)
    if quick:
        epochs = min(epochs, 150)
    X, y = load_dataset(dataset, n_samples=200, seed=seed)
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    box = ((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])))

    model = nn.MLP([2, *hidden, 2], activation="relu", init="pytorch", generator=rng)
    at_init = linear_regions(model, box)
    train_classifier(model, X, y, epochs, lr)
    with deepgrad.no_grad():
        accuracy = float((model(deepgrad.tensor(X)).data.argmax(axis=1) == y).mean())
    trained = linear_regions(model, box)
    centroids = np.array([p.mean(axis=0) for p in trained.polygons])
    logits = np.einsum("nij,nj->ni", trained.A, centroids) + trained.c

    m_count, m_formula = _one_hidden_layer(one_layer_units, rng)

    timing_net = [2, 32, 32, 32, 1]
    timed = nn.MLP(timing_net, init="pytorch", generator=rng)
    start = time.perf_counter()
    timing_regions = linear_regions(timed, ((-3.0, 3.0), (-3.0, 3.0))).count
    seconds = time.perf_counter() - start

    return RegionsResult(
        dataset=dataset, hidden=list(hidden), box=[*box[0], *box[1]], X=X, y=y,
        train_accuracy=accuracy,
        counts_init=at_init.counts, counts_trained=trained.counts,
        polygons_init=_layer_polygons(at_init), polygons_trained=_layer_polygons(trained),
        logits_trained=list(logits[:, 1] - logits[:, 0]),
        one_layer_units=one_layer_units, one_layer_count=m_count, one_layer_formula=m_formula,
        timing_net=timing_net, timing_regions=timing_regions, timing_seconds=seconds,
    )


def plot(result: RegionsResult):
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    layers = len(result.counts_init)
    fig = Figure(figsize=(3.2 * (layers + 1), 5.6), layout="constrained")
    axes = fig.subplots(2, layers + 1, squeeze=False)
    x0, x1, y0, y1 = result.box
    palette = np.random.default_rng(0).uniform(0.35, 1.0, size=(4096, 3))
    for row, (name, polys, counts) in enumerate(
        [("init", result.polygons_init, result.counts_init),
         ("trained", result.polygons_trained, result.counts_trained)]
    ):
        for layer, (cells, count) in enumerate(zip(polys, counts)):
            ax = axes[row, layer]
            colours = palette[np.arange(len(cells)) % len(palette)]
            ax.add_collection(PolyCollection(cells, facecolors=colours, edgecolors="k",
                                             linewidths=0.2))
            ax.set_title(f"{name}: after layer {layer + 1}\n{count} regions", fontsize=9)
        ax = axes[row, layers]
        if row == 0:
            ax.add_collection(PolyCollection(polys[-1], facecolors="none", edgecolors="0.4",
                                             linewidths=0.3))
            ax.scatter(*result.X.T, c=result.y, cmap="coolwarm", s=6)
            ax.set_title(f"{result.dataset} data on the init regions", fontsize=9)
        else:
            logit = np.asarray(result.logits_trained)
            limit = max(float(np.abs(logit).max()), 1e-9)
            ax.add_collection(PolyCollection(polys[-1], array=logit, cmap="coolwarm",
                                             norm=TwoSlopeNorm(0.0, -limit, limit),
                                             edgecolors="k", linewidths=0.2))
            ax.scatter(*result.X.T, c=result.y, cmap="coolwarm", s=6, edgecolors="k",
                       linewidths=0.3)
            ax.set_title(f"trained logit difference\ntrain accuracy {result.train_accuracy:.2f}",
                         fontsize=9)
    for ax in axes.flat:
        ax.set(xlim=(x0, x1), ylim=(y0, y1), xticks=[], yticks=[], aspect="equal")
    fig.suptitle(
        f"exact linear regions of MLP{[2, *result.hidden, 2]}; one hidden layer of "
        f"{result.one_layer_units} units: {result.one_layer_count} regions "
        f"(1 + m + C(m,2) = {result.one_layer_formula}); 3x32 net: {result.timing_regions} "
        f"regions in {result.timing_seconds * 1e3:.0f} ms", fontsize=10)
    return fig
