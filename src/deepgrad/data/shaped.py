"""Datasets in the shape a CNN reads: digits as images (n, 1, 8, 8), MNIST-1D as signals (n, 1, 40).

``load_mnist1d`` keeps the package's canonical data (its default arguments: 5,000 signals, seed
42, 4,000 train / 1,000 test) and, with ``shuffled=True``, applies the paper's control: one fixed
permutation of the 40 positions to every signal, which keeps each pixel's information but
destroys locality (the spatial prior a convolution relies on).
"""

import functools
import random

import numpy as np

SHAPES = ("flat", "image", "signal")
_CHANNEL_SHAPE = {"digits": (1, 8, 8), "mnist1d": (1, 40)}
SHUFFLE_SEED = 0  # the fixed permutation: numpy.random.default_rng(0).permutation(40)


def reshape_for(name, X, shape):
    """X (n, features) as (n, 1, *spatial) for shape "image"/"signal"; "flat" leaves it."""
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    if shape == "flat":
        return X
    if name not in _CHANNEL_SHAPE:
        raise ValueError(f"shape={shape!r} applies to {sorted(_CHANNEL_SHAPE)} only, not {name!r}")
    return np.ascontiguousarray(X.reshape((len(X),) + _CHANNEL_SHAPE[name]))


def spatial_permutation(length=40):
    """The fixed permutation of positions of the shuffled variant."""
    return np.random.default_rng(SHUFFLE_SEED).permutation(length)


@functools.lru_cache(maxsize=1)
def _canonical_mnist1d():
    """The package's make_dataset(get_dataset_args()), made once per process (it takes ~10 s)."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as error:
        raise ImportError("MNIST-1D needs the mnist1d package: pip install mnist1d") from error
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:  # its generator reseeds the global generators: put them back afterwards
        return make_dataset(get_dataset_args())
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)


def load_mnist1d(shuffled=False, shape="signal"):
    """((X_train, y_train), (X_test, y_test)) of MNIST-1D's canonical split, never downloaded.

    X float32 (n, 1, 40) for shape="signal" or (n, 40) for "flat"; y int64 in 0..9.
    """
    data = _canonical_mnist1d()
    out = []
    for x, y in ((data["x"], data["y"]), (data["x_test"], data["y_test"])):
        x = np.array(x, dtype=np.float32)  # a copy: the cached data stays as made
        if shuffled:
            x = x[:, spatial_permutation(x.shape[1])]
        out.append((reshape_for("mnist1d", x, shape), np.asarray(y, dtype=np.int64)))
    return tuple(out)
