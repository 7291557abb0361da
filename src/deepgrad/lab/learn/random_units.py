"""Rosenblatt's random association units: a perceptron on a fixed random first layer.

Lecture: Lawrence, "Generalization and neural networks" (Rosenblatt's perceptron: a fixed, random
layer of "association units" feeds the one trained unit). Paper: Rosenblatt (1958), "The
perceptron: a probabilistic model for information storage and organization in the brain".

Two concentric circles (scikit-learn's make_circles, no line separates them). The first layer is
m threshold units a_j = Step(w_j . x + b_j), w_j ~ N(0, I), b_j ~ U(-1.5, 1.5), drawn once and
never trained (deepgrad's nn.Linear + nn.Step). Only the output unit learns, by Rosenblatt's rule
w <- w + y a on every mistake (lab.linear_classifiers.perceptron, fixed order). With few units the
classes stay inseparable in feature space; accuracy rises with m as the random half-planes carve
the disc. The same features fed to scikit-learn's Perceptron (shuffle off, eta0 = 1, no penalty)
make exactly the same updates, so its weights and accuracies are the oracle.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad import nn
from deepgrad.lab.represent.linear_classifiers import perceptron


@dataclass
class RandomUnitsResult:
    units: np.ndarray          # m, the number of random association units
    train_accuracy: np.ndarray  # deepgrad's perceptron, per m
    test_accuracy: np.ndarray
    sklearn_train_accuracy: np.ndarray  # scikit-learn's Perceptron on the same features
    sklearn_test_accuracy: np.ndarray
    max_weight_gap: float      # max |w_deepgrad - w_sklearn| over every m
    epochs: int
    n_train: int
    n_test: int


def circles(n, seed):
    """n points of two concentric circles, labels +-1."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n, noise=0.08, factor=0.5, random_state=seed)
    return X.astype(np.float64), 2.0 * y - 1.0


def association_layer(m, rng):
    """The fixed random first layer: Linear(2, m) with N(0, 1) weights, U(-1.5, 1.5) biases, Step."""
    layer = nn.Sequential(nn.Linear(2, m), nn.Step())
    layer[0].weight.data[...] = rng.standard_normal((m, 2))
    layer[0].bias.data[...] = rng.uniform(-1.5, 1.5, m)
    return layer


def features(layer, X):
    with dg.no_grad():
        return np.asarray(layer(dg.tensor(X)).data, dtype=np.float64)


def accuracy(w, A, y):
    return float(np.mean(np.where(A @ w[:-1] + w[-1] > 0, 1.0, -1.0) == y))


def sklearn_perceptron(A, y, epochs):
    """scikit-learn's Perceptron with Rosenblatt's exact rule: fixed order, step 1, no penalty."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Perceptron

    clf = Perceptron(shuffle=False, eta0=1.0, penalty=None, tol=None, max_iter=epochs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(A, y)
    return np.concatenate([clf.coef_[0], clf.intercept_])


def run(*, quick: bool = False, seed: int = 0, n_samples: int = 0, epochs: int = 0,
        units: tuple = (2, 4, 8, 16, 32, 64, 128, 256)) -> RandomUnitsResult:
    """n_samples = 0: 300 when quick, 1,000 else (half train, half test); epochs = 0: 20 / 50."""
    n = n_samples or (300 if quick else 1000)
    epochs = epochs or (20 if quick else 50)
    X, y = circles(n, seed)
    half = n // 2
    rng = np.random.default_rng(seed)
    out = {k: [] for k in ("tr", "te", "str", "ste")}
    gap = 0.0
    for m in units:
        layer = association_layer(m, rng)
        A_tr, A_te = features(layer, X[:half]), features(layer, X[half:])
        w, _, _, _ = perceptron(A_tr, y[:half], max_epochs=epochs)
        w_sk = sklearn_perceptron(A_tr, y[:half], epochs)
        gap = max(gap, float(np.max(np.abs(w - w_sk))))
        out["tr"].append(accuracy(w, A_tr, y[:half]))
        out["te"].append(accuracy(w, A_te, y[half:]))
        out["str"].append(accuracy(w_sk, A_tr, y[:half]))
        out["ste"].append(accuracy(w_sk, A_te, y[half:]))
    return RandomUnitsResult(
        units=np.array(units), train_accuracy=np.array(out["tr"]),
        test_accuracy=np.array(out["te"]), sklearn_train_accuracy=np.array(out["str"]),
        sklearn_test_accuracy=np.array(out["ste"]), max_weight_gap=gap, epochs=epochs,
        n_train=half, n_test=n - half)


def plot(result: RandomUnitsResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    m = result.units
    ax.semilogx(m, result.train_accuracy, "o-", label="deepgrad perceptron, train")
    ax.semilogx(m, result.test_accuracy, "s-", label="deepgrad perceptron, test")
    ax.semilogx(m, result.sklearn_test_accuracy, "k+", ms=12,
                label="scikit-learn Perceptron, test (oracle)")
    ax.axhline(0.5, color="gray", ls=":", label="chance")
    ax.set_xscale("log", base=2)
    ax.set(xlabel="number of random association units m", ylabel="accuracy",
           title=f"perceptron on fixed random Step units ({result.epochs} epochs, circles)")
    ax.legend(fontsize=8)
    return fig
