"""Generated toy datasets (seeded, no files): the 2-D classification problems and a 1-D regression
used in the lectures to draw decision boundaries and fitted curves."""

import numpy as np
from sklearn import datasets as skd


def moons(n_samples, noise, rng):
    """Two interleaving half circles; X (n, 2), y in {0, 1}."""
    return skd.make_moons(n_samples, noise=noise, random_state=_state(rng))


def circles(n_samples, noise, rng):
    """A circle inside a circle of twice the radius; X (n, 2), y in {0, 1} (1 = inner)."""
    return skd.make_circles(n_samples, noise=noise, factor=0.5, random_state=_state(rng))


def xor(n_samples, noise, rng):
    """Uniform points in [-1, 1]^2 labelled by the sign of x0 * x1 (1 = same sign), then
    Gaussian noise of std `noise` added to X: the problem a single perceptron cannot solve."""
    X = rng.uniform(-1, 1, size=(n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return X + noise * rng.standard_normal(X.shape), y


def spirals(n_samples, noise, rng):
    """Two interleaved spirals (Lang and Witbrock, 1988), 1.5 turns each; X (n, 2) scaled to
    about [-1, 1], noise is the std of Gaussian jitter; y in {0, 1}."""
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.05, 1, size=n_samples)
    angle = 3 * np.pi * t + np.pi * y
    X = np.stack([t * np.cos(angle), t * np.sin(angle)], axis=1)
    return X + noise * rng.standard_normal(X.shape), y


def gaussians(n_samples, noise, rng):
    """Three isotropic Gaussian blobs in 2-D with centres in [-5, 5]^2, std `noise`; y in
    {0, 1, 2}."""
    return skd.make_blobs(n_samples, centers=3, cluster_std=noise, random_state=_state(rng))


def sine(n_samples, noise, rng):
    """Regression: x uniform in [-pi, pi], y = sin(x) + noise * N(0, 1); X (n, 1), y (n, 1)."""
    x = rng.uniform(-np.pi, np.pi, size=(n_samples, 1))
    return x, np.sin(x) + noise * rng.standard_normal(x.shape)


def _state(rng):
    return int(rng.integers(2**31 - 1))
