"""DataLoader: minibatches of (X, y) by slicing arrays, reshuffled every epoch."""

import math

import numpy as np

from deepgrad.data.validate import check_arrays
from deepgrad.engine.tensor import Tensor
from deepgrad.random import get_generator


class DataLoader:
    """Iterate over (X[b], y[b]) minibatches as Tensors, `batch_size` rows at a time.

    With shuffle, each pass draws a fresh permutation, applies it once to the whole arrays, and
    yields contiguous slices (no per-item Python). seed=None draws from the global generator
    (`deepgrad.manual_seed`); an int seed makes the sequence of epochs reproducible on its own.
    X becomes the default float dtype (float32); integer y stays int64 (class labels).
    """

    def __init__(self, X, y, batch_size=32, shuffle=True, seed=None, drop_last=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.X, self.y = check_arrays(X, y)
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self.seed = seed
        self._generator = None if seed is None else get_generator(seed)

    def __len__(self):
        n = len(self.X) / self.batch_size
        return math.floor(n) if self.drop_last else math.ceil(n)

    def __iter__(self):
        X, y = self.X, self.y
        if self.shuffle:
            order = (self._generator or get_generator()).permutation(len(X))
            X, y = X[order], y[order]
        for i in range(len(self)):
            s = slice(i * self.batch_size, (i + 1) * self.batch_size)
            yield Tensor(X[s]), Tensor(y[s])

    def __repr__(self):
        return (f"DataLoader({len(self.X)} rows, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
