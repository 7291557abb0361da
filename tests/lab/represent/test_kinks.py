"""Kinks of random nets: exact counts below prod(n_l + 1); one hidden layer in closed form."""

from math import prod

import numpy as np

from deepgrad.lab.represent import kinks
from deepgrad.lab.represent.geometry import count_pieces


def test_shallow_pieces_closed_form():
    """One hidden layer: 1 + the number of distinct kinks -b_i / w_i inside (lo, hi)."""
    rng = np.random.default_rng(0)
    for width in (3, 10, 40):
        net = kinks.random_net([1, width, 1], rng, bias_std=1.0)
        w = net.layers[0].weight.data[:, 0].astype(np.float64)
        b = net.layers[0].bias.data.astype(np.float64)
        v = net.layers[2].weight.data[0]
        roots = -b / w
        inside = (roots > -3) & (roots < 3) & (v != 0)
        assert count_pieces(net, -3, 3) == 1 + np.count_nonzero(inside)


def test_run_respects_bounds_and_depth_does_not_explode():
    r = kinks.run(quick=True)
    assert all(m <= b for m, b in zip(r.shallow_max, r.shallow_bound))
    assert all(m <= b for m, b in zip(r.deep_max, r.deep_bound))
    assert r.deep_bound == [prod([r.neurons // d + 1] * d) for d in r.depths]
    # typical nets at init: far below the sawtooth with the same neurons (Hanin & Rolnick)
    assert max(r.deep_max) < r.sawtooth_pieces / 10
    assert r.shallow_mean == sorted(r.shallow_mean)
    assert kinks.plot(r).axes
