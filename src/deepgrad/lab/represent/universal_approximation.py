"""Universal approximation in 1-D: q step units err like 1/q, q ReLU units like 1/q^2.

Lecture: Louppe, "Multi-layer perceptron" (universal approximation with Heaviside steps: a sum of
q steps, one per cell of width h = (b - a)/q, each jumping by the change of f between cell
midpoints, approximates an L-Lipschitz f within L h / 2 = L (b - a) / (2q)); UBC CPSC 440 review
(wide one-hidden-layer networks are universal approximators; a fixed-size one is not).
Both approximants are one-hidden-layer nets built from nn layers:
    steps: F(x) = sum_i v_i H(x - t_i),  with H = nn.Step, error <= L (b - a) / (2q),
    ReLU:  the piecewise-linear interpolant at q + 1 equispaced knots (q ReLU units),
           error <= h^2 max|f''| / 8  (linear interpolation), so the slope is -2 on a log-log plot.
Papers: Cybenko, "Approximation by superpositions of a sigmoidal function" (1989); Hornik,
"Approximation capabilities of multilayer feedforward networks" (1991); Leshno, Lin, Pinkus,
Schocken, "Multilayer feedforward networks with a nonpolynomial activation function can
approximate any function" (1993).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

import deepgrad
from deepgrad import nn
from deepgrad.lab.represent.sawtooth import shallow_interpolant

# name: (f, f', f'', a, b), in closed form so L = max|f'| and max|f''| are known exactly enough
LABELS = {"sin": "$\\sin(2\\pi x)$", "runge": "$1/(1 + 25x^2)$"}
TARGETS = {
    "sin": (lambda x: np.sin(2 * np.pi * x), lambda x: 2 * np.pi * np.cos(2 * np.pi * x),
            lambda x: -4 * np.pi**2 * np.sin(2 * np.pi * x), 0.0, 1.0),
    "runge": (lambda x: 1 / (1 + 25 * x**2), lambda x: -50 * x / (1 + 25 * x**2) ** 2,
              lambda x: (3750 * x**2 - 50) / (1 + 25 * x**2) ** 3, -1.0, 1.0),
}


def step_net(f, a: float, b: float, q: int) -> nn.Sequential:
    """q Heaviside units: F = f(c_0) on the first cell, then a jump f(c_i) - f(c_{i-1}) at the
    left edge of cell i (c_i its midpoint), so F = f(c_i) on cell i."""
    h = (b - a) / q
    mids = a + h * (np.arange(q) + 0.5)
    thresholds = np.r_[a - h / 2, a + h * np.arange(1, q)]  # the first unit is on everywhere
    jumps = np.diff(f(mids), prepend=0.0)
    hidden = nn.Linear(1, q)
    hidden.weight.data[...] = 1.0
    hidden.bias.data[...] = -thresholds
    out = nn.Linear(q, 1)
    out.weight.data[...] = jumps[None, :]
    out.bias.data[...] = 0.0
    return nn.Sequential(hidden, nn.Step(), out)


def relu_net(f, a: float, b: float, q: int) -> nn.Sequential:
    """q ReLU units: the linear interpolant of f at q + 1 equispaced knots."""
    knots = np.linspace(a, b, q + 1)
    return shallow_interpolant(knots, f(knots))


@dataclass
class UniversalApproximationResult:
    target: str
    interval: tuple[float, float]
    lipschitz: float  # L = max |f'|
    curvature: float  # max |f''|
    qs: list[int]
    step_error: list[float]  # sup |f - F| on a dense grid
    step_bound: list[float]  # L (b - a) / (2q)
    relu_error: list[float]
    relu_bound: list[float]  # max|f''| h^2 / 8
    step_slope: float  # fitted slope of log error vs log q
    relu_slope: float
    x: np.ndarray
    f: np.ndarray
    show_q: int
    step_curve: np.ndarray  # F at show_q units, on x
    relu_curve: np.ndarray


@contextmanager
def _float64():
    """Build the nets in float64: at q = 256 the ReLU error (~1e-4) is near float32's round-off
    of a sum of q terms, and the bounds are statements about exact arithmetic."""
    previous = deepgrad.get_default_dtype()
    deepgrad.set_default_dtype(np.float64)
    try:
        yield
    finally:
        deepgrad.set_default_dtype(previous)


def _sup_error(net_of, f, a, b, qs, x):
    fx = f(x)
    with _float64(), deepgrad.no_grad():
        return [float(np.abs(net_of(f, a, b, q)(deepgrad.tensor(x[:, None])).data[:, 0] - fx).max())
                for q in qs]


def _curve(net_of, f, a, b, q, x):
    with _float64(), deepgrad.no_grad():
        return net_of(f, a, b, q)(deepgrad.tensor(x[:, None])).data[:, 0]


def run(*, quick: bool = False, seed: int = 0, target: str = "sin", max_units: int = 256,
        show_units: int = 8) -> UniversalApproximationResult:
    """Sup errors of q-step and q-ReLU approximants for q = 2, 4, ..., max_units.

    Deterministic (``seed`` unused): the approximants are constructed, not trained.
    """
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; known: {', '.join(TARGETS)}")
    f, df, d2f, a, b = TARGETS[target]
    if quick:
        max_units = min(max_units, 64)
    x = np.linspace(a, b, 20_001 if quick else 100_001)
    dense = np.linspace(a, b, 1_000_001)
    lipschitz, curvature = float(np.abs(df(dense)).max()), float(np.abs(d2f(dense)).max())
    qs = [2**k for k in range(1, int(np.log2(max_units)) + 1)]
    step_err = _sup_error(step_net, f, a, b, qs, x)
    relu_err = _sup_error(relu_net, f, a, b, qs, x)
    fit = [i for i, q in enumerate(qs) if q >= 8]  # the asymptotic regime
    log_q = np.log(np.array(qs)[fit])
    shown = np.linspace(a, b, 2001)
    return UniversalApproximationResult(
        target=target,
        interval=(a, b),
        lipschitz=lipschitz,
        curvature=curvature,
        qs=qs,
        step_error=step_err,
        step_bound=[lipschitz * (b - a) / (2 * q) for q in qs],
        relu_error=relu_err,
        relu_bound=[curvature * ((b - a) / q) ** 2 / 8 for q in qs],
        step_slope=float(np.polyfit(log_q, np.log(np.array(step_err)[fit]), 1)[0]),
        relu_slope=float(np.polyfit(log_q, np.log(np.array(relu_err)[fit]), 1)[0]),
        x=shown,
        f=f(shown),
        show_q=show_units,
        step_curve=_curve(step_net, f, a, b, show_units, shown),
        relu_curve=_curve(relu_net, f, a, b, show_units, shown),
    )


def plot(result: UniversalApproximationResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8), layout="constrained")
    ax_s, ax_r, ax_e = fig.subplots(1, 3)
    for ax, curve, kind in ((ax_s, result.step_curve, "step"), (ax_r, result.relu_curve, "ReLU")):
        ax.plot(result.x, result.f, "k", lw=1, label=f"f(x) = {LABELS[result.target]}")
        ax.plot(result.x, curve, label=f"{result.show_q} {kind} units")
        ax.set(title=f"{result.show_q} {kind} units", xlabel="x", ylabel="f(x) and its approximation")
        ax.legend(fontsize=8)
    q = np.array(result.qs)
    ax_e.loglog(q, result.step_error, "o-", label=f"steps (slope {result.step_slope:.2f})")
    ax_e.loglog(q, result.step_bound, "C0:", label="$L(b-a)/(2q)$")
    ax_e.loglog(q, result.relu_error, "s-", label=f"ReLU (slope {result.relu_slope:.2f})")
    ax_e.loglog(q, result.relu_bound, "C1:", label="$\\max|f''| h^2/8$")
    ax_e.set_xticks(q, [str(v) for v in q], minor=False)  # plain labels at q only: the log
    ax_e.set_xticks([], minor=True)                        # axis's minor labels overlapped
    ax_e.set(title="sup error vs units", xlabel="hidden units q", ylabel="$\\sup|f - F|$")
    ax_e.legend(fontsize=8)
    return fig
