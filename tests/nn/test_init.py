"""nn.init: sample variances and bounds against the published formulas; seeding."""

import math

import numpy as np
import pytest
import torch

from deepgrad import nn
from deepgrad.nn import init

FAN_OUT, FAN_IN = 300, 500


def weight():
    return nn.Parameter(np.zeros((FAN_OUT, FAN_IN), np.float32))


@pytest.mark.parametrize("fill,variance", [
    (lambda w: init.xavier_uniform_(w, generator=0), 2 / (FAN_IN + FAN_OUT)),
    (lambda w: init.xavier_normal_(w, gain=2.0, generator=0), 4 * 2 / (FAN_IN + FAN_OUT)),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="relu", generator=0), 2 / FAN_IN),
    (lambda w: init.kaiming_normal_(w, nonlinearity="relu", generator=0), 2 / FAN_IN),
    (lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="tanh", generator=0),
     (5 / 3) ** 2 / FAN_OUT),
    (lambda w: init.lecun_normal_(w, generator=0), 1 / FAN_IN),
    (lambda w: init.normal_(w, 1.0, 0.5, generator=0), 0.25),
])
def test_variances_match_the_formulas(fill, variance):
    w = fill(weight())
    assert w.data.var() == pytest.approx(variance, rel=0.02)


def test_uniform_bounds_are_exact():
    w = init.xavier_uniform_(weight(), generator=0)
    assert np.abs(w.data).max() <= math.sqrt(6 / (FAN_IN + FAN_OUT))


@pytest.mark.parametrize("name,param", [("linear", None), ("sigmoid", None), ("tanh", None),
                                        ("relu", None), ("leaky_relu", None),
                                        ("leaky_relu", 0.2), ("selu", None)])
def test_gains_match_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param))


@pytest.mark.parametrize("shape", [(30, 50), (50, 30)])
def test_orthogonal(shape):
    w = init.orthogonal_(nn.Parameter(np.zeros(shape)), gain=2.0, generator=0).data
    small = w @ w.T if shape[0] <= shape[1] else w.T @ w
    np.testing.assert_allclose(small, 4 * np.eye(min(shape)), atol=1e-10)


def test_seeded_init_is_reproducible_and_zeros_ones():
    a, b = init.normal_(weight(), generator=3), init.normal_(weight(), generator=3)
    np.testing.assert_array_equal(a.data, b.data)
    assert np.all(init.zeros_(a).data == 0) and np.all(init.ones_(b).data == 1)


def test_mlp_he_init_zeroes_biases_and_uses_the_relu_gain():
    mlp = nn.MLP([FAN_IN, FAN_OUT, 10], generator=0)
    first = mlp.layers[0]
    assert np.all(first.bias.data == 0)
    assert first.weight.data.var() == pytest.approx(2 / FAN_IN, rel=0.02)


def test_errors():
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(nn.Parameter(np.zeros(3)))
