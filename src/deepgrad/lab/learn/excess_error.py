"""Excess error = E_app + E_est + E_opt, and single-pass SGD against batch GD at equal compute.

Lecture: Louppe, "Multi-layer perceptron" (the tradeoffs of large-scale learning). Paper: Bottou &
Bousquet (2008/2011), "The tradeoffs of large scale learning".

A setting where every term is computable: x ~ U[-1, 1], y = f*(x) + N(0, sigma^2) with
f*(x) = sin(pi x) + x/2 (the Bayes model, risk R* = sigma^2), and the class F of degree-k
polynomials in the Legendre basis (deepgrad nn.Linear on [P_0(x) .. P_k(x)]). Every risk is exact:
R(h) = sigma^2 + E[(h - f*)^2] by Gauss-Legendre quadrature. Then
  E_app = R(h_F) - R*     with h_F the L2 projection of f* (closed form: Legendre coefficients),
  E_est = R(h_n) - R(h_F) with h_n the exact empirical risk minimiser on the n examples (lstsq),
  E_opt = R(h~) - R(h_n)  with h~ what the optimiser returns,
and R(h~) - R* is their sum. At a budget of B example-gradients, batch GD takes T full-batch
steps on n = B / T examples, single-pass SGD one step on each of B fresh examples (step
1 / (a (t + t0))): SGD sees T times the data, and at large budgets its excess error is lower.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import legendre

import deepgrad as dg
from deepgrad import nn, optim

NODES, WEIGHTS = legendre.leggauss(200)


@dataclass
class ExcessErrorResult:
    budgets: np.ndarray      # example-gradient evaluations
    degree: int
    sigma: float
    batch_steps: int         # T: batch GD runs T steps on budget / T examples
    e_app: float             # the same for every run (one class F)
    e_est: dict              # "batch" / "sgd" -> per budget (mean over seeds)
    e_opt: dict
    excess: dict             # R(h~) - R*, per budget
    e_app_quadrature_vs_quad: float   # |E_app by Legendre coefficients - by scipy quad|


def bayes(x):
    return np.sin(np.pi * x) + x / 2


def features(x, degree):
    return legendre.legvander(x, degree)


def risk_gap(coef):
    """E[(h - f*)^2] for h = sum_j coef_j P_j, x ~ U[-1, 1] (exact to quadrature precision)."""
    return float(0.5 * WEIGHTS @ (features(NODES, len(coef) - 1) @ coef - bayes(NODES)) ** 2)


def projection(degree):
    """Coefficients of h_F: c_j = (2j + 1)/2 * int f* P_j (Gauss-Legendre quadrature)."""
    P = features(NODES, degree)
    return (2 * np.arange(degree + 1) + 1) / 2 * ((WEIGHTS * bayes(NODES)) @ P)


def sample(n, sigma, rng):
    x = rng.uniform(-1, 1, n)
    return x, bayes(x) + sigma * rng.standard_normal(n)


def linear_model(degree):
    model = nn.Linear(degree + 1, 1, bias=False)
    model.weight.data[...] = 0.0
    return model


def batch_gd(Phi, y, steps):
    """T full-batch GD steps on the mean squared error at step 1 / lambda_max (deepgrad optim)."""
    model = linear_model(Phi.shape[1] - 1)
    lr = 1.0 / np.linalg.eigvalsh(2 * Phi.T @ Phi / len(y))[-1]
    opt = optim.SGD(model.parameters(), lr=lr)
    X, Y = dg.tensor(Phi), dg.tensor(y[:, None])
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.mse_loss(model(X), Y).backward()
        opt.step()
    return np.asarray(model.weight.data[0], np.float64)


def single_pass_sgd(Phi, y, a=0.2, t0=20.0):
    """One SGD step per example, step 1 / (a (t + t0)), each example seen once (deepgrad optim)."""
    model = linear_model(Phi.shape[1] - 1)
    opt = optim.SGD(model.parameters(), lr=1.0)
    for t in range(len(y)):
        opt.param_groups[0]["lr"] = 1.0 / (a * (t + t0))
        opt.zero_grad()
        nn.functional.mse_loss(model(dg.tensor(Phi[t:t + 1])), dg.tensor(y[t:t + 1, None])).backward()
        opt.step()
    return np.asarray(model.weight.data[0], np.float64)


def run(*, quick: bool = False, seed: int = 0, degree: int = 3, sigma: float = 0.5,
        batch_steps: int = 10, seeds: int = 0,
        budgets: tuple = (400, 1600, 6400)) -> ExcessErrorResult:
    """seeds = 0: 3 repetitions when quick, 10 else (the terms are means over them)."""
    from scipy.integrate import quad

    seeds = seeds or (3 if quick else 10)
    c_F = projection(degree)
    e_app = risk_gap(c_F)
    proj = legendre.Legendre(c_F)
    e_app_quad = quad(lambda x: 0.5 * (proj(x) - bayes(x)) ** 2, -1, 1, limit=200)[0]
    terms = {m: {"est": [], "opt": [], "excess": []} for m in ("batch", "sgd")}
    for B in budgets:
        acc = {m: np.zeros(3) for m in terms}
        for s in range(seeds):
            rng = np.random.default_rng(seed + 1000 * s + B)
            x, y = sample(B, sigma, rng)
            for method, n in (("batch", B // batch_steps), ("sgd", B)):
                Phi = features(x[:n], degree)
                c_n = np.linalg.lstsq(Phi, y[:n], rcond=None)[0]
                c_opt = batch_gd(Phi, y[:n], batch_steps) if method == "batch" \
                    else single_pass_sgd(Phi, y[:n])
                r_n, r_opt = risk_gap(c_n), risk_gap(c_opt)
                acc[method] += [r_n - e_app, r_opt - r_n, r_opt]
        for m in terms:
            est, opt_, excess = acc[m] / seeds
            terms[m]["est"].append(est)
            terms[m]["opt"].append(opt_)
            terms[m]["excess"].append(excess)
    arr = {m: {k: np.array(v) for k, v in terms[m].items()} for m in terms}
    return ExcessErrorResult(
        budgets=np.array(budgets), degree=degree, sigma=sigma, batch_steps=batch_steps,
        e_app=e_app, e_est={m: arr[m]["est"] for m in arr}, e_opt={m: arr[m]["opt"] for m in arr},
        excess={m: arr[m]["excess"] for m in arr},
        e_app_quadrature_vs_quad=abs(e_app - e_app_quad))


def plot(result: ExcessErrorResult):
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter

    fig = Figure(figsize=(12, 4.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    names = {"batch": f"batch GD, {result.batch_steps} steps on B/{result.batch_steps} examples",
             "sgd": "single-pass SGD on B examples"}
    for ax, (m, title) in zip(axes, names.items()):
        B = result.budgets
        ax.loglog(B, np.full(len(B), result.e_app), "k--", label="E_app (closed form)")
        ax.loglog(B, result.e_est[m], "o-", label="E_est")
        ax.loglog(B, np.abs(result.e_opt[m]), "s-", label="|E_opt|")
        ax.loglog(B, result.excess[m], "^-", label="excess error (sum)")
        ax.set_xticks(B, [str(b) for b in B])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set(xlabel="compute budget B (example gradients)", ylabel="error", title=title)
        ax.legend(fontsize=8)
    return fig
