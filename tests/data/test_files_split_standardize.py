"""CSV/NPZ loaders, train_test_split and standardize."""

import numpy as np
import pytest

from deepgrad.data import load_csv, load_dataset, load_npz, save_csv, standardize, train_test_split


def test_csv_round_trip_with_integer_target(tmp_path):
    X, y = load_dataset("iris")
    path = tmp_path / "iris.csv"
    save_csv(path, X, y, ["a", "b", "c", "d"], target="species")
    X2, y2, names = load_csv(path, target="species")
    assert names == ["a", "b", "c", "d"] and y2.dtype == np.int64
    np.testing.assert_allclose(X2, X)
    np.testing.assert_array_equal(y2, y)
    X3, y3, names3 = load_csv(path)
    assert y3 is None and X3.shape == (150, 5) and names3[-1] == "species"


def test_csv_float_target_is_a_column(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("x,t\n1,0.5\n2,1.5\n")
    X, y, _ = load_csv(path, target="t")
    assert X.shape == (2, 1) and y.shape == (2, 1) and y.dtype == np.float32


def test_csv_errors_are_clear(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("x,y\n1,2\n")
    with pytest.raises(ValueError, match="no target column 'label'.*x, y"):
        load_csv(path, target="label")
    path.write_text("x,y\n1,oops\n")
    with pytest.raises(ValueError, match="must be a number"):
        load_csv(path)
    path.write_text("x,y\n")
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(path)
    path.write_text("")
    with pytest.raises(ValueError, match="empty file"):
        load_csv(path)


def test_npz(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, X=np.ones((3, 2)), y=np.arange(3))
    X, y = load_npz(path)
    assert X.shape == (3, 2) and list(y) == [0, 1, 2]
    with pytest.raises(KeyError, match="holds: X, y"):
        load_npz(path, x_key="features")


def test_stratified_split_keeps_class_proportions():
    X, y = load_dataset("digits")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=True,
                                                        seed=0)
    assert len(X_test) == 360 and len(X_train) == 1437
    for part in (y_train, y_test):
        np.testing.assert_allclose(np.bincount(part) / len(part), np.bincount(y) / len(y),
                                   atol=0.01)
    again = train_test_split(X, y, test_size=0.2, stratify=True, seed=0)
    np.testing.assert_array_equal(again[3], y_test)


def test_split_errors():
    X, y = load_dataset("sine", n_samples=20)
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(X, y, test_size=1.5)
    with pytest.raises(ValueError, match="integer class labels"):
        train_test_split(X, y, stratify=True)


def test_standardize():
    X, _ = load_dataset("digits")
    Z, mean, std = standardize(X)
    np.testing.assert_allclose(Z.mean(0), 0, atol=1e-5)
    constant = X.std(0) == 0
    np.testing.assert_allclose(Z.std(0)[~constant], 1, rtol=1e-4)
    assert constant.any() and np.all(Z[:, constant] == 0)
    Z2, _, _ = standardize(X[:5], mean, std)
    np.testing.assert_allclose(Z2, Z[:5])
    with pytest.raises(ValueError, match="features"):
        standardize(X[:, :3], mean, std)
