"""Start from logistic regression: a network with a skip path can only improve on it.

Lecture: UBC CPSC 440 review, "Neural networks >= logistic regression": with skip connections
from input to output, "you could first set v = 0, then optimize w using logistic regression" (a
convex problem), "then set W and v to small random values, and start SGD from the logistic
regression model"; the network "can only improve on logistic regression". Paper: He, Zhang, Ren
& Sun (2016), "Deep residual learning" (a skip path makes the shallow model a special case).

The model is f(x) = w^T x + b + v^T tanh(W x + c), loss the mean logistic loss on two moons
(labels +-1). Phase 1: v = 0, fit (w, b) by Newton's method (deepgrad.hessian; convex, so it
reaches the logistic-regression optimum; the tests compare it with scikit-learn's
LogisticRegression without penalty). Phase 2: keep (w, b), draw W, c at random and start v at
exactly 0, so step 0 *is* the logistic-regression model, then run full-batch gradient descent on
everything. For comparison, the same network trained from a random start with all parameters
at once ("what we typically do").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad.data import load_dataset


@dataclass
class LogisticStartResult:
    hidden: int
    lr_weights: np.ndarray        # (w_1, w_2, b) of the logistic-regression fit (Newton)
    lr_train_loss: float
    lr_train_error: float
    lr_test_error: float
    steps: np.ndarray
    train_loss: dict              # "from_logistic" / "from_random" -> loss per logged step
    train_error: dict             # name -> training misclassification rate per logged step
    test_error: dict              # name -> test misclassification rate per logged step
    step0_loss: float             # the network's loss at step 0 from the LR start
    max_loss_increase: float      # max over steps of loss_t - loss_0 (from the LR start)
    final_train_loss: dict


def moons(n, seed):
    X, y = load_dataset("moons", n_samples=n, noise=0.2, seed=seed)
    return X.astype(np.float64), 2.0 * y - 1.0


def unpack(theta, d, k):
    """theta = (w (d), b, W (k, d), c (k), v (k))."""
    w, b = theta[:d], theta[d]
    W = theta[d + 1:d + 1 + k * d].reshape(k, d)
    c, v = theta[d + 1 + k * d:d + 1 + k * d + k], theta[d + 1 + k * d + k:]
    return w, b, W, c, v


def logits(theta, X, k):
    w, b, W, c, v = unpack(theta, X.shape[1], k)
    Xt = dg.tensor(X) if not isinstance(X, dg.Tensor) else X
    return Xt @ w + b + dg.tanh(Xt @ W.T + c) @ v


def mean_logistic_loss(X, y, k):
    yt = dg.tensor(y)
    return lambda theta: dg.softplus(-yt * logits(theta, X, k)).mean()


def fit_logistic_regression(X, y, iterations=30):
    """Newton's method on the convex mean logistic loss of (w, b), Hessian from deepgrad."""
    Xb, yt = dg.tensor(np.hstack([X, np.ones((len(X), 1))])), dg.tensor(y)
    f = lambda wb: dg.softplus(-yt * (Xb @ wb)).mean()  # noqa: E731
    grad, hess = dg.grad(f), dg.hessian(f)
    wb = np.zeros(X.shape[1] + 1)
    for _ in range(iterations):
        g = grad(dg.tensor(wb)).data
        wb = wb - np.linalg.solve(hess(dg.tensor(wb)).data, g)
        if np.abs(g).max() < 1e-12:
            break
    return wb


def gradient_descent(f, theta, steps, lr, log_at, error):
    grad = dg.grad(f)
    logged = {"loss": [], "train": [], "test": []}
    for t in range(steps + 1):
        if t in log_at:
            logged["loss"].append(f(dg.tensor(theta)).item())
            tr, te = error(theta)
            logged["train"].append(tr)
            logged["test"].append(te)
        if t < steps:
            theta = theta - lr * grad(dg.tensor(theta)).data
    return logged


def run(*, quick: bool = False, seed: int = 0, n: int = 200, hidden: int = 8, steps: int = 0,
        lr: float = 0.5) -> LogisticStartResult:
    """steps = 0: 500 when quick, else 5,000 (full-batch GD)."""
    rng = np.random.default_rng(seed)
    X, y = moons(n, seed)
    X_test, y_test = moons(2000, seed + 1)
    d, k = X.shape[1], hidden
    wb = fit_logistic_regression(X, y)
    f = mean_logistic_loss(X, y, k)

    def error(theta):
        return tuple(float(np.mean(np.sign(logits(theta, A, k).data) != b))
                     for A, b in ((X, y), (X_test, y_test)))

    T = steps or (500 if quick else 5000)
    log_at = np.unique(np.r_[0, np.geomspace(1, T, 40).astype(int)])
    starts = {
        "from_logistic": np.r_[wb, rng.standard_normal(k * d + k), np.zeros(k)],
        "from_random": 0.5 * rng.standard_normal(d + 1 + k * d + 2 * k),
    }
    runs = {name: gradient_descent(f, theta, T, lr, set(log_at.tolist()), error)
            for name, theta in starts.items()}
    lr_loss = f(dg.tensor(starts["from_logistic"])).item()
    loss = {name: np.array(r["loss"]) for name, r in runs.items()}
    return LogisticStartResult(
        hidden=k, lr_weights=wb,
        lr_train_loss=float(np.mean(np.logaddexp(0, -y * (X @ wb[:d] + wb[d])))),
        lr_train_error=float(np.mean(np.sign(X @ wb[:d] + wb[d]) != y)),
        lr_test_error=float(np.mean(np.sign(X_test @ wb[:d] + wb[d]) != y_test)),
        steps=log_at, train_loss=loss,
        train_error={name: np.array(r["train"]) for name, r in runs.items()},
        test_error={name: np.array(r["test"]) for name, r in runs.items()},
        step0_loss=lr_loss,
        max_loss_increase=float((loss["from_logistic"] - loss["from_logistic"][0]).max()),
        final_train_loss={name: float(v[-1]) for name, v in loss.items()})


def plot(result: LogisticStartResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    t = result.steps + 1
    labels = {"from_logistic": "start at logistic regression (v = 0)",
              "from_random": "random start, all at once"}
    for name, label in labels.items():
        ax1.loglog(t, result.train_loss[name], label=label)
        ax2.semilogx(t, result.test_error[name], label=label)
    ax1.axhline(result.lr_train_loss, color="k", ls=":", label="logistic regression's loss")
    ax2.axhline(result.lr_test_error, color="k", ls=":", label="logistic regression")
    ax1.set(xlabel="gradient-descent step + 1", ylabel="mean training logistic loss",
            title=f"skip network, {result.hidden} tanh units, two moons")
    ax2.set(xlabel="gradient-descent step + 1", ylabel="test misclassification rate",
            title="the network only improves on its logistic-regression start")
    for ax in (ax1, ax2):
        ax.legend(fontsize=8)
    return fig
