"""scikit-learn's MLPClassifier (W6 only): Adam, batch 64, a fixed number of epochs."""

from __future__ import annotations

import time
import warnings


def unavailable():
    return None


def train_digits(x_tr, y_tr, x_te, y_te, epochs, batch, lr, seed=0):
    """(seconds per epoch, test accuracy)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=(128, 128), activation="relu", solver="adam",
                        batch_size=batch, learning_rate_init=lr, max_iter=epochs, shuffle=True,
                        random_state=seed, tol=0.0, n_iter_no_change=epochs + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        clf.fit(x_tr, y_tr)
        dt = time.perf_counter() - t0
    return dt / clf.n_iter_, float((clf.predict(x_te) == y_te).mean())
