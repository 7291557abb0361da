"""Dying ReLUs: dead share at init against 2 Phi(-b0/sigma) - 1; dead ReLU units get zero gradient."""
import numpy as np
from scipy.stats import norm

from deepgrad.lab.learn import dying_relu


def test_dead_share_at_init_is_the_closed_form():
    r = dying_relu.run(quick=True, lrs=(0.1,), bias_inits=(0.0, -0.5, -1.0), epochs=2)
    b = r.bias_inits
    p = np.where(b < 0, 2 * norm.cdf(-b / r.sigma) - 1, 0.0)   # computed here, independently
    se = np.sqrt(p * (1 - p) / r.width)
    assert np.all(np.abs(r.dead_at_init - p) <= 4 * se + 1e-12)
    assert r.dead_at_init[0] == 0.0
    # a dead ReLU unit gets exactly zero gradient; leaky ReLU units never do
    assert r.frozen_after["relu"][0] == r.dead_after["relu"][0] > 0
    assert r.frozen_after["leaky_relu"][0] == 0.0
    assert np.all(r.sparsity_after["leaky_relu"] == 0) and r.sparsity_after["relu"][0] > 0.4
    assert dying_relu.plot(r).axes
