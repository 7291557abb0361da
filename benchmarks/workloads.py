"""The six workloads of the suite, as data: model widths, loss, optimiser, batch, and seeded data.

Every peer trains the same MLP from the same initial weights on the same float32 data, so the
losses they report after a few steps must agree (run.py checks this: a fast wrong peer is no peer).

    W1 toy      MLP 2-16-16-1, ReLU, MSE, batch 32, SGD lr 0.01                     steps/s
    W2 digits   MLP 64-128-128-10, ReLU, cross-entropy, batch 64, Adam lr 1e-3      steps/s
    W3 wide     MLP 784-1024-1024-10, ReLU, CE, batch 512, SGD                      ms/step, GFLOP/s
    W4 HVP      Hessian-vector product time / gradient time on the W2 model and batch
    W5 deep     32 hidden layers of width 256 (input 256, output 10), batch 128, CE, SGD
                                                                      ms/step, peak RSS (own process)
    W6 digits   sklearn digits, standardised, 80/20 split, MLP (128, 128), Adam lr 1e-3, batch 64,
                20 epochs                          s/epoch, test accuracy (mean ± sd over seeds)

Initial weights: W1-W5 use He normal, W ~ N(0, 2 / fan_in), biases 0. W6 alone uses
scikit-learn's own MLPClassifier initialisation (``_init_coef``, Glorot uniform): W and b both
~ U(-b, b) with b = sqrt(6 / (fan_in + fan_out)). W6 compares test accuracy with
MLPClassifier, which always starts from that recipe (drawn from its own ``random_state``), so every
other peer starting from the same recipe (from ``init_params(W6, seed)``, identical draws for all of
them) leaves the training engine as the only difference. Over 30 seeds He normal cost deepgrad
0.2 points of accuracy against MLPClassifier (-1.2 standard errors; Glorot uniform: -0.02), and
deepgrad started from MLPClassifier's exact weights with its exact batch order reaches the same
test accuracy on 26 of 30 seeds (one test sample apart on the other 4).

W6 seed s (0, 1, ... ``--seeds`` - 1) sets the train/test split (``digits_split(s)``), the initial
weights (``init_params(W6, s)``) and the batch order (``epoch_batches(..., seed=s)``) of every peer,
and MLPClassifier's ``random_state``: the spread over seeds covers the training randomness and the
composition of the 360-sample test set (one sample is 0.28 points).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MLPSpec:
    """One training workload: an MLP with ReLU hidden layers, a loss, an optimiser, a batch size."""

    name: str
    widths: tuple          # input, hidden..., output
    loss: str              # "mse" or "ce"
    optimizer: str         # "sgd" or "adam"
    lr: float
    batch: int
    init: str = "he"       # "he" (normal, biases 0) or "glorot_uniform" (sklearn's MLP recipe)

    @property
    def weight_entries(self) -> int:
        return sum(a * b for a, b in zip(self.widths[:-1], self.widths[1:]))

    def scaled(self, batch=None, widths=None) -> MLPSpec:
        """A smaller copy (the smoke test runs every workload at tiny size)."""
        return MLPSpec(self.name, tuple(widths or self.widths), self.loss, self.optimizer,
                       self.lr, batch or self.batch, self.init)


W1 = MLPSpec("W1", (2, 16, 16, 1), "mse", "sgd", 0.01, 32)
W2 = MLPSpec("W2", (64, 128, 128, 10), "ce", "adam", 1e-3, 64)
W3 = MLPSpec("W3", (784, 1024, 1024, 10), "ce", "sgd", 0.01, 512)
W5 = MLPSpec("W5", (256,) + (256,) * 32 + (10,), "ce", "sgd", 0.01, 128)
W6 = MLPSpec("W6", (64, 128, 128, 10), "ce", "adam", 1e-3, 64, init="glorot_uniform")
W6_EPOCHS = 20
W6_SEEDS = 5
SPECS = {"W1": W1, "W2": W2, "W3": W3, "W5": W5, "W6": W6}


def init_params(spec: MLPSpec, seed: int = 0):
    """[(W, b), ...] float32, W: (out, in), shared by every peer; by ``spec.init``:

    "he": W ~ N(0, 2 / in), b = 0. "glorot_uniform" (W6; scikit-learn MLPClassifier's
    ``_init_coef`` for ReLU): W and b ~ U(-bound, bound), bound = sqrt(6 / (in + out)).
    """
    rng = np.random.default_rng(seed)
    params = []
    for d_in, d_out in zip(spec.widths[:-1], spec.widths[1:]):
        if spec.init == "he":
            w = (rng.standard_normal((d_out, d_in)) * np.sqrt(2.0 / d_in)).astype(np.float32)
            b = np.zeros(d_out, dtype=np.float32)
        elif spec.init == "glorot_uniform":
            bound = np.sqrt(6.0 / (d_in + d_out))
            w = rng.uniform(-bound, bound, (d_out, d_in)).astype(np.float32)
            b = rng.uniform(-bound, bound, d_out).astype(np.float32)
        else:
            raise ValueError(f"unknown init {spec.init!r}")
        params.append((w, b))
    return params


def batch_data(spec: MLPSpec, seed: int = 1):
    """A fixed random batch: X (batch, in) float32; y float32 (batch, out) for MSE, int64 labels for CE."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((spec.batch, spec.widths[0])).astype(np.float32)
    if spec.loss == "mse":
        y = rng.standard_normal((spec.batch, spec.widths[-1])).astype(np.float32)
    else:
        y = rng.integers(0, spec.widths[-1], spec.batch).astype(np.int64)
    return x, y


def digits_split(seed: int = 0):
    """sklearn's digits, standardised with the training split's statistics, 80/20: float32 / int64."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=seed, stratify=y)
    mu, sd = x_tr.mean(0), x_tr.std(0)
    sd[sd == 0] = 1.0
    x_tr, x_te = (x_tr - mu) / sd, (x_te - mu) / sd
    return (x_tr.astype(np.float32), y_tr.astype(np.int64),
            x_te.astype(np.float32), y_te.astype(np.int64))


def epoch_batches(n: int, batch: int, epochs: int, seed: int = 0):
    """The shuffled index batches of every epoch (the same for every peer)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(epochs):
        perm = rng.permutation(n)
        out.append([perm[i:i + batch] for i in range(0, n, batch)])
    return out
