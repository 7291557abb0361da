"""Checks on (X, y) arrays shared by DataLoader, fit and the loaders: clear errors for bad data."""

import numpy as np

from deepgrad.engine.tensor import Tensor, get_default_dtype


def as_float_array(X, name="X"):
    """X as an array of deepgrad's default float dtype (float32), rows first."""
    X = np.asarray(X.data if isinstance(X, Tensor) else X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {X.dtype}")
    if X.ndim == 0:
        raise ValueError(f"{name} must have a row dimension, got a scalar")
    return X.astype(get_default_dtype(), copy=False)


def as_target_array(y, name="y"):
    """y as int64 (class labels) if it is integer or bool, else as the default float dtype."""
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if y.dtype.kind in "biu":
        return y.astype(np.int64, copy=False)
    if y.dtype.kind != "f":
        raise TypeError(f"{name} must hold numbers, got dtype {y.dtype}")
    return y.astype(get_default_dtype(), copy=False)


def check_finite(a, name):
    """Raise ValueError listing the rows of `a` that hold NaN or inf."""
    if a.dtype.kind == "f":
        bad = ~np.isfinite(a.reshape(len(a), -1)).all(axis=1)
        if bad.any():
            rows = np.flatnonzero(bad)
            shown = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
            raise ValueError(f"{name} contains NaN or inf in {len(rows)} row(s): {shown}")


def check_arrays(X, y):
    """(X, y) as arrays: X float, y int64 or float; non-empty, same length, finite."""
    X, y = as_float_array(X, "X"), as_target_array(y, "y")
    if len(X) == 0:
        raise ValueError("X is empty (0 rows): there is nothing to train or evaluate on")
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y) if y.ndim else 0}; "
                         "they must have one label per row")
    check_finite(X, "X")
    check_finite(y, "y")
    return X, y
