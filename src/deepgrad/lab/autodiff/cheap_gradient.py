"""The cheap gradient principle: the gradient costs a small constant times the function, at any size

Lecture: UBC CPSC 440 review, "Automatic Differentiation" ("The output code has the same asymptotic
runtime as the input code"; "a generic method to make code computing f'(x) for same cost as
f(x)"). Papers: Griewank and Walther (2008) Evaluating derivatives, section 4.6 (the cheap
gradient principle); Baur and Strassen (1983) The complexity of partial derivatives.

Reverse mode evaluates f and its whole gradient for a bounded multiple of the cost of f alone,
whatever the number of inputs:

    OPS(f, grad f) <= omega OPS(f),    omega <= 4    (Griewank and Walther's bound)

For an MLP the matrix products dominate: each forward product Z = H W^T (2 n k m flops) costs
two products backward, dH = G W and dW = G^T H, so the products alone give omega = 3 exactly
(less the input's dH, which nobody asks for):

    matmul flops of grad f = 2 * matmul flops of f - 2 n d_0 d_1

and an elementwise tanh (1 flop) costs 3 backward (g (1 - y^2)), hence omega < 4. The operations
are counted, not timed: the backward pass is recorded (``create_graph=True`` with a seed that
requires grad) and every primitive call in it costed by ``operation_count``; the timings beside
them (forward + plain backward over forward, best of a few runs) show the same ratio on this
machine but are not what the tests check.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

import deepgrad as dg
from deepgrad import nn
from deepgrad.lab.timing import best_time
from deepgrad.lab.autodiff.operation_count import count_operations

BOUND = 4.0


@dataclass
class CheapGradientResult:
    widths: list  # hidden width of the depth-``width_depth`` MLPs
    width_depth: int
    depths: list  # hidden layers of the width-``depth_width`` MLPs
    depth_width: int
    batch: int
    width_ratio: list  # (OPS(f) + OPS(grad f)) / OPS(f), counted
    depth_ratio: list
    width_time_ratio: list  # the same ratio measured in seconds (not tested)
    depth_time_ratio: list
    forward_flops: list  # OPS(f) of the width series
    backward_flops: list  # OPS(grad f) of the width series
    forward_matmul_flops: list  # the width series' matrix-product flops, forward and backward
    backward_matmul_flops: list
    chain_forward_calls: int  # the lecture's f(x) = 10 log(1 + exp(-2x)): primitive calls
    chain_backward_calls: int
    chain_ratio: float
    max_ratio: float  # over every network counted
    bound: float


def loss_and_parameters(widths, batch, seed):
    """An MSE loss of a tanh MLP (``widths`` from input to output) on a seeded Gaussian batch."""
    rng = np.random.default_rng(seed)
    model = nn.MLP(list(widths), activation="tanh", generator=seed)
    x = dg.tensor(rng.standard_normal((batch, widths[0])).astype(np.float32))
    y = dg.tensor(rng.standard_normal((batch, widths[-1])).astype(np.float32))
    return (lambda: nn.functional.mse_loss(model(x), y)), list(model.parameters())


def gradient_counts(f, params):
    """(forward count, backward count): the operations of f, and of its gradient recorded on top."""
    loss = f()
    forward = count_operations([loss])
    seed = dg.tensor(np.ones((), dtype=loss.dtype), requires_grad=True)  # so every step records
    loss.backward(gradient=seed, create_graph=True)
    backward = count_operations([p.grad for p in params], exclude=forward.nodes)
    for p in params:
        p.grad = None
    return forward, backward



def time_ratio(f, params, repeats):
    """Best time of forward + backward over best time of forward (plain backward, no graph)."""
    def both():
        f().backward()
        for p in params:
            p.grad = None
    return best_time(both, repeats) / best_time(f, repeats)


def chain_counts(x=0.5):
    """Primitive calls of the lecture's chain f(x) = 10 log(1 + exp(-2x)) and of its derivative."""
    t = dg.tensor(np.float64(x), requires_grad=True)
    out = 10 * dg.log(1 + dg.exp(-2 * t))
    forward = count_operations([out])
    out.backward(gradient=dg.tensor(np.float64(1.0), requires_grad=True), create_graph=True)
    backward = count_operations([t.grad], exclude=forward.nodes)
    return forward, backward


