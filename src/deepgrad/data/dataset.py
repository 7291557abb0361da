"""The Dataset protocol, TensorDataset and random_split (as torch.utils.data).

A dataset is anything with ``__len__`` and ``__getitem__(i)`` returning one sample; subclassing
``Dataset`` is optional. ``TensorDataset(X, y)`` holds whole arrays, which DataLoader batches by
slicing (its fast path) instead of collating one sample at a time.
"""

import numpy as np

from deepgrad.engine.tensor import Tensor
from deepgrad.random import get_generator


def _array(value):
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


class Dataset:
    """Base class for map-style datasets: define __len__ and __getitem__(index) -> sample."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} does not define __len__")


class TensorDataset(Dataset):
    """Sample i is (t[i] for t in tensors); every tensor must have the same first dimension."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        self.arrays = [_array(t) for t in tensors]
        n = len(self.arrays[0])
        for i, a in enumerate(self.arrays):
            if len(a) != n:
                raise ValueError(f"TensorDataset: tensor {i} has {len(a)} rows, tensor 0 has {n}")

    @property
    def tensors(self):
        return tuple(Tensor(a) for a in self.arrays)

    def __getitem__(self, index):
        return tuple(Tensor(a[index]) for a in self.arrays)

    def __len__(self):
        return len(self.arrays[0])


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping Subsets of the given lengths (or fractions summing to 1; the
    remainder goes round-robin from the first, as torch). generator: a Generator or a seed."""
    n = len(dataset)
    lengths = list(lengths)
    if all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1) < 1e-9:
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {lengths} do not add up to the dataset's "
                         f"{n} samples")
    order = get_generator(generator).permutation(n)
    cuts = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]
