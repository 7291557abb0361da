"""load_dataset: shapes, dtypes, determinism, and clear errors."""

import numpy as np
import pytest
from sklearn import datasets as skd

from deepgrad.data import DATASETS, load_dataset

SHAPES = {"digits": ((1797, 64), 10), "iris": ((150, 4), 3), "wine": ((178, 13), 3),
          "breast_cancer": ((569, 30), 2), "moons": ((500, 2), 2), "circles": ((500, 2), 2),
          "xor": ((500, 2), 2), "spirals": ((500, 2), 2), "gaussians": ((500, 2), 3)}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_classification_datasets(name):
    X, y = load_dataset(name)
    shape, classes = SHAPES[name]
    assert X.shape == shape and X.dtype == np.float32
    assert y.shape == (shape[0],) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(classes))


def test_bundled_data_is_scikit_learns():
    X, y = load_dataset("digits")
    ref = skd.load_digits()
    np.testing.assert_array_equal(X, ref.data)
    np.testing.assert_array_equal(y, ref.target)


@pytest.mark.parametrize("name,n", [("diabetes", 442), ("sine", 500)])
def test_regression_targets_are_float_columns(name, n):
    X, y = load_dataset(name)
    assert X.dtype == np.float32 and y.dtype == np.float32 and y.shape == (n, 1)


def test_sine_is_sine_plus_noise():
    X, y = load_dataset("sine", n_samples=2000, noise=0.1, seed=3)
    residual = y - np.sin(X)
    assert abs(residual.std() - 0.1) < 0.01 and abs(residual.mean()) < 0.01


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = load_dataset("xor", n_samples=300, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(np.int64))


@pytest.mark.parametrize("name", ["moons", "spirals", "gaussians", "sine"])
def test_generated_datasets_are_seeded(name):
    a = load_dataset(name, n_samples=50, seed=1)
    b = load_dataset(name, n_samples=50, seed=1)
    c = load_dataset(name, n_samples=50, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    assert len(a[0]) == 50


def test_mnist1d_is_generated_not_downloaded(tmp_path, monkeypatch):
    pytest.importorskip("mnist1d")
    monkeypatch.chdir(tmp_path)  # the package's cache file would land here if it were used
    before = np.random.get_state()[1].copy()
    X, y = load_dataset("mnist1d", n_samples=200)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    assert X.shape == (200, 40) and X.dtype == np.float32
    assert set(np.unique(y)) == set(range(10))
    assert list(tmp_path.iterdir()) == []


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="known datasets: .*digits.*moons"):
        load_dataset("mnist")
    assert "digits" in DATASETS and "mnist1d" in DATASETS


@pytest.mark.parametrize("kwargs,message", [
    (dict(name="moons", n_samples=0), "n_samples"),
    (dict(name="moons", noise=-1.0), "noise"),
    (dict(name="digits", n_samples=10), "does not take n_samples"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_dataset(**kwargs)
