"""Datasets in CNN shape: same values as the flat arrays, MNIST-1D's canonical split, the shuffle."""

import numpy as np
import pytest

from deepgrad.data import load_dataset, load_mnist1d
from deepgrad.data.shaped import spatial_permutation


def test_digits_as_images_hold_the_same_pixels():
    X, y = load_dataset("digits")
    images, y2 = load_dataset("digits", shape="image")
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float32
    np.testing.assert_array_equal(images[:, 0].reshape(len(X), 64), X)
    np.testing.assert_array_equal(y, y2)


def test_mnist1d_canonical_split_and_shuffle():
    from mnist1d.data import get_dataset_args, make_dataset
    ref = make_dataset(get_dataset_args())
    (xtr, ytr), (xte, yte) = load_mnist1d()
    assert xtr.shape == (4000, 1, 40) and xte.shape == (1000, 1, 40)
    np.testing.assert_allclose(xtr[:, 0], ref["x"], rtol=1e-6)
    np.testing.assert_array_equal(yte, ref["y_test"])
    (str_, s_ytr), _ = load_mnist1d(shuffled=True, shape="flat")
    perm = spatial_permutation()
    assert sorted(perm) == list(range(40)) and (perm != np.arange(40)).any()
    np.testing.assert_array_equal(str_, xtr[:, 0, perm])
    np.testing.assert_array_equal(s_ytr, ytr)


def test_shape_errors_name_the_argument():
    with pytest.raises(ValueError, match="shape"):
        load_dataset("iris", shape="image")
    with pytest.raises(ValueError, match="shape must be"):
        load_dataset("digits", shape="cube")
