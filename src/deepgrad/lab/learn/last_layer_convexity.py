"""Convex in the last layer, non-convex jointly: the logistic loss of a one-hidden-layer network.

Lecture: UBC CPSC 440 review, "Is training neural networks scary?": for binary classification
the loss f(W, v) = sum_i log(1 + exp(-y_i v^T h(W x_i))) is such that "with W fixed this is
convex, but with W and v as variables it is non-convex". Paper: Auer, Herbster & Warmuth (1996),
"Exponentially many local minima for single neurons"; Chen, Lu & Hecht-Nielsen (1993), "On the
geometry of feedforward neural network error surfaces" (the permutation symmetry).

h = tanh, W (k, 3) acting on (x_1, x_2, 1) (two-moons inputs), v in R^k, y in {-1, +1}.

  In v, along any line v + t d:  d^2/dt^2 f = sum_i s_i (1 - s_i) (y_i d^T h_i)^2 >= 0,
  s_i = sigmoid(-y_i v^T h_i): the logistic loss of fixed features, convex (closed form; deepgrad's
  second derivative of the line function is checked against it).

  Jointly: permuting the hidden units gives a second minimiser theta' = (P W, P v) with the same
  loss. On the segment between theta and theta' the loss rises above both ends (a barrier), which
  no convex function can do, and the second derivative along it goes negative.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad.data import load_dataset


@dataclass
class LastLayerConvexityResult:
    hidden: int
    train_loss: float              # f at the trained theta (mean over samples)
    ts: np.ndarray                 # line parameter
    v_lines: np.ndarray            # (lines, len(ts)) f along random lines in v, W fixed
    v_curvature: np.ndarray        # (lines, len(ts)) d2f/dt2 along them, by deepgrad
    v_curvature_closed: np.ndarray  # the same from the closed form
    min_v_curvature: float         # smallest second derivative seen along v lines (>= 0)
    joint_ts: np.ndarray           # 0 at theta, 1 at the permuted theta'
    joint_line: np.ndarray         # f on the segment
    joint_curvature: np.ndarray    # d2f/dt2 on the segment, by deepgrad
    barrier: float                 # max on the segment - the endpoints' loss
    min_joint_curvature: float     # most negative second derivative on the segment
    permutation: np.ndarray


def data(n, seed):
    """Two moons with a constant feature appended, labels in {-1, +1}."""
    X, y = load_dataset("moons", n_samples=n, noise=0.15, seed=seed)
    return np.hstack([X, np.ones((len(X), 1))]).astype(np.float64), 2.0 * y - 1.0


def loss_fn(X, y, hidden):
    """f(theta) = mean_i softplus(-y_i v^T tanh(W x_i)), theta = (W.ravel(), v)."""
    Xt, yt, d = dg.tensor(X), dg.tensor(y), X.shape[1]

    def f(theta):
        W, v = theta[:hidden * d].reshape(hidden, d), theta[hidden * d:]
        return dg.softplus(-yt * (dg.tanh(Xt @ W.T) @ v)).mean()
    return f


def v_curvature_closed_form(X, y, W, v, direction):
    """sum_i s_i (1 - s_i) (y_i d^T h_i)^2 / n, s_i = sigmoid(-y_i v^T h_i), h_i = tanh(W x_i)."""
    H = np.tanh(X @ W.T)
    s = 1.0 / (1.0 + np.exp(y * (H @ v)))
    return np.mean(s * (1 - s) * (y * (H @ direction)) ** 2)


def line_derivatives(f, theta, direction, ts):
    """f(theta + t d) and its second derivative in t (grad of grad) at each t."""
    def g(t):
        return f(dg.tensor(theta) + t * dg.tensor(direction))
    g2 = dg.grad(dg.grad(g))
    values = np.array([g(dg.tensor(np.float64(t))).item() for t in ts])
    curv = np.array([g2(dg.tensor(np.float64(t))).item() for t in ts])
    return values, curv


def train(f, theta, steps, lr):
    grad = dg.grad(f)
    for _ in range(steps):
        theta = theta - lr * grad(dg.tensor(theta)).data
    return theta


def run(*, quick: bool = False, seed: int = 0, n: int = 200, hidden: int = 6, steps: int = 0,
        lr: float = 1.0, lines: int = 5) -> LastLayerConvexityResult:
    """Train theta by GD (steps = 0: 600 when quick, else 3,000), then walk lines through it."""
    rng = np.random.default_rng(seed)
    X, y = data(n, seed)
    d = X.shape[1]
    f = loss_fn(X, y, hidden)
    theta = train(f, rng.standard_normal(hidden * d + hidden), steps or (600 if quick else 3000),
                  lr)
    W, v = theta[:hidden * d].reshape(hidden, d), theta[hidden * d:]
    ts = np.linspace(-3, 3, 13 if quick else 41)
    v_lines, v_curv, v_closed = [], [], []
    for _ in range(lines):
        dv = rng.standard_normal(hidden)
        dv /= np.linalg.norm(dv)
        vals, curv = line_derivatives(f, theta, np.r_[np.zeros(hidden * d), dv], ts)
        v_lines.append(vals)
        v_curv.append(curv)
        v_closed.append([v_curvature_closed_form(X, y, W, v + t * dv, dv) for t in ts])
    perm = np.roll(np.arange(hidden), 1)  # a cyclic shift: every unit moves
    theta2 = np.r_[W[perm].ravel(), v[perm]]
    joint_ts = np.linspace(0, 1, 11 if quick else 41)
    joint, joint_curv = line_derivatives(f, theta, theta2 - theta, joint_ts)
    return LastLayerConvexityResult(
        hidden=hidden, train_loss=float(joint[0]), ts=ts, v_lines=np.array(v_lines),
        v_curvature=np.array(v_curv), v_curvature_closed=np.array(v_closed),
        min_v_curvature=float(np.min(v_curv)), joint_ts=joint_ts, joint_line=joint,
        joint_curvature=joint_curv, barrier=float(joint.max() - max(joint[0], joint[-1])),
        min_joint_curvature=float(joint_curv.min()), permutation=perm)


def plot(result: LastLayerConvexityResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 4.2), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    for k, line in enumerate(result.v_lines):
        ax1.plot(result.ts, line, label=f"line {k + 1}")
    ax1.set(xlabel="t (v + t d, W fixed)", ylabel="mean logistic loss f",
            title="W fixed: convex along every line in v")
    ax1.legend(fontsize=8)
    ax2.plot(result.joint_ts, result.joint_line, "o-", ms=3)
    ax2.set(xlabel=r"t on $(1 - t)\theta + t\theta'$ ($\theta'$: units permuted)",
            ylabel="mean logistic loss f",
            title=f"W and v together: barrier {result.barrier:.3g} between equal minima")
    ax3.plot(result.ts, result.v_curvature.min(axis=0), label="in v: min over lines")
    ax3.plot(result.joint_ts, result.joint_curvature, label="joint segment")
    ax3.axhline(0, color="k", lw=0.8, ls=":", label="zero")
    ax3.set_yscale("symlog", linthresh=1e-3)
    ax3.set(xlabel="t", ylabel="$d^2 f / dt^2$ (deepgrad)",
            title="second derivative along the lines")
    ax3.legend(fontsize=8)
    return fig
