"""Random association units: deepgrad's perceptron makes scikit-learn's Perceptron's exact updates."""
import numpy as np
from sklearn.linear_model import Perceptron

from deepgrad.lab.learn import random_units


def test_perceptron_on_random_units_matches_sklearn_and_improves_with_units():
    r = random_units.run(quick=True, units=(2, 8, 256))
    assert r.max_weight_gap == 0.0   # integer features, step 1: identical updates
    assert np.array_equal(r.test_accuracy, r.sklearn_test_accuracy)
    assert np.array_equal(r.train_accuracy, r.sklearn_train_accuracy)
    assert r.test_accuracy[0] < 0.7 and r.test_accuracy[-1] > 0.95
    # on the raw inputs no linear unit separates the circles: scikit-learn stays near chance
    X, y = random_units.circles(300, 0)
    assert Perceptron(random_state=0).fit(X, y).score(X, y) < 0.75
    assert random_units.plot(r).axes
