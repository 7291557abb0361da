"""Kinks of random ReLU networks: typical nets at init are far from the depth bound.

Lecture: Lawrence, "Deep architectures" (ReLU kinks: a shallow net has O(width) kinks, the
sawtooth O(2^depth)). A net with hidden widths n_1..n_L has at most prod_l (n_l + 1) linear pieces
on a line, and the sawtooth reaches 2^L with 2 units per layer. But for random weights the expected
number of pieces per unit length grows with the total number of neurons, not exponentially in
depth: at a fixed budget of N neurons, deep random nets have about as many pieces as shallow ones.
Very narrow deep nets often collapse at init (a layer whose units are all off on the interval makes
the net constant there). Weights are He-normal (nn.MLP's init) and biases N(0, bias_std^2): with
zero biases a ReLU net is positively homogeneous and has at most 2 pieces on any line through 0.
Papers: Hanin, Rolnick, "Complexity of linear regions in deep networks" (ICML 2019) and
"Deep ReLU networks have surprisingly few activation patterns" (NeurIPS 2019); Montufar et al. 2014.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from deepgrad import nn
from deepgrad.lab.represent.geometry import count_pieces


def random_net(widths, rng: np.random.Generator, bias_std: float) -> nn.MLP:
    """nn.MLP(widths) with He-normal weights and N(0, bias_std^2) biases, drawn from rng."""
    model = nn.MLP(widths, activation="relu", init="he", generator=rng)
    for layer in model.layers:
        if isinstance(layer, nn.Linear):
            layer.bias.data[...] = rng.normal(0.0, bias_std, size=layer.bias.shape)
    return model


@dataclass
class KinksResult:
    interval: tuple[float, float]
    n_nets: int
    widths: list[int]  # shallow sweep: one hidden layer of n units
    shallow_mean: list[float]
    shallow_max: list[int]
    shallow_bound: list[int]  # n + 1
    neurons: int  # fixed budget for the depth sweep
    depths: list[int]
    deep_mean: list[float]
    deep_max: list[int]
    deep_bound: list[float]  # (N/L + 1)^L
    sawtooth_pieces: float  # 2^(N/2): the sawtooth with the same N neurons
    pieces_per_neuron: list[float]  # deep_mean / N at each depth


def _pieces(hidden, n_nets, rng, bias_std, lo, hi):
    counts = [count_pieces(random_net([1, *hidden, 1], rng, bias_std), lo, hi)
              for _ in range(n_nets)]
    return float(np.mean(counts)), int(np.max(counts))


def run(*, quick: bool = False, seed: int = 0, neurons: int = 48, n_nets: int = 20,
        bias_std: float = 1.0, lo: float = -3.0, hi: float = 3.0) -> KinksResult:
    """Count exact pieces on [lo, hi] of random nets: shallow by width, deep at fixed neurons."""
    rng = np.random.default_rng(seed)
    if quick:
        neurons, n_nets = min(neurons, 24), min(n_nets, 5)
    widths = [w for w in (2, 4, 8, 16, 32, 64, 128) if w <= 2 * neurons]
    depths = [d for d in range(1, neurons + 1) if neurons % d == 0 and neurons // d >= 2]
    shallow = [_pieces([w], n_nets, rng, bias_std, lo, hi) for w in widths]
    deep = [_pieces([neurons // d] * d, n_nets, rng, bias_std, lo, hi) for d in depths]
    return KinksResult(
        interval=(lo, hi),
        n_nets=n_nets,
        widths=widths,
        shallow_mean=[m for m, _ in shallow],
        shallow_max=[m for _, m in shallow],
        shallow_bound=[w + 1 for w in widths],
        neurons=neurons,
        depths=depths,
        deep_mean=[m for m, _ in deep],
        deep_max=[m for _, m in deep],
        deep_bound=[float(prod([neurons // d + 1] * d)) for d in depths],
        sawtooth_pieces=2.0 ** (neurons // 2),
        pieces_per_neuron=[m / neurons for m, _ in deep],
    )


def plot(result: KinksResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_w, ax_d = fig.subplots(1, 2)
    lo, hi = result.interval
    ax_w.plot(result.widths, result.shallow_bound, "k:", label="bound n + 1")
    ax_w.plot(result.widths, result.shallow_mean, "o-", label=f"mean of {result.n_nets} nets")
    ax_w.plot(result.widths, result.shallow_max, "x", label="max")
    ax_w.set(xlabel="hidden units n (one layer)",
             ylabel=f"linear pieces on [{lo:g}, {hi:g}]", title="shallow: pieces vs width")
    ax_w.legend(fontsize=8)

    n = result.neurons
    ax_d.semilogy(result.depths, result.deep_bound, "k:", label="bound $\\prod_l (n_l + 1)$")
    ax_d.axhline(result.sawtooth_pieces, color="C3", ls="--",
                 label=f"sawtooth with {n} units: $2^{{{n // 2}}}$")
    ax_d.semilogy(result.depths, result.deep_mean, "o-", label="random nets at init (mean)")
    ax_d.semilogy(result.depths, result.deep_max, "x", label="max")
    ax_d.set(xlabel=f"depth L (width {n}/L)", ylabel="linear pieces",
             title=f"fixed budget of {n} ReLU units")
    ax_d.legend(fontsize=8)
    return fig
