import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import hidden_units


def test_quick_run_wide_nets_interpolate_and_still_generalise():
    result = hidden_units.run(quick=True)
    assert result.train_error[-1] == 0                 # the widest net fits every label
    # far past #parameters = n, the test error has not gone up: it keeps falling
    assert result.n_parameters[-1] > 20 * result.n_train
    assert result.test_error[-1] <= result.test_error.min() + 0.005
    assert result.test_error[-1] < result.test_error[1]
    assert np.all(result.test_error >= result.train_error)
    assert isinstance(hidden_units.plot(result), matplotlib.figure.Figure)
