"""scikit-learn's MLPClassifier (W6 only): Adam, batch 64, a fixed number of epochs.

Otherwise at its defaults, as a user would run it: its own Glorot-uniform initialisation from
``random_state`` (W6 gives the other peers the same recipe), Adam's betas and epsilon, and its L2
penalty alpha=1e-4 (added to the summed gradient before dividing by the batch size: with alpha=0
its W6 test accuracies were identical on 10 of 10 seeds). tol=0 and n_iter_no_change > epochs only
keep it from stopping early, so it trains exactly ``epochs`` epochs like every other peer.
"""

from __future__ import annotations

import time
import warnings


def unavailable():
    return None


def train_digits(x_tr, y_tr, x_te, y_te, epochs, batch, lr, seed=0):
    """(seconds per epoch, test accuracy); ``seed`` is MLPClassifier's ``random_state``."""
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
