"""scikit-learn estimators over deepgrad's nn, optim and train: MLPClassifier and MLPRegressor.

They keep scikit-learn's parameter names and meanings, pass its estimator checks, and work in
Pipeline, GridSearchCV and cross_val_score; `deepgrad.save(estimator, path)` writes the network.
Needs scikit-learn >= 1.6 (its `validate_data` and `__sklearn_tags__`).
"""

import sklearn

if tuple(int(part) for part in sklearn.__version__.split(".")[:2]) < (1, 6):
    raise ImportError(f"deepgrad.sklearn needs scikit-learn >= 1.6, found {sklearn.__version__}: "
                      "pip install -U scikit-learn")

from deepgrad.sklearn.classifier import MLPClassifier  # noqa: E402
from deepgrad.sklearn.regressor import MLPRegressor  # noqa: E402

__all__ = ["MLPClassifier", "MLPRegressor"]
