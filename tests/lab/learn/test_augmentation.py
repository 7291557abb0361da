"""Shift augmentation: the shift operator is scipy.ndimage.shift; augmenting cuts shifted-digit error."""
import numpy as np
from scipy.ndimage import shift as nd_shift

from deepgrad.lab.learn import augmentation


def test_shift_is_scipy_ndimage_shift():
    images = np.random.default_rng(0).random((3, 8, 8)).astype(np.float32)
    for dy in range(-3, 4):
        for dx in range(-3, 4):
            expected = np.stack([nd_shift(im, (dy, dx), order=0, mode="constant", cval=0.0)
                                 for im in images])
            np.testing.assert_array_equal(augmentation.shift(images, dy, dx), expected)


def test_augmentation_lowers_error_on_shifted_digits():
    r = augmentation.run(quick=True, strengths=(0, 1))
    assert r.shifted_test_error[1] < 0.6 * r.shifted_test_error[0]
    assert r.test_error[1] <= r.test_error[0] + 0.05
    assert augmentation.plot(r).axes