def run(*, quick: bool = False, seed: int = 0, widths: tuple = (4, 8, 16, 32, 64, 128, 256),
        depths: tuple = (1, 2, 4, 8, 16, 32), batch: int = 64, repeats: int = 5) -> CheapGradientResult:
    """Count (and time) f and grad f for MLPs of growing width (3 hidden layers) and depth
    (width 64); inputs of 16 features, one output."""
    if quick:
        widths, depths, repeats = tuple(w for w in widths if w <= 64), \
            tuple(d for d in depths if d <= 8), min(repeats, 2)
    width_depth, depth_width, d_in = 3, 64, 16
    series = {"width": [], "depth": []}
    fwd, bwd, fwd_mm, bwd_mm = [], [], [], []
    for kind, sizes in (("width", widths), ("depth", depths)):
        for size in sizes:
            hidden = [size] * width_depth if kind == "width" else [depth_width] * size
            f, params = loss_and_parameters([d_in, *hidden, 1], batch, seed)
            forward, backward = gradient_counts(f, params)
            ratio = (forward.total_flops + backward.total_flops) / forward.total_flops
            series[kind].append((ratio, time_ratio(f, params, repeats)))
            if kind == "width":
                fwd.append(forward.total_flops)
                bwd.append(backward.total_flops)
                fwd_mm.append(forward.matmul_flops)
                bwd_mm.append(backward.matmul_flops)
    chain_f, chain_b = chain_counts()
    ratios = [r for s in series.values() for r, _ in s]
    return CheapGradientResult(
        widths=list(widths), width_depth=width_depth, depths=list(depths), depth_width=depth_width,
        batch=batch, width_ratio=[r for r, _ in series["width"]],
        depth_ratio=[r for r, _ in series["depth"]],
        width_time_ratio=[t for _, t in series["width"]],
        depth_time_ratio=[t for _, t in series["depth"]],
        forward_flops=fwd, backward_flops=bwd, forward_matmul_flops=fwd_mm,
        backward_matmul_flops=bwd_mm, chain_forward_calls=chain_f.total_calls,
        chain_backward_calls=chain_b.total_calls,
        chain_ratio=(chain_f.total_calls + chain_b.total_calls) / chain_f.total_calls,
        max_ratio=float(max(ratios)), bound=BOUND)


def plot(result: CheapGradientResult) -> Figure:
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    panels = ((ax1, result.widths, result.width_ratio, result.width_time_ratio,
               f"hidden width ({result.width_depth} hidden layers)", "growing width"),
              (ax2, result.depths, result.depth_ratio, result.depth_time_ratio,
               f"hidden layers (width {result.depth_width})", "growing depth"))
    for ax, xs, ops, secs, xlabel, title in panels:
        ax.plot(xs, ops, "o-", label="operations counted: (OPS f + OPS grad f) / OPS f")
        ax.plot(xs, secs, "s--", label="time measured (this machine)")
        ax.axhline(result.bound, color="k", lw=1, label=f"Griewank's bound omega = {result.bound:g}")
        ax.axhline(3, color="grey", lw=1, ls=":", label="matrix products alone: 3")
        ax.set_xscale("log", base=2)
        ax.set_xlabel(xlabel)
        ax.set_title(f"cost of f and its gradient, {title}")
        ax.legend(fontsize=8, loc="lower right")
    ax1.set_ylabel("cost of (f, grad f) / cost of f")
    ax1.set_ylim(0, max(result.bound, *result.width_time_ratio, *result.depth_time_ratio) * 1.15)
    fig.suptitle(f"The cheap gradient principle: tanh MLPs, batch {result.batch}; the lecture's "
                 f"chain 10 log(1 + exp(-2x)): {result.chain_forward_calls} calls forward, "
                 f"{result.chain_backward_calls} backward")
    return fig
