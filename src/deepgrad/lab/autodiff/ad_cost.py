"""The cost of forward, reverse and optimal Jacobian accumulation.

Lecture: Lawrence, *Deep Architectures*, "forward vs reverse cost and memory" and "Or in a funky
way?"; UBC CPSC 440 review, forward-mode automatic differentiation. Papers: Baydin et al. (2018)
Automatic differentiation in machine learning: a survey (JMLR); Naumann (2008) Optimal Jacobian
accumulation is NP-complete (Math. Programming); the matrix-chain dynamic programme of Cormen et
al., *Introduction to Algorithms*, section 15.2.

A chain of maps x_0 -> x_1 -> ... -> x_L with x_l in R^{d_l} has the Jacobian

    J = J_L J_{L-1} ... J_1,        J_l = d x_l / d x_{l-1}   (d_l x d_{l-1}).

Multiplying a (p x q) by a (q x r) matrix costs p q r multiplications, so the bracketing decides
the cost:

    forward  (((J_2 J_1) J_3) ...):  d_0 sum_{l=2}^{L} d_l d_{l-1}
    reverse  (J_L (J_{L-1} ...)):    d_L sum_{l=0}^{L-2} d_l d_{l+1}
    optimal  the matrix-chain dynamic programme, O(L^3).

A *bracketing* is a binary tree over the map indices 1..L written as nested pairs in chain order:
``(a, b)`` is the product J(b) J(a) of the sub-chain ``a`` (earlier maps) and ``b`` (later maps).
Forward mode is ``(((1, 2), 3), 4)``, reverse mode ``(1, (2, (3, 4)))``, and the hourglass
(10, 1000, 10, 1000, 10) is best accumulated middle-out as ``((1, 2), (3, 4))``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
import numpy as np
from matplotlib.figure import Figure

from deepgrad.lab.autodiff.accumulation import accumulate, chain_cost, local_jacobians, optimal_order


CHAINS = {
    "mlp": (784, 256, 256, 10),
    "mlp + loss": (784, 256, 256, 10, 1),
    "decoder": (10, 256, 256, 784),
    "hourglass": (10, 1000, 10, 1000, 10),
    "waists": (300, 30, 300, 30, 300),
}
ORDERS = ("forward", "reverse", "optimal")


@dataclass
class AdCostResult:
    chains: dict  # name -> dims
    costs: dict  # name -> {order: multiplications}
    optimal_bracketing: dict  # name -> bracketing as a string
    times: dict  # name -> {order: seconds to accumulate the Jacobian}
    max_error: float  # largest |J_order - J_forward| over chains and orders
    ranking_agrees: dict  # name -> measured fastest order == predicted cheapest order


def _tanh_layer(W):
    from deepgrad.engine.primitives import matmul, tanh

    return lambda x: tanh(matmul(W, x))


def _seconds_per_call(fn, budget):
    """Best of 3 timings, each of as many calls as fit in ``budget`` seconds (as timeit)."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        if time.perf_counter() - start > budget / 3 or number > 10_000:
            break
        number *= 2
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def run(*, quick: bool = False, seed: int = 0, budget: float = 0.1) -> AdCostResult:
    """Cost of each order for each chain, and the time of ``accumulate`` on a real tanh chain.

    Timings are single-threaded (BLAS limited to one thread) so that they measure the
    multiplications the cost model counts, not the scheduling of threads.
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    budget = budget / 5 if quick else budget
    costs, brackets, times, agrees, max_error = {}, {}, {}, {}, 0.0
    for name, dims in CHAINS.items():
        costs[name] = {order: chain_cost(dims, order) for order in ORDERS}
        brackets[name] = str(optimal_order(dims)[1])
        fns = [_tanh_layer(rng.standard_normal((dims[l], dims[l - 1])) / np.sqrt(dims[l - 1]))
               for l in range(1, len(dims))]
        jacobians = local_jacobians(fns, rng.standard_normal(dims[0]))
        reference = accumulate(jacobians, "forward")
        times[name] = {}
        for order in ORDERS:
            J = accumulate(jacobians, order)
            max_error = max(max_error, float(np.abs(J - reference).max()))
            with threadpool_limits(1):
                times[name][order] = _seconds_per_call(
                    lambda J=jacobians, o=order: accumulate(J, o), budget)
        predicted = min(ORDERS, key=lambda o: costs[name][o])
        measured = min(ORDERS, key=lambda o: times[name][o])
        agrees[name] = bool(costs[name][predicted] == costs[name][measured])
    return AdCostResult(dict(CHAINS), costs, brackets, times, max_error, agrees)


def plot(result: AdCostResult) -> Figure:
    fig = Figure(figsize=(12, 4.5))
    ax1, ax2 = fig.subplots(1, 2)
    names = list(result.chains)
    width = 0.27
    for k, order in enumerate(ORDERS):
        ax1.barh(np.arange(len(names)) + (k - 1) * width,
                 [result.costs[n][order] for n in names], width, label=order, color=f"C{k}")
    ax1.set_xscale("log")
    ax1.set_yticks(np.arange(len(names)))
    ax1.set_yticklabels([f"{n}\n{result.chains[n]}".replace(", ", ",") for n in names], fontsize=7)
    ax1.set_ylabel("chain of matrices (their dimensions)")
    ax1.set_xlabel("multiplications to accumulate J")
    ax1.set_title("Predicted cost of each bracketing")
    ax1.legend()
    for k, order in enumerate(ORDERS):
        ax2.loglog([result.costs[n][order] for n in names], [result.times[n][order] for n in names],
                   "o", color=f"C{k}", label=order)
    ax2.set_xlabel("predicted multiplications")
    ax2.set_ylabel("measured time of accumulate (s)")
    agree = sum(result.ranking_agrees.values())
    ax2.set_title(f"Measured vs predicted: cheapest order fastest in {agree}/{len(names)} chains")
    ax2.legend()
    fig.tight_layout()
    return fig
