import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import signal_propagation


def test_quick_run_he_preserves_and_lecun_halves():
    result = signal_propagation.run(quick=True)
    assert abs(result.he_ratio_last_first - 1) < 0.15
    assert abs(result.lecun_ratio_per_layer - 0.5) < 0.05
    # layer by layer, not only end to end
    lecun = result.second_moment["lecun/relu"]
    np.testing.assert_allclose(lecun[1:] / lecun[:-1], 0.5, rtol=0.15)
    assert isinstance(signal_propagation.plot(result), matplotlib.figure.Figure)
