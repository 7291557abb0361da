"""lab convolution: equivariance exact away from borders, receptive fields equal the closed form."""

import numpy as np
import pytest

from deepgrad.lab.represent import convolution


def test_translation_equivariance_is_exact_away_from_the_borders():
    interior, border = convolution.equivariance_errors(seed=1)
    assert interior <= 1e-12 and border > 1e-3
    assert convolution.equivariance_errors(seed=1, shift=4, stride=2)[0] <= 1e-12
    assert convolution.equivariance_errors(seed=1, shift=5, stride=2)[0] > 1e-3


@pytest.mark.parametrize("kernels, strides, expected", [
    ([3] * 4, [1] * 4, 9), ([3] * 3, [2] * 3, 15), ([5, 3, 3], [2, 2, 2], 17), ([7], [3], 7)])
def test_receptive_field_closed_form_and_measured(kernels, strides, expected):
    assert convolution.receptive_field(kernels, strides) == expected
    assert convolution.measured_receptive_field(kernels, strides) == expected


def test_quick_run_and_figure():
    r = convolution.run(quick=True, steps=200)
    assert r.rf_measured_stride2 == r.rf_closed_stride2 == [2 ** (d + 1) - 1 for d in r.depths]
    assert max(r.cnn_params) < min(r.mlp_params[1:])  # far fewer parameters than the MLPs
    assert r.filters.shape == (16, 5) and np.isfinite(r.filters).all()
    fig = convolution.plot(r)
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
