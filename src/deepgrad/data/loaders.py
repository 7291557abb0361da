"""File loaders: CSV with a header row, and NPZ (read with allow_pickle=False)."""

import csv
import warnings

import numpy as np


def load_csv(path, target=None, delimiter=","):
    """Read a numeric CSV whose first row names the columns.

    Returns (X, y, feature_names): X float32 (rows, features) from every column but `target`;
    y from the `target` column, int64 if every value is a whole number (class labels) else
    float32 of shape (rows, 1); y is None when target is None. Refused with the column named:
    duplicate names, NaN or inf, values whose float32 standardisation (x - mean) / std would
    overflow, whole-number targets beyond int64, and a target with no feature column beside it.
    """
    with open(path, newline="") as f:
        header = next(csv.reader(f, delimiter=delimiter), None)
    if not header:
        raise ValueError(f"{path}: empty file; expected a header row naming the columns")
    header = [name.strip() for name in header]
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise ValueError(f"{path}: duplicate column name(s) {', '.join(map(repr, duplicates))}; "
                         "every column needs its own name")
    if target is not None and target not in header:
        raise ValueError(f"{path}: no target column {target!r}; the columns are: "
                         f"{', '.join(header)}")
    try:
        with warnings.catch_warnings():  # an empty body is reported below, not warned about
            warnings.simplefilter("ignore", UserWarning)
            table = np.loadtxt(path, delimiter=delimiter, skiprows=1, ndmin=2, dtype=np.float64)
    except ValueError as error:
        raise ValueError(f"{path}: every value after the header must be a number ({error})") \
            from None
    if table.size == 0:
        raise ValueError(f"{path}: no data rows after the header")
    if table.shape[1] != len(header):
        raise ValueError(f"{path}: the header names {len(header)} columns but the rows have "
                         f"{table.shape[1]}")
    features = [name for name in header if name != target]
    if target is not None and not features:
        raise ValueError(f"{path}: the only column is the target {target!r}; there are no "
                         "feature columns to predict it from")
    for name, column in zip(header, table.T):
        _check_column(path, name, column)
    X = table[:, [header.index(name) for name in features]].astype(np.float32)
    if target is None:
        return X, None, features
    y = table[:, header.index(target)]
    if np.all(y == np.round(y)):
        if np.abs(y).max() >= 2.0**63:
            raise ValueError(f"{path}: target column {target!r} holds whole numbers beyond the "
                             f"int64 range of class labels (up to {np.abs(y).max():.3g}); for "
                             "regression, rescale the column")
        return X, y.astype(np.int64), features
    return X, y.astype(np.float32).reshape(-1, 1), features


FLOAT32_MAX = float(np.finfo(np.float32).max)


def _check_column(path, name, column):
    """Refuse a column (float64 values) that float32 cannot hold or standardise."""
    if not np.isfinite(column).all():
        rows = np.flatnonzero(~np.isfinite(column))
        raise ValueError(f"{path}: column {name!r} holds NaN or inf (data row {rows[0] + 1})")
    deviation = np.abs(column - column.mean()).max()
    if np.abs(column).max() > FLOAT32_MAX or deviation > FLOAT32_MAX:
        raise ValueError(f"{path}: column {name!r} holds values (up to {np.abs(column).max():.3g},"
                         f" {deviation:.3g} from its mean) whose float32 standardisation "
                         f"(x - mean) / std overflows (float32 ends at {FLOAT32_MAX:.3g}); "
                         "rescale the column")


def save_csv(path, X, y=None, feature_names=None, target="target"):
    """Write X (and y as a last column named `target`) with a header row."""
    X = np.asarray(X)
    names = list(feature_names) if feature_names else [f"x{i}" for i in range(X.shape[1])]
    table = X if y is None else np.column_stack([X, np.asarray(y).reshape(len(X), -1)])
    names = names if y is None else names + [target]
    fmt = "%.9g" if y is None or np.asarray(y).dtype.kind == "f" else \
        ["%.9g"] * X.shape[1] + ["%d"]
    np.savetxt(path, table, delimiter=",", header=",".join(names), comments="", fmt=fmt)


def load_npz(path, x_key="X", y_key="y"):
    """Return (X, y) from arrays `x_key` and `y_key` of an .npz file (y None if absent)."""
    with np.load(path, allow_pickle=False) as archive:
        if x_key not in archive:
            raise KeyError(f"{path}: no array {x_key!r}; the file holds: "
                           f"{', '.join(archive.files)}")
        y = archive[y_key] if y_key in archive else None
        return archive[x_key], y
