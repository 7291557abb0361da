import numpy as np

from deepgrad import data, nn


def digits_split(seed=0):
    """Standardised digits, stratified 80/20 split."""
    X, y = data.load_dataset("digits")
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, 0.2, stratify=True, seed=seed)
    X_train, mean, std = data.standardize(X_train)
    X_test, _, _ = data.standardize(X_test, mean, std)
    return X_train, X_test, y_train, y_test


def small_problem(n=120, seed=0):
    X, y = data.load_dataset("gaussians", n_samples=n, seed=seed)
    return X, y


def same_weights(a, b):
    return all(np.array_equal(v, b.state_dict()[k]) for k, v in a.state_dict().items())


def mlp(widths=(2, 16, 3), seed=0, **kwargs):
    return nn.MLP(list(widths), generator=seed, **kwargs)
