"""Data augmentation with shifted digits: test error against augmentation strength.

Lecture: Lawrence, "Generalization and neural networks" ("data augmentation, dropout, weight
decay" as regularisers). Papers: Simard, Steinkraus & Platt (2003), "Best practices for
convolutional neural networks applied to visual document analysis"; LeCun et al. (1998),
"Gradient-based learning applied to document recognition" (distorted training digits).

scikit-learn's 8x8 digits (bundled, nothing downloaded): a small training set (quick: 200) and a
test set that is seen twice, as is and with every digit shifted by a random integer (dy, dx) with
|dy|, |dx| <= 1 (one pixel of eight). An MLP (64-64-10, ReLU, Adam) is trained on the training
digits plus `copies` shifted copies of each, shifts drawn uniformly in [-s, s]^2, for
augmentation strength s = 0 (none), 1, 2, for the same number of epochs over the (larger)
augmented set. The shift operator (`shift`, integer pixels, zeros shifted in) is checked against
scipy.ndimage.shift(order=0, mode="constant"). With s = 1 the error on shifted test digits falls
sharply while the error on centred ones stays about the same; s = 2 overshoots the test shifts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from deepgrad import nn, optim
from deepgrad.train import fit


@dataclass
class AugmentationResult:
    strengths: np.ndarray      # max shift s in pixels
    test_error: np.ndarray     # error on the centred test digits, per s
    shifted_test_error: np.ndarray  # error on test digits shifted by up to 1 pixel, per s
    n_train: int
    n_test: int
    copies: int
    epochs: int


def shift(images, dy, dx):
    """Images (n, h, w) moved down by dy and right by dx whole pixels, zeros shifted in."""
    out = np.zeros_like(images)
    h, w = images.shape[1:]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        images[:, max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def random_shifts(images, s, rng):
    """Each image shifted by its own (dy, dx) drawn uniformly from {-s..s}^2."""
    out = np.empty_like(images)
    d = rng.integers(-s, s + 1, size=(len(images), 2))
    for i, (dy, dx) in enumerate(d):
        out[i] = shift(images[i:i + 1], int(dy), int(dx))[0]
    return out


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.images / 16.0).astype(np.float32), d.target


def train_and_test(train_images, train_labels, tests, epochs, seed):
    """Fit an MLP on the images; return its error on each (images, labels) in tests."""
    import deepgrad as dg

    dg.manual_seed(seed)
    net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    fit(net, nn.functional.cross_entropy, optim.Adam(net.parameters(), lr=0.01),
        (train_images.reshape(len(train_images), -1), train_labels), epochs=epochs,
        batch_size=32, progress=False, seed=seed)
    with dg.no_grad():
        return [float(np.mean(net(dg.tensor(X.reshape(len(X), -1))).data.argmax(1) != y))
                for X, y in tests]


def run(*, quick: bool = False, seed: int = 0, n_train: int = 0, copies: int = 4,
        strengths: tuple = (0, 1, 2), epochs: int = 0) -> AugmentationResult:
    """n_train = 0: 200 when quick, 500 else; epochs = 0: 8 / 20 (each over the whole augmented set)."""
    n_train = n_train or (200 if quick else 500)
    epochs = epochs or (8 if quick else 20)
    images, labels = digits()
    order = np.random.default_rng(seed).permutation(len(images))
    tr, te = order[:n_train], order[n_train:]
    test_shifted = random_shifts(images[te], 1, np.random.default_rng(seed + 1))
    err, err_shifted = [], []
    for s in strengths:
        rng = np.random.default_rng(seed + 2)
        X = [images[tr]] + ([random_shifts(images[tr], s, rng) for _ in range(copies)] if s else [])
        X = np.concatenate(X)
        y = np.tile(labels[tr], len(X) // n_train)
        e, e_shift = train_and_test(X, y, [(images[te], labels[te]),
                                           (test_shifted, labels[te])], epochs, seed)
        err.append(e)
        err_shifted.append(e_shift)
    return AugmentationResult(
        strengths=np.array(strengths), test_error=np.array(err),
        shifted_test_error=np.array(err_shifted), n_train=n_train, n_test=len(te), copies=copies,
        epochs=epochs)


def plot(result: AugmentationResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    ax.plot(result.strengths, result.test_error, "o-", label="centred test digits")
    ax.plot(result.strengths, result.shifted_test_error, "s-",
            label="test digits shifted by up to 1 pixel")
    ax.set_xticks(result.strengths)
    ax.set(xlabel="augmentation strength: max training shift s (pixels)", ylabel="test error",
           title=f"shift augmentation, {result.n_train} training digits + {result.copies} copies")
    ax.legend(fontsize=8)
    return fig
