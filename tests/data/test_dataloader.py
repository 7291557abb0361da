"""DataLoader: every row once per epoch, reproducible shuffling, and clear errors."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.data import DataLoader


def data(n=10):
    X = np.arange(n * 3, dtype=np.float64).reshape(n, 3)
    return X, np.arange(n)


@pytest.mark.parametrize("drop_last,sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_batches_cover_the_rows_once(drop_last, sizes):
    X, y = data()
    loader = DataLoader((X, y), batch_size=4, shuffle=True, generator=0, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes) and [len(b[1]) for b in batches] == sizes
    xb, yb = batches[0]
    assert isinstance(xb, dg.Tensor) and xb.dtype == np.float32 and yb.dtype == np.int64
    seen = np.concatenate([b[1].numpy() for b in batches])
    if not drop_last:
        assert sorted(seen) == list(range(10))
    for xb, yb in batches:  # rows stay paired with their labels
        np.testing.assert_array_equal(xb.numpy(), X[yb.numpy()].astype(np.float32))


def test_shuffle_is_seeded_and_differs_between_epochs():
    X, y = data(50)
    a, b = DataLoader((X, y), 50, True, generator=3), DataLoader((X, y), 50, True, generator=3)
    first, second = next(iter(a))[1].numpy(), next(iter(a))[1].numpy()
    np.testing.assert_array_equal(first, next(iter(b))[1].numpy())
    assert not np.array_equal(first, second)


def test_global_seed_controls_unseeded_loaders():
    X, y = data(50)
    dg_random = __import__("deepgrad.random", fromlist=["manual_seed"])
    dg_random.manual_seed(7)
    a = next(iter(DataLoader((X, y), 50, shuffle=True)))[1].numpy()
    dg_random.manual_seed(7)
    b = next(iter(DataLoader((X, y), 50, shuffle=True)))[1].numpy()
    np.testing.assert_array_equal(a, b)


def test_no_shuffle_keeps_order():
    X, y = data()
    np.testing.assert_array_equal(next(iter(DataLoader((X, y), 10)))[1].numpy(), y)


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(batch_size=-2), ValueError, "batch_size"),
    (dict(batch_size=2.5), ValueError, "batch_size"),
])
def test_bad_batch_size(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(data(), **kwargs)


def test_bad_data_is_named():
    X, y = data()
    with pytest.raises(ValueError, match="empty"):
        DataLoader((X[:0], y[:0]))
    with pytest.raises(ValueError, match="10 rows but y has 9"):
        DataLoader((X, y[:9]))
    X[[2, 7], 1] = [np.nan, np.inf]
    with pytest.raises(ValueError, match="NaN or inf in 2 row.*2, 7"):
        DataLoader((X, y))
