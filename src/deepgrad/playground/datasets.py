"""The playground's 2-D datasets, by TensorFlow Playground's definitions (points in [-6, 6]^2).

Classification (labels 0 / 1): circle, xor, gauss, spiral; regression (targets in [-1, 1]): plane,
gauss_regression. ``noise`` is a fraction in [0, 0.5] as on the page; every draw comes from the
given ``np.random.Generator``, so a seed replays the same points.
"""

import numpy as np

CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "gauss_regression")
DATASETS = CLASSIFICATION + REGRESSION
BOX = 6.0  # the heatmap shows [-BOX, BOX]^2


def _circle(n, noise, rng):
    radius = 5.0
    half = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    noisy = points + rng.uniform(-radius, radius, (n, 2)) * noise
    return points, (np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5).astype(np.float64)


def _xor(n, noise, rng):
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)  # a gap along the axes
    noisy = points + rng.uniform(-5, 5, (n, 2)) * noise
    return points, (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.float64)


def _gauss(n, noise, rng):
    variance = 0.5 + 3.5 * noise / 0.5  # noise 0 -> 0.5, noise 0.5 -> 4
    half = n // 2
    positive = rng.normal(2.0, np.sqrt(variance), (half, 2))
    negative = rng.normal(-2.0, np.sqrt(variance), (n - half, 2))
    return np.concatenate([positive, negative]), np.r_[np.ones(half), np.zeros(n - half)]


def _spiral(n, noise, rng):
    half = n // 2
    arms = []
    for count, turn, label in ((half, 0.0, 1.0), (n - half, np.pi, 0.0)):
        i = np.arange(count) / count
        r, t = i * 5, 1.75 * i * 2 * np.pi + turn
        xy = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (count, 2)) * noise
        arms.append((xy, np.full(count, label)))
    return np.concatenate([a[0] for a in arms]), np.concatenate([a[1] for a in arms])


def _plane(n, noise, rng):
    points = rng.uniform(-BOX, BOX, (n, 2))
    noisy = points + rng.uniform(-BOX, BOX, (n, 2)) * noise
    return points, (noisy[:, 0] + noisy[:, 1]) / 10


def _gauss_regression(n, noise, rng):
    centres = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1],
                        [4, -2.5, -1]])
    points = rng.uniform(-BOX, BOX, (n, 2))
    noisy = points + rng.uniform(-BOX, BOX, (n, 2)) * noise
    distance = np.hypot(noisy[:, None, 0] - centres[:, 0], noisy[:, None, 1] - centres[:, 1])
    bumps = centres[:, 2] * np.clip(1 - distance / 2, 0, 1)  # each bump falls from 1 to 0 by distance 2
    strongest = np.abs(bumps).argmax(axis=1)
    return points, bumps[np.arange(n), strongest]


_MAKERS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "plane": _plane,
           "gauss_regression": _gauss_regression}


def make(name, n_samples, noise, rng):
    """(points (n, 2) float64, targets (n,) float64) of dataset `name`."""
    if name not in _MAKERS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {name!r}")
    return _MAKERS[name](int(n_samples), float(noise), rng)
