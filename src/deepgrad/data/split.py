"""train_test_split: a seeded, optionally stratified split of (X, y) into train and test."""

from sklearn.model_selection import train_test_split as _sklearn_split

from deepgrad.data.validate import check_arrays
from deepgrad.random import get_generator


def train_test_split(X, y, test_size=0.2, stratify=False, seed=None):
    """Return X_train, X_test, y_train, y_test (scikit-learn's order).

    test_size: a fraction in (0, 1) or a number of rows. stratify=True keeps the class
    proportions of integer labels y in both parts. seed: an int, a Generator, or None for the
    global generator (`deepgrad.manual_seed`).
    """
    X, y = check_arrays(X, y)
    if isinstance(test_size, float) and not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be a fraction in (0, 1) or a number of rows, "
                         f"got {test_size}")
    if isinstance(test_size, int) and not 0 < test_size < len(X):
        raise ValueError(f"test_size must be between 1 and {len(X) - 1} rows, got {test_size}")
    if stratify and y.dtype.kind != "i":
        raise ValueError("stratify=True needs integer class labels y")
    state = int(get_generator(seed).integers(2**31 - 1))
    return _sklearn_split(X, y, test_size=test_size, random_state=state,
                          stratify=y if stratify else None)
