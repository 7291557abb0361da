"""Sawtooth: depth buys exponentially many linear pieces, width only linearly many.

Lecture: Lawrence, "Deep architectures" (ReLU kinks, the sawtooth construction)
    f_0(x) = x,   f_l(x) = 2 ReLU(f_{l-1}(x)) + 2 ReLU(-f_{l-1}(x)) - 2 = 2|f_{l-1}(x)| - 2.
Each level folds [-2, 2] onto itself, so f_L has 2^L linear pieces, with kinks at -2 + 4k/2^L,
using 2L hidden ReLU units. A single hidden layer of n ReLU units has at most n + 1 pieces, so it
needs 2^L - 1 units to match depth L; we build that shallow net (one unit per kink) and count it.
Papers: Telgarsky, "Benefits of depth in neural networks" (COLT 2016); Montufar, Pascanu, Cho,
Bengio, "On the number of linear regions of deep neural networks" (NeurIPS 2014).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepgrad import nn
from deepgrad.lab.represent.geometry import breakpoints, count_pieces, pieces_1d


def _linear(weight, bias) -> nn.Linear:
    weight = np.asarray(weight, dtype=np.float64)
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    layer.weight.data[...] = weight
    layer.bias.data[...] = bias
    return layer


def sawtooth_net(depth: int) -> nn.Sequential:
    """The lectures' sawtooth f_depth as Linear/ReLU layers: 2 hidden units per level.

    Level l: Linear(1, 2) with W = [[1], [-1]], b = 0 (the pair (f, -f)), ReLU, then Linear(2, 1)
    with W = [[2, 2]], b = -2. All weights are exact in float32.
    """
    layers = []
    for _ in range(depth):
        layers += [_linear([[1.0], [-1.0]], [0.0, 0.0]), nn.ReLU(), _linear([[2.0, 2.0]], [-2.0])]
    return nn.Sequential(*layers)


def shallow_interpolant(knots: np.ndarray, values: np.ndarray) -> nn.Sequential:
    """One hidden layer, one ReLU unit per interior knot: the piecewise-linear interpolant.

    f(x) = values[0] + s_0 (x - knots[0]) + sum_i (s_i - s_{i-1}) ReLU(x - knots[i]); the first
    slope s_0 is carried by a unit at knots[0] (ReLU(x - knots[0]) = x - knots[0] on the interval).
    """
    slopes = np.diff(values) / np.diff(knots)
    jumps = np.diff(slopes, prepend=0.0)
    hidden = _linear(np.ones((len(jumps), 1)), -knots[:-1])
    out = _linear(jumps[None, :], [values[0]])
    return nn.Sequential(hidden, nn.ReLU(), out)


@dataclass
class SawtoothResult:
    depths: list[int]
    pieces_deep: list[int]  # exact pieces of f_L on [lo, hi]
    units_deep: list[int]  # 2L hidden units
    pieces_shallow_same_units: list[int]  # at most units + 1 for one hidden layer
    units_shallow_needed: list[int]  # 2^L - 1
    pieces_shallow_built: list[int]  # exact pieces of the shallow interpolant of f_L
    max_kink_error: float  # max |kink - (-2 + 4k/2^L)| over all depths
    curve_depths: list[int]
    curve_x: list[np.ndarray]  # exact knots of f_1..f_4 (x) ...
    curve_y: list[np.ndarray]  # ... and the values there


def run(*, quick: bool = False, seed: int = 0, max_depth: int = 12) -> SawtoothResult:
    """Count the pieces of f_1..f_max_depth on [-2, 2] and of their shallow equivalents.

    Deterministic (the construction has no randomness); ``seed`` is accepted for uniformity.
    """
    lo, hi = -2.0, 2.0
    depths = list(range(1, (min(max_depth, 8) if quick else max_depth) + 1))
    pieces, built, kink_error = [], [], 0.0
    curves_x, curves_y = [], []
    for depth in depths:
        net = sawtooth_net(depth)
        pieces.append(count_pieces(net, lo, hi))
        kinks = breakpoints(net, lo, hi)
        expected = lo + (hi - lo) * np.arange(1, 2**depth) / 2**depth
        kink_error = max(kink_error, float(np.abs(kinks - expected).max()))
        edges, slopes, intercepts = pieces_1d(net, lo, hi)
        values = np.append(slopes[:, 0] * edges[:-1] + intercepts[:, 0],
                           slopes[-1, 0] * hi + intercepts[-1, 0])
        built.append(count_pieces(shallow_interpolant(edges, values), lo, hi))
        if depth <= 4:
            curves_x.append(edges)
            curves_y.append(values)
    return SawtoothResult(
        depths=depths,
        pieces_deep=pieces,
        units_deep=[2 * d for d in depths],
        pieces_shallow_same_units=[2 * d + 1 for d in depths],
        units_shallow_needed=[2**d - 1 for d in depths],
        pieces_shallow_built=built,
        max_kink_error=kink_error,
        curve_depths=depths[:4],
        curve_x=curves_x,
        curve_y=curves_y,
    )


def plot(result: SawtoothResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8), layout="constrained")
    ax_f, ax_p, ax_u = fig.subplots(1, 3)
    for depth, x, y in zip(result.curve_depths, result.curve_x, result.curve_y):
        ax_f.plot(x, y, label=f"$f_{depth}$ ({len(x) - 1} pieces)")
    ax_f.set(title="sawtooth $f_l = 2|f_{l-1}| - 2$", xlabel="x", ylabel="$f_l(x)$")
    ax_f.legend(fontsize=8, loc="lower left")

    d = np.array(result.depths)
    ax_p.semilogy(d, result.pieces_deep, "o-", label="deep sawtooth (exact count)")
    ax_p.semilogy(d, 2.0**d, "k:", label="$2^L$")
    ax_p.semilogy(d, result.pieces_shallow_same_units, "s-",
                  label="one hidden layer, same units: $\\leq 2L + 1$")
    ax_p.set(title="pieces on [-2, 2]", xlabel="depth L (2L ReLU units)", ylabel="linear pieces")
    ax_p.legend(fontsize=8)

    ax_u.semilogy(d, result.units_deep, "o-", label="deep: 2L units")
    ax_u.semilogy(d, result.units_shallow_needed, "s-", label="shallow: $2^L - 1$ units")
    ax_u.set(title="units needed for $2^L$ pieces", xlabel="depth L", ylabel="ReLU units")
    ax_u.legend(fontsize=8)
    return fig
