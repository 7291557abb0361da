"""Hidden units and "hidden" regularisation: wider nets fit the training set and test better.

Lecture topic: implicit regularisation as a function of model size (UBC CPSC 440 review:
"implicit regularization of SGD (as function of size)", "maybe SGD has more implicit
regularization for bigger models?"; Lawrence, "Whence generalisation?"). Papers: Neyshabur,
Tomioka & Srebro (2015), "In search of the real inductive bias: on the role of implicit
regularization in deep learning" (the figure reproduced here); Zhang et al. (2017),
"Understanding deep learning requires rethinking generalization".

One-hidden-layer ReLU networks f(x) = W_2 relu(W_1 x + b_1) + b_2 of growing width H are trained
on a subset of the digits with minibatch SGD (momentum 0.9) on the cross-entropy, with no weight
decay, dropout or early stopping. Classical capacity arguments predict overfitting once the
number of parameters (~65 H) exceeds the number of examples; instead the training error reaches
0 and the test error keeps falling (or stays flat) as H grows: the optimiser, not the model
class, picks a well-generalising interpolator. `train_error` and `test_error` per width
(misclassification rates; mean and sample sd over `seeds` repeats, each with its own split and
initialisation: seeds seed..seed+seeds-1).
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np

from deepgrad import nn, optim, train
from deepgrad.data import load_dataset
from deepgrad.data.split import train_test_split
from deepgrad.lab.repeats import mean_sd, repeat


@dataclass
class HiddenUnitsResult:
    widths: np.ndarray
    n_parameters: np.ndarray
    train_error: np.ndarray     # per width
    test_error: np.ndarray      # per width
    train_loss: np.ndarray      # final training cross-entropy per width
    n_train: int
    epochs: int
    train_error_sd: np.ndarray  # sample sd over seeds, per width
    test_error_sd: np.ndarray
    seeds: int


def error_rate(model, X, y):
    return float(np.mean(train.predict(model, X).argmax(axis=1) != y))


def run(*, quick: bool = False, seed: int = 0, widths: tuple = (2, 4, 8, 16, 32, 64, 128, 256,
                                                                   512),
        n_train: int = 600, epochs: int = 0, lr: float = 0.05, batch_size: int = 32,
        seeds: int = 0) -> HiddenUnitsResult:
    """epochs / seeds = 0: 25 / 1 when quick (widths 4, 16, 64, 256 only), else 60 / 3."""
    epochs = epochs or (25 if quick else 60)
    seeds = seeds or (1 if quick else 3)
    if quick:
        widths = tuple(w for w in widths if w in (4, 16, 64, 256)) or widths
    X, y = load_dataset("digits")
    X = X / 16.0

    def one_seed(s):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=len(y) - n_train,
                                                            stratify=True, seed=s)
        out = []
        for width in widths:
            model = nn.MLP([64, width, 10], activation="relu",
                           generator=np.random.default_rng([s, width]))
            opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
            history = train.fit(model, nn.functional.cross_entropy, opt, (X_train, y_train),
                                epochs=epochs, batch_size=batch_size, progress=False, seed=s)
            out.append((error_rate(model, X_train, y_train), error_rate(model, X_test, y_test),
                        history["loss"][-1]))
        return out

    runs = np.array(repeat(one_seed, seed, seeds))  # (seeds, widths, 3)
    mean, sd = mean_sd(runs)
    (train_error, test_error, loss), (train_sd, test_sd, _) = mean.T, sd.T
    return HiddenUnitsResult(
        widths=np.array(widths), n_parameters=np.array([65 * w + (w + 1) * 10 for w in widths]),
        train_error=train_error, test_error=test_error, train_loss=loss, n_train=n_train,
        epochs=epochs, train_error_sd=train_sd, test_error_sd=test_sd, seeds=seeds)


def plot(result: HiddenUnitsResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(7, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.semilogx(result.widths, result.train_error, "o-", label="training error")
    ax.semilogx(result.widths, result.test_error, "s-", label="test error")
    if result.seeds > 1:
        for m, sd, c, name in ((result.train_error, result.train_error_sd, "C0", "training"),
                               (result.test_error, result.test_error_sd, "C1", "test")):
            ax.fill_between(result.widths, m - sd, m + sd, color=c, alpha=0.2,
                            label=f"{name} ± sd over {result.seeds} seeds")
    crossing = np.interp(result.n_train, result.n_parameters, result.widths)
    ax.axvline(crossing, color="grey", ls=":", lw=1, label="#parameters = #training examples")
    ax.set_xlabel("hidden units H")
    ax.set_ylabel("misclassification rate")
    ax.set_title(f"one hidden layer, SGD without regularisation, n = {result.n_train}",
                 fontsize=10)
    ax.legend(fontsize=8)
    return fig
