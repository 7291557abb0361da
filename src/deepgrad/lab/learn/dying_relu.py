"""Dying ReLUs: the share of dead units against learning rate and bias init; leaky ReLU fixes it.

Lecture: Louppe, "Multi-layer perceptron" ("The ReLU unit dies when its input is negative, which
might block gradient descent. This is actually a useful property to induce sparsity. This issue
can also be solved using leaky ReLUs"); UBC CPSC 440 review (ReLU "gives sparser activations").
Papers: Glorot, Bordes & Bengio (2011), "Deep sparse rectifier neural networks"; Maas, Hannun &
Ng (2013), "Rectifier nonlinearities improve neural network acoustic models" (leaky ReLU); Lu,
Shin, Su & Karniadakis (2020), "Dying ReLU and initialization".

One hidden layer, f(x) = sum_j v_j phi(w_j x + b_j) + c, on 1-D regression (y = sin(3x) on a grid
of [-1, 1], so the data reach both ends). A unit is dead when its pre-activation is <= 0 on every
training input: then phi' = 0 there (ReLU'(0) = 0), its weights get exactly zero gradient and it
never comes back. At init (w_j ~ N(0, sigma^2), b_j = b0) unit j is dead iff
max_{x in [-1, 1]} w_j x + b0 = |w_j| + b0 <= 0, so

    P(dead at init) = P(|w| <= -b0) = 2 Phi(-b0 / sigma) - 1   for b0 < 0, else 0   (closed form).

Training with SGD then kills more units the larger the step. `sparsity` is the share of exact
zeros among the hidden activations over the training set (ReLU's zeros; leaky ReLU has none).
Leaky ReLU (slope 0.1) passes a gradient on the negative side: its units with z <= 0 everywhere
still get a gradient (`frozen_after`: the share of units whose weights get exactly zero
full-batch gradient is the dead share for ReLU and 0 for leaky ReLU). Past lr ~ 0.1 SGD on this
problem diverges with leaky ReLU (NaN loss), while ReLU's units die instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.train import fit

ACTIVATIONS = ("relu", "leaky_relu")


@dataclass
class DyingReluResult:
    width: int
    sigma: float
    bias_inits: np.ndarray
    dead_at_init: np.ndarray        # measured share dead at init, per b0
    dead_at_init_closed: np.ndarray  # 2 Phi(-b0/sigma) - 1
    lrs: np.ndarray
    dead_after: dict                # activation -> share dead after training, per lr (b0 = 0)
    frozen_after: dict              # activation -> share of units with zero gradient, per lr
    sparsity_after: dict            # activation -> share of zero activations, per lr
    final_loss: dict                # activation -> training MSE after training, per lr
    dead_after_by_bias: dict        # activation -> share dead after training at `bias_lr`, per b0
    bias_lr: float


def one_hidden_layer(width, activation, sigma, b0, rng):
    phi = nn.ReLU() if activation == "relu" else nn.LeakyReLU(0.1)
    net = nn.Sequential(nn.Linear(1, width), phi, nn.Linear(width, 1))
    net[0].weight.data[...] = sigma * rng.standard_normal((width, 1))
    net[0].bias.data[...] = b0
    net[2].weight.data[...] = rng.standard_normal((1, width)) / np.sqrt(width)
    net[2].bias.data[...] = 0.0
    return net


def pre_activations(net, X):
    """z = W x + b of the hidden layer on X, (n, width)."""
    with dg.no_grad():
        return net[0](dg.tensor(X)).data


def dead_share(net, X):
    """Share of hidden units whose pre-activation is <= 0 on every row of X."""
    return float(np.mean(pre_activations(net, X).max(axis=0) <= 0))


def frozen_share(net, X, y):
    """Share of hidden units whose weight and bias get exactly zero full-batch gradient."""
    net.zero_grad()
    nn.functional.mse_loss(net(dg.tensor(X)), dg.tensor(y)).backward()
    g = np.abs(net[0].weight.grad.data[:, 0]) + np.abs(net[0].bias.grad.data)
    return float(np.mean(g == 0))


def zero_share(net, X):
    """Share of exact zeros among phi(z) over X (ReLU's sparsity)."""
    with dg.no_grad():
        return float(np.mean(net[1](dg.tensor(pre_activations(net, X))).data == 0))


def data(n):
    X = np.linspace(-1, 1, n, dtype=np.float32)[:, None]
    return X, np.sin(3 * X)


def train(net, X, y, lr, epochs, seed):
    """SGD as the lecture runs it: a diverged run (leaky ReLU at large rates) trains on, so its
    NaN loss is part of the result rather than an error."""
    opt = optim.SGD(net.parameters(), lr=lr)
    hist = fit(net, nn.functional.mse_loss, opt, (X, y), epochs=epochs, batch_size=16,
               progress=False, seed=seed, on_nonfinite="ignore")
    return hist


def run(*, quick: bool = False, seed: int = 0, width: int = 0, sigma: float = 1.0,
        lrs: tuple = (0.01, 0.03, 0.05, 0.1, 0.12),
        bias_inits: tuple = (0.5, 0.0, -0.25, -0.5, -1.0, -1.5),
        bias_lr: float = 0.03, epochs: int = 0) -> DyingReluResult:
    """width = 0: 1,000 units when quick (the init count), 2,000 else; epochs = 0: 5 / 30."""
    rng = np.random.default_rng(seed)
    width = width or (1000 if quick else 2000)
    epochs = epochs or (5 if quick else 30)
    X, y = data(128)
    b0s = np.array(bias_inits, dtype=np.float64)
    nets = [one_hidden_layer(width, "relu", sigma, b, rng) for b in b0s]
    dead_init = np.array([dead_share(net, X) for net in nets])
    closed = np.where(b0s < 0, 2 * norm.cdf(-b0s / sigma) - 1, 0.0)
    train_width = min(width, 200)
    dead, frozen, sparse, loss = {}, {}, {}, {}
    for act in ACTIVATIONS:
        dead[act], frozen[act], sparse[act], loss[act] = [], [], [], []
        for lr in lrs:
            net = one_hidden_layer(train_width, act, sigma, 0.0, np.random.default_rng(seed))
            hist = train(net, X, y, lr, epochs, seed)
            dead[act].append(dead_share(net, X))
            frozen[act].append(frozen_share(net, X, y))
            sparse[act].append(zero_share(net, X))
            loss[act].append(float(hist.history["loss"][-1]))
    by_bias = {act: [] for act in ACTIVATIONS}
    for act in ACTIVATIONS:
        for b in b0s:
            net = one_hidden_layer(train_width, act, sigma, b, np.random.default_rng(seed))
            train(net, X, y, bias_lr, epochs, seed)
            by_bias[act].append(dead_share(net, X))
    return DyingReluResult(
        width=width, sigma=sigma, bias_inits=b0s, dead_at_init=dead_init,
        dead_at_init_closed=closed, lrs=np.array(lrs, dtype=np.float64),
        dead_after={k: np.array(v) for k, v in dead.items()},
        frozen_after={k: np.array(v) for k, v in frozen.items()},
        sparsity_after={k: np.array(v) for k, v in sparse.items()},
        final_loss={k: np.array(v) for k, v in loss.items()},
        dead_after_by_bias={k: np.array(v) for k, v in by_bias.items()}, bias_lr=bias_lr)


def plot(result: DyingReluResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(14, 4.2), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    b = result.bias_inits
    fine = np.linspace(b.min(), b.max(), 200)
    ax1.plot(fine, np.where(fine < 0, 2 * norm.cdf(-fine / result.sigma) - 1, 0), "k-",
             label=r"closed form $2\Phi(-b_0/\sigma) - 1$")
    ax1.plot(b, result.dead_at_init, "o", label=f"measured at init ({result.width} units)")
    ax1.plot(b, result.dead_after_by_bias["relu"], "s--",
             label=f"ReLU after SGD, lr = {result.bias_lr:g}")
    ax1.plot(b, result.dead_after_by_bias["leaky_relu"], "^--",
             label=f"leaky ReLU after SGD, lr = {result.bias_lr:g}")
    ax1.set(xlabel="bias init $b_0$", ylabel="share of dead units",
            title="dead units against bias init")
    ax1.legend(fontsize=8)
    names = {"relu": "ReLU", "leaky_relu": "leaky ReLU (0.1)"}
    for act, label in names.items():
        ax2.semilogx(result.lrs, result.dead_after[act], "o-", label=f"{label}: z <= 0 everywhere")
        ax2.semilogx(result.lrs, result.frozen_after[act], "x--", label=f"{label}: zero gradient")
        ax2.semilogx(result.lrs, result.sparsity_after[act], "s:", label=f"{label}: zeros")
        ax3.loglog(result.lrs, result.final_loss[act], "o-", label=label)
    ax2.set(xlabel="SGD learning rate", ylabel="share of units / activations",
            title="dead units and sparsity after training ($b_0$ = 0)")
    ax2.legend(fontsize=8)
    ax3.set(xlabel="SGD learning rate", ylabel="final training MSE",
            title="the price of dead units")
    ax3.legend(fontsize=8)
    return fig
