"""load_dataset: small datasets that need no download, as (X, y) NumPy arrays.

Bundled with scikit-learn (fixed; n_samples and noise do not apply):
  digits         X (1797, 64) pixel intensities 0..16, y 10 classes 0..9
  iris           X (150, 4), y 3 classes
  wine           X (178, 13), y 3 classes
  breast_cancer  X (569, 30), y 2 classes (1 = benign)
  diabetes       X (442, 10) (already scaled by scikit-learn), y (442, 1) disease progression
Generated, seeded (see `deepgrad.data.synthetic`; default n_samples 500):
  moons (noise 0.1), circles (0.05), xor (0.1), spirals (0.1), gaussians (1.0): X (n, 2), y classes
  sine (noise 0.1): X (n, 1), y (n, 1)
  mnist1d: MNIST-1D (Greydanus, 2020) from the `mnist1d` package's generator with its default
  arguments (never its downloader); X (n, 40), y 10 classes; default n_samples 5000, noise does not
  apply (NumPy's and Python's global random states are left as they were).
shape="image" (digits: (n, 1, 8, 8)) or "signal" (mnist1d: (n, 1, 40)) gives CNN-shaped X.
X is always float32; y is int64 class labels, or float32 of shape (n, 1) for regression.
"""

import random

import numpy as np
from sklearn import datasets as skd

from deepgrad.data import synthetic
from deepgrad.data.shaped import reshape_for
from deepgrad.random import get_generator

_BUNDLED = {"digits": skd.load_digits, "iris": skd.load_iris, "wine": skd.load_wine,
            "breast_cancer": skd.load_breast_cancer, "diabetes": skd.load_diabetes}
_GENERATED = {"moons": (synthetic.moons, 0.1), "circles": (synthetic.circles, 0.05),
              "xor": (synthetic.xor, 0.1), "spirals": (synthetic.spirals, 0.1),
              "gaussians": (synthetic.gaussians, 1.0), "sine": (synthetic.sine, 0.1)}
_REGRESSION = {"diabetes", "sine"}
DATASETS = sorted([*_BUNDLED, *_GENERATED, "mnist1d"])


def load_dataset(name, n_samples=None, noise=None, seed=0, shape="flat"):
    """(X, y) for dataset `name` (one of DATASETS, described in this module's docstring).

    n_samples and noise apply to generated datasets only; seed (an int or a Generator) makes a
    generated dataset reproducible and defaults to 0, so the same call gives the same data.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known datasets: {', '.join(DATASETS)}")
    if n_samples is not None and (isinstance(n_samples, bool) or
                                  not isinstance(n_samples, (int, np.integer)) or n_samples <= 0):
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if noise is not None and not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    fixed = {"n_samples": n_samples, "noise": noise} if name in _BUNDLED else \
        {"noise": noise} if name == "mnist1d" else {}
    for arg, value in fixed.items():
        if value is not None:
            raise ValueError(f"dataset {name!r} does not take {arg} (it is fixed)")
    if name in _BUNDLED:
        X, y = _BUNDLED[name](return_X_y=True)
    elif name == "mnist1d":
        X, y = _mnist1d(5000 if n_samples is None else n_samples, seed)
    else:
        make, default_noise = _GENERATED[name]
        X, y = make(500 if n_samples is None else int(n_samples),
                    default_noise if noise is None else float(noise), get_generator(seed))
    X = reshape_for(name, np.ascontiguousarray(X, dtype=np.float32), shape)
    if name in _REGRESSION:
        return X, np.asarray(y, dtype=np.float32).reshape(-1, 1)
    return X, np.asarray(y, dtype=np.int64)


def _mnist1d(n_samples, seed):
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as error:
        raise ImportError("dataset 'mnist1d' needs the mnist1d package: pip install mnist1d") \
            from error
    args = get_dataset_args()
    args.num_samples = n_samples
    args.seed = seed if isinstance(seed, (int, np.integer)) else int(
        get_generator(seed).integers(2**31 - 1))
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:  # its generator reseeds the global generators: put them back afterwards
        data = make_dataset(args)
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)
    return np.concatenate([data["x"], data["x_test"]]), np.concatenate([data["y"], data["y_test"]])
