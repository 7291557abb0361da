"""Repeat a seeded computation over seeds and summarise it: the mean and sample sd of the repeats.

The lab's seed-hungry experiments take ``seeds=N`` (``--seeds N``): the whole computation (data
split, draws of features or weights, training) runs once per seed ``seed, seed+1, ...,
seed+N-1``, and the result reports the mean over those repeats and their sample standard
deviation (ddof=1, as ``deepgrad sweep show``; 0 for a single seed), drawn as a band. Running
``deepgrad sweep run lab:NAME --grid seeds=1 --seeds N`` instead spreads the same repeats over a
cluster, with each repeat's scalar numbers in the sweep's SQLite file.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


def seed_range(seed: int, seeds: int) -> list[int]:
    """[seed, ..., seed + seeds - 1]; ValueError naming ``seeds`` unless it is a positive int."""
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise ValueError(f"seeds must be a positive int (the number of repeats), got {seeds!r}")
    return list(range(seed, seed + int(seeds)))


def repeat(fn: Callable[[int], Any], seed: int, seeds: int) -> list:
    """[fn(s) for s in seed_range(seed, seeds)]: one repeat per seed, in order."""
    return [fn(s) for s in seed_range(seed, seeds)]


def mean_sd(values) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample sd (ddof=1; zeros for one repeat) over the first axis of ``values``."""
    a = np.asarray(values, dtype=np.float64)
    sd = a.std(axis=0, ddof=1) if len(a) > 1 else np.zeros_like(a[0])
    return a.mean(axis=0), sd
