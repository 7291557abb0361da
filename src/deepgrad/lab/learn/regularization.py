"""Regularisation on a small noisy dataset: early stopping, L2 / weight decay, L1 and dropout.

Lecture topic: regularisation (Lawrence, practical optimisation notes: "data augmentation,
dropout, weight decay; early stopping"; UBC CPSC 440 review, training tricks and "hidden"
regularisation; Louppe, lecture 2, under- and over-fitting). Papers: Srivastava, Hinton,
Krizhevsky, Sutskever & Salakhutdinov (2014), "Dropout"; Krogh & Hertz (1992), "A simple weight
decay can improve generalization"; Prechelt (1998), "Early stopping - but when?"; Tibshirani
(1996), the lasso (L1).

An MLP 64 -> H -> H -> 10 (ReLU, He init) far larger than needed is trained with minibatch SGD
(momentum 0.9) on n digits of which a fraction `label_noise` carry a random wrong label, so
fitting the training set means memorising noise. Variants, each with its test-error curve:

    none           cross-entropy only: the test error rises as the noise is memorised
    early stopping the "none" run read at the epoch of least validation loss (a clean split)
    L2             weight decay: SGD adds lambda_2 w to every gradient (lambda_2 / 2 ||w||^2)
    L1             cross-entropy + lambda_1 sum |w| (its subgradient, by deepgrad's autodiff)
    dropout        Dropout(p) after each hidden layer (inverted: no rescaling at test time)

`test_error` holds each variant's test error at the end of training, averaged over the last
tenth of the epochs since SGD's curves are noisy (early stopping: at its chosen epoch), and
`best_epoch` the early-stopping epoch.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np

from deepgrad import nn, optim, train
from deepgrad.data import load_dataset
from deepgrad.data.split import train_test_split

VARIANTS = ("none", "L2", "L1", "dropout")


@dataclass
class RegularizationResult:
    epochs: np.ndarray
    test_curves: dict        # variant -> test error per epoch
    train_curves: dict       # variant -> training error (on the noisy labels) per epoch
    val_loss: np.ndarray     # validation loss of the "none" run per epoch
    best_epoch: int          # early stopping: epoch of least validation loss
    test_error: dict         # variant (and "early stopping") -> test error at the end
    label_noise: float
    n_train: int


class RecordErrors(train.Callback):
    """Records training and test misclassification rates after every epoch."""

    def __init__(self, train_set, test_set):
        self.sets, self.errors = (train_set, test_set), []

    def on_epoch_end(self, model, epoch, logs):
        self.errors.append([np.mean(train.predict(model, X).argmax(axis=1) != y)
                            for X, y in self.sets])
        return False


def build(variant, width, dropout, generator):
    if variant != "dropout":
        return nn.MLP([64, width, width, 10], activation="relu", generator=generator)
    layers = []
    for d_in in (64, width):
        layers += [nn.init.init_linear_(nn.Linear(d_in, width), "he", "relu", generator),
                   nn.ReLU(), nn.Dropout(dropout, generator=generator)]
    layers.append(nn.init.init_linear_(nn.Linear(width, 10), "he", None, generator))
    return nn.Sequential(*layers)


def run(*, quick: bool = False, seed: int = 0, n_train: int = 300, n_val: int = 300,
        label_noise: float = 0.3, width: int = 0, epochs: int = 0, lr: float = 0.05,
        batch_size: int = 32, weight_decay: float = 0.02, l1: float = 2e-3,
        dropout: float = 0.5) -> RegularizationResult:
    """width / epochs = 0: 128 / 30 when quick, else 256 / 100."""
    width = width or (128 if quick else 256)
    epochs = epochs or (30 if quick else 100)
    rng = np.random.default_rng(seed)
    X, y = load_dataset("digits")
    X = X / 16.0
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=len(y) - n_train - n_val,
                                                      stratify=True, seed=seed)
    X_train, X_val, y_train, y_val = X_rest[:n_train], X_rest[n_train:], y_rest[:n_train], \
        y_rest[n_train:]
    noisy = rng.uniform(size=n_train) < label_noise
    y_train = y_train.copy()
    y_train[noisy] = (y_train[noisy] + rng.integers(1, 10, noisy.sum())) % 10   # a wrong label
    test_curves, train_curves, final = {}, {}, {}
    for variant in VARIANTS:
        model = build(variant, width, dropout, np.random.default_rng([seed, 1]))
        params = list(model.parameters())
        opt = optim.SGD(params, lr=lr, momentum=0.9,
                        weight_decay=weight_decay if variant == "L2" else 0.0)
        if variant == "L1":
            def loss(out, target, params=params):
                return nn.functional.cross_entropy(out, target) + l1 * nn.functional.l1_penalty(
                    params)
        else:
            loss = nn.functional.cross_entropy
        record = RecordErrors((X_train, y_train), (X_test, y_test))
        history = train.fit(model, loss, opt, (X_train, y_train), val=(X_val, y_val),
                            epochs=epochs, batch_size=batch_size, callbacks=(record,),
                            progress=False, seed=seed)
        errors = np.array(record.errors)
        train_curves[variant], test_curves[variant] = errors[:, 0], errors[:, 1]
        final[variant] = float(errors[-max(1, epochs // 10):, 1].mean())
        if variant == "none":
            val_loss = np.array(history["val_loss"])
    best = int(np.argmin(val_loss)) + 1
    final["early stopping"] = float(test_curves["none"][best - 1])
    return RegularizationResult(
        epochs=np.arange(1, epochs + 1), test_curves=test_curves, train_curves=train_curves,
        val_loss=val_loss, best_epoch=best, test_error=final, label_noise=label_noise,
        n_train=n_train)


def plot(result: RegularizationResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(14, 4.5), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    for k, variant in enumerate(VARIANTS):
        ax1.plot(result.epochs, result.test_curves[variant], "-", color=f"C{k}",
                 label=f"{variant}: test")
        ax1.plot(result.epochs, result.train_curves[variant], ":", color=f"C{k}", lw=1)
    ax1.axvline(result.best_epoch, color="k", ls="--", lw=1, label="early stopping (best val)")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("misclassification rate (dotted: noisy training labels)")
    ax1.set_title(f"n = {result.n_train}, {100 * result.label_noise:.0f}% wrong labels",
                  fontsize=10)
    ax1.legend(fontsize=8)
    names = list(result.test_error)
    ax2.barh(names, [result.test_error[n] for n in names], color=[f"C{k}" for k in range(5)])
    ax2.set_xlabel("test error, mean of the last tenth of the epochs")
    ax2.set_ylabel("regulariser")
    ax2.set_title("test error at the end of training", fontsize=10)
    return fig
