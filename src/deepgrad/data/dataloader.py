"""DataLoader: minibatches from a Dataset (as torch.utils.data.DataLoader), with a fast path that
slices whole arrays."""

import math

import numpy as np

from deepgrad.data.dataset import TensorDataset
from deepgrad.data.validate import check_arrays
from deepgrad.engine.tensor import Tensor
from deepgrad.random import get_generator


def default_collate(samples):
    """Stack a list of samples into a batch, as torch's: tuples batch field by field, dicts key
    by key; Tensors and arrays stack (keeping their dtype), Python ints become int64 and floats
    the default float dtype."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return [default_collate([s[i] for s in samples]) for i in range(len(first))]
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    return Tensor(np.stack([s.data if isinstance(s, Tensor) else np.asarray(s)
                            for s in samples]))


class DataLoader:
    """Iterate over minibatches of `dataset`, `batch_size` samples at a time (PyTorch's defaults:
    batch_size=1, shuffle=False, drop_last=False).

    dataset: any object with __len__ and __getitem__ (samples are collated by `collate_fn`,
    default `default_collate`), a TensorDataset, or an (X, y) pair of arrays. The last two take
    the fast path: each pass applies one permutation to the whole arrays and yields slices, no
    per-sample Python; an (X, y) pair is validated (finite X, matching rows) and X becomes the
    default float dtype. With shuffle, each pass draws a fresh permutation from `generator` (a
    numpy Generator or an int seed; None: the global one, reseeded by `deepgrad.manual_seed`).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None,
                 generator=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if isinstance(dataset, tuple) and len(dataset) == 2:
            dataset = TensorDataset(*check_arrays(*dataset))
        self.dataset = dataset
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self.collate_fn = collate_fn
        self.generator = None if generator is None else get_generator(generator)
        self._fast = isinstance(dataset, TensorDataset) and collate_fn is None

    @property
    def X(self):
        """The inputs array of a fast-path (X, y) loader (used by train.fit)."""
        return self.dataset.arrays[0] if self._fast else None

    @property
    def y(self):
        """The targets array of a fast-path (X, y) loader (used by train.fit)."""
        return self.dataset.arrays[-1] if self._fast else None

    def __len__(self):
        n = len(self.dataset) / self.batch_size
        return math.floor(n) if self.drop_last else math.ceil(n)

    def __iter__(self):
        n = len(self.dataset)
        order = (self.generator or get_generator()).permutation(n) if self.shuffle else None
        if self._fast:
            arrays = self.dataset.arrays
            if order is not None:
                arrays = [a[order] for a in arrays]
            for i in range(len(self)):
                s = slice(i * self.batch_size, (i + 1) * self.batch_size)
                yield [Tensor(a[s]) for a in arrays]
            return
        collate = self.collate_fn or default_collate
        indices = np.arange(n) if order is None else order
        for i in range(len(self)):
            batch = indices[i * self.batch_size:(i + 1) * self.batch_size]
            yield collate([self.dataset[int(j)] for j in batch])

    def __repr__(self):
        return (f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")
