"""standardize: rescale each feature to zero mean and unit variance, z = (x - mean) / std."""

import numpy as np

from deepgrad.data.validate import as_float_array


def standardize(X, mean=None, std=None):
    """Return (Z, mean, std) with Z = (X - mean) / std per column.

    mean and std default to the column statistics of X (compute them on the training set and pass
    them again for the test set). A constant column (std = 0) gets std 1, so it maps to 0. The
    statistics are accumulated in float64: float32 sums of squares overflow beyond about 1e19.
    """
    X = as_float_array(X)
    mean = X.mean(axis=0, dtype=np.float64).astype(X.dtype) if mean is None else \
        np.asarray(mean, dtype=X.dtype)
    if std is None:
        std = X.std(axis=0, dtype=np.float64)
        std = np.where(std > 0, std, 1).astype(X.dtype)
    std = np.asarray(std, dtype=X.dtype)
    if mean.shape != X.shape[1:] or std.shape != X.shape[1:]:
        raise ValueError(f"standardize: X has {X.shape[1:]} features per row but mean has shape "
                         f"{mean.shape} and std {std.shape}")
    return (X - mean) / std, mean, std
