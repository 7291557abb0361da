"""JAX's tutorial "Training a simple neural network", ported to deepgrad on the digits data.

    python examples/jax_tutorial.py              # 60 epochs, deepgrad.jit
    python examples/jax_tutorial.py --eager      # the same loop without jit

The tutorial's functions, line for line: parameters as a list of (W, b) pairs, ``predict`` over
a batch (``x @ W^T + b`` rows: the tutorial vmaps a per-example ``jnp.dot(W, x)``), the loss
``-mean(log_softmax * one_hot)``, an SGD ``update`` with ``grad`` and ``tree_map``, all jitted
(``deepgrad.jit`` where the tutorial writes ``jax.jit``). MNIST becomes scikit-learn's digits
(8x8 images, 1,437 training / 360 test, nothing downloaded); accuracy is computed from the
jitted ``predict``'s logits (argmax and == are not traced: they run on the returned arrays).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import deepgrad as dg
from deepgrad.tree_util import tree_map

LAYER_SIZES = [64, 512, 512, 10]
STEP_SIZE = 2.0  # the tutorial's 0.01 suits MNIST's 469 steps an epoch; digits has 11
BATCH_SIZE = 128
N_TARGETS = 10


def init_network_params(sizes, seed=0, scale=1e-2):
    """A list of (W, b) pairs, W of shape (n_out, n_in), scaled normal draws (as the tutorial)."""
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal((n, m)).astype(np.float32),
             scale * rng.standard_normal(n).astype(np.float32))
            for m, n in zip(sizes[:-1], sizes[1:])]


def predict(params, images):
    """Log-probabilities of a batch: ReLU layers, then logits - logsumexp(logits)."""
    activations = images
    for w, b in params[:-1]:
        activations = dg.relu(dg.linear(activations, w, b))
    final_w, final_b = params[-1]
    logits = dg.linear(activations, final_w, final_b)
    return logits - dg.logsumexp(logits, axis=1, keepdims=True)


def one_hot(labels, k=N_TARGETS, dtype=np.float32):
    return np.asarray(labels[:, None] == np.arange(k), dtype)


def loss(params, images, targets):
    preds = predict(params, images)
    return -dg.mean(preds * targets)


def update(params, x, y):
    """One SGD step: the gradient of the loss w.r.t. every (W, b), then p - step * dp."""
    grads = dg.grad(loss)(params, x, y)
    return tree_map(lambda p, g: p - STEP_SIZE * g, params, grads)


def accuracy(predict_fn, params, images, labels):
    """Fraction of images whose largest log-probability is their label."""
    return float(np.mean(np.argmax(np.asarray(predict_fn(params, images)), axis=1) == labels))


def digits(seed=0):
    """scikit-learn's digits, scaled to [0, 1], split 80/20 (stratified): (X, y, X_test, y_test)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        (x / 16).astype(np.float32), y, test_size=0.2, stratify=y, random_state=seed)
    return x_train, y_train, x_test, y_test


def batches(n, batch_size, epoch, seed=0):
    """The epoch's minibatch indices (a fixed permutation per epoch; full batches only)."""
    order = np.random.default_rng(seed + epoch).permutation(n)
    return [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]


def train(epochs=60, use_jit=True, seed=0, data=None):
    """The tutorial's loop: returns (params as arrays, seconds of training, test accuracy)."""
    x_train, y_train, x_test, y_test = data if data is not None else digits(seed)
    targets = one_hot(y_train)
    params = init_network_params(LAYER_SIZES, seed)
    step = dg.jit(update) if use_jit else update
    predict_fn = dg.jit(predict) if use_jit else predict
    t0 = time.perf_counter()
    for epoch in range(epochs):
        for idx in batches(len(x_train), BATCH_SIZE, epoch, seed):
            params = step(params, x_train[idx], targets[idx])
    seconds = time.perf_counter() - t0
    params = tree_map(np.asarray, params)
    return params, seconds, accuracy(predict_fn, params, x_test, y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--eager", action="store_true", help="run without deepgrad.jit")
    args = parser.parse_args(argv)
    _, seconds, acc = train(args.epochs, use_jit=not args.eager)
    print(f"{'eager' if args.eager else 'deepgrad.jit'}: {args.epochs} epochs in {seconds:.2f} s, "
          f"test accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
