"""Adam fails on a one-dimensional convex problem; AMSGrad solves it (Reddi, Kale & Kumar).

Lecture: UBC CPSC 440 review, "Theory in the original paper was incorrect; Adam fails at solving
some very-simple optimization problems". Paper: Reddi, Kale & Kumar (2018), "On the convergence
of Adam and beyond" (ICLR), Theorem 1; Kingma & Ba (2015), "Adam".

The online problem on the feasible set F = [-1, 1], with C > 2:

    f_t(x) = C x   if t mod 3 = 1,       f_t(x) = -x   otherwise.

Over each period of three steps the loss is (C - 2) x, so the optimum is x* = -1 (closed form)
and x = +1 is the worst point of F. With beta1 = 0 and beta2 = 1 / (1 + C^2), Adam's large
gradient C is divided by a large sqrt(v) once, but the two gradients -1 that follow come while v
is still small, so each period moves x towards +1: Adam converges to the worst point and its
average regret R_T / T stays positive. AMSGrad divides by the running maximum of v and reaches
x* (R_T / T -> 0), while Adam's R_T / T tends to 2 (C - 2) / 3, the period loss gap between
+1 and -1 over three steps. Both are deepgrad's optim.Adam (amsgrad=False / True), with alpha_t =
lr / sqrt(t) (the theorem's step) and projection onto F after each step.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim

OPTIMUM = -1.0  # argmin over [-1, 1] of the period loss (C - 2) x, for C > 2


@dataclass
class AdamCounterexampleResult:
    C: float
    beta2: float
    steps: int
    logged_steps: np.ndarray
    x: dict                   # "adam" / "amsgrad" -> x_t at the logged steps
    average_regret: dict      # name -> R_t / t at the logged steps
    final_x: dict             # name -> x_T
    optimum: float            # the closed-form x* = -1


def gradient(t: int, C: float) -> float:
    """f_t'(x): C when t mod 3 = 1, else -1 (t counts from 1)."""
    return C if t % 3 == 1 else -1.0


def online_adam(C: float, steps: int, amsgrad: bool, lr: float = 0.5, x0: float = 0.0):
    """Run projected Adam/AMSGrad on the online problem; returns x_t and R_t / t for t = 1..T."""
    x = nn.Parameter(dg.tensor(np.array([x0])))
    opt = optim.Adam([x], lr=lr, betas=(0.0, 1.0 / (1.0 + C * C)), amsgrad=amsgrad)
    xs, losses = np.empty(steps), np.empty(steps)
    for t in range(1, steps + 1):
        opt.param_groups[0]["lr"] = lr / np.sqrt(t)
        opt.zero_grad()
        loss = (x * gradient(t, C)).sum()
        losses[t - 1] = loss.item()
        loss.backward()
        opt.step()
        x.data[...] = np.clip(x.data, -1.0, 1.0)  # projection onto F
        xs[t - 1] = x.data[0]
    g = np.array([gradient(t, C) for t in range(1, steps + 1)])
    best = -np.abs(np.cumsum(g))  # min over x in [-1, 1] of a linear loss: at an end point
    return xs, (np.cumsum(losses) - best) / np.arange(1, steps + 1)


def run(*, quick: bool = False, seed: int = 0, C: float = 3.0, steps: int = 0,
        lr: float = 0.5) -> AdamCounterexampleResult:
    """steps = 0: 1,500 when quick, else 30,000. Deterministic; seed is accepted for uniformity."""
    if C <= 2:
        raise ValueError(f"C must be > 2 for x* = -1 (got C={C})")
    T = steps or (1500 if quick else 30_000)
    logged = np.unique(np.geomspace(1, T, 200).astype(int))
    out = {name: online_adam(C, T, amsgrad=name == "amsgrad", lr=lr)
           for name in ("adam", "amsgrad")}
    return AdamCounterexampleResult(
        C=C, beta2=1.0 / (1.0 + C * C), steps=T, logged_steps=logged,
        x={k: xs[logged - 1] for k, (xs, _) in out.items()},
        average_regret={k: r[logged - 1] for k, (_, r) in out.items()},
        final_x={k: float(xs[-1]) for k, (xs, _) in out.items()}, optimum=OPTIMUM)


def plot(result: AdamCounterexampleResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for name, label in (("adam", "Adam"), ("amsgrad", "AMSGrad")):
        ax1.semilogx(result.logged_steps, result.x[name], label=label)
        ax2.loglog(result.logged_steps, np.maximum(result.average_regret[name], 1e-6),
                   label=label)
    ax1.axhline(result.optimum, color="k", ls=":", label="optimum $x^* = -1$")
    ax1.set(xlabel="step t", ylabel="$x_t$", ylim=(-1.1, 1.1),
            title=f"$f_t = {result.C:g}x$ (t mod 3 = 1), $-x$ otherwise; "
                  rf"$\beta_1 = 0$, $\beta_2 = {result.beta2:.2g}$")
    ax2.set(xlabel="step t", ylabel="average regret $R_t / t$",
            title="Adam's regret does not vanish; AMSGrad's does")
    for ax in (ax1, ax2):
        ax.legend(fontsize=8)
    return fig
