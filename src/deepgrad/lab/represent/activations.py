"""Activation functions and their derivatives, the derivatives taken by deepgrad's autodiff.

Lecture: Louppe, "Multi-layer perceptron" (activation functions; the sigmoid's derivative
sigma'(x) = sigma(x)(1 - sigma(x)) <= 1/4, so backpropagating through L sigmoid layers multiplies
the gradient by at most (1/4)^L times the weights: vanishing gradients; ReLU's derivative is 1 on
the positive side and 0 on the negative side, where a unit can die; leaky ReLU keeps a slope alpha).
UBC CPSC 440 deep-learning review (sigmoid of a sigmoid, ReLU replacing sigmoid).
Papers: Glorot, Bordes, Bengio, "Deep sparse rectifier neural networks" (AISTATS 2011);
Maas, Hannun, Ng, "Rectifier nonlinearities improve neural network acoustic models" (2013);
Hendrycks, Gimpel, "Gaussian error linear units (GELUs)" (2016).

Derivatives come from one backward pass through sum_i f(x_i): for an elementwise f, its gradient is
f'(x_i). At the kinks deepgrad's conventions apply: ReLU'(0) = 0, LeakyReLU'(0) = alpha, sign' = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad


def activations(leaky_slope: float) -> dict:
    """The activations of the lectures, as deepgrad functions of a Tensor."""
    return {
        "sigmoid": deepgrad.sigmoid,
        "tanh": deepgrad.tanh,
        "relu": deepgrad.relu,
        "leaky_relu": lambda t: deepgrad.leaky_relu(t, leaky_slope),
        "softplus": deepgrad.softplus,
        "gelu": deepgrad.gelu,
        "sign": deepgrad.sign,
    }


@dataclass
class ActivationsResult:
    x: np.ndarray
    names: list[str]
    values: dict[str, np.ndarray]
    derivatives: dict[str, np.ndarray]  # from deepgrad's backward pass
    max_derivative: dict[str, float]
    sigmoid_bound: float  # 1/4
    leaky_slope: float
    derivative_at_zero: dict[str, float]


def derivative(f, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) for an elementwise f, by reverse mode: the gradient of sum_i f(x_i)."""
    xt = deepgrad.tensor(x, requires_grad=True)
    y = f(xt)
    y.sum().backward()
    return y.data, xt.grad.data


def run(*, quick: bool = False, seed: int = 0, lo: float = -5.0, hi: float = 5.0,
        leaky_slope: float = 0.1) -> ActivationsResult:
    """Evaluate every activation and its autodiff derivative on a grid of [lo, hi] (float64).

    The grid always contains 0, so the kink conventions show. Deterministic (``seed`` unused).
    """
    n = 401 if quick else 2001
    x = np.union1d(np.linspace(lo, hi, n), [0.0])
    functions = activations(leaky_slope)
    values, derivatives = {}, {}
    for name, f in functions.items():
        values[name], derivatives[name] = derivative(f, x)
    zero = int(np.flatnonzero(x == 0.0)[0])
    return ActivationsResult(
        x=x,
        names=list(functions),
        values=values,
        derivatives=derivatives,
        max_derivative={k: float(d.max()) for k, d in derivatives.items()},
        sigmoid_bound=0.25,
        leaky_slope=leaky_slope,
        derivative_at_zero={k: float(d[zero]) for k, d in derivatives.items()},
    )


def plot(result: ActivationsResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 5.6), layout="constrained")
    axes = fig.subplots(2, 4, sharex=True).ravel()
    for ax, name in zip(axes, result.names):
        ax.plot(result.x, result.values[name], label="f(x)")
        ax.plot(result.x, result.derivatives[name], "--", label="f'(x) (autodiff)")
        ax.axhline(0, color="0.8", lw=0.8)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.set_title(name if name != "leaky_relu" else f"leaky_relu ($\\alpha$={result.leaky_slope})")
        ax.set(ylim=(-1.6, 2.6), xlabel="x", ylabel="f(x), f'(x)")
        ax.legend(fontsize=7, loc="upper left")
    ax = axes[-1]
    for name in ("sigmoid", "tanh", "relu"):
        ax.plot(result.x, result.derivatives[name], label=f"{name}'")
    ax.axhline(result.sigmoid_bound, color="C3", ls=":", label="$\\sigma' \\leq 1/4$")
    ax.set(title="derivatives; $\\sigma'$ is at most 1/4", ylim=(-0.1, 1.2), xlabel="x", ylabel="f'(x)")
    ax.legend(fontsize=8)
    return fig
