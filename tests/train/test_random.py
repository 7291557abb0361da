"""deepgrad.random.manual_seed makes init reproducible; generators are explicit."""

import numpy as np
import pytest

from deepgrad import nn
from deepgrad.random import get_generator, manual_seed


def test_manual_seed_repeats_init():
    manual_seed(0)
    a = nn.MLP([3, 5, 2], init="pytorch").state_dict()
    manual_seed(0)
    b = nn.MLP([3, 5, 2], init="pytorch").state_dict()
    c = nn.MLP([3, 5, 2], init="pytorch").state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not all(np.array_equal(a[k], c[k]) for k in a)


def test_generators():
    g = np.random.default_rng(1)
    assert get_generator(g) is g
    assert get_generator(3).integers(1000) == np.random.default_rng(3).integers(1000)
    with pytest.raises(TypeError, match="generator"):
        get_generator("seed")
    with pytest.raises(ValueError, match="non-negative integer"):
        manual_seed(-1)
