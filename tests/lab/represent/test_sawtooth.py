"""Sawtooth: exact piece counts against the construction's closed form (2^L, kinks -2 + 4k/2^L)."""

import numpy as np

import deepgrad
from deepgrad.lab.represent import sawtooth
from deepgrad.lab.represent.geometry import breakpoints


def test_sawtooth_net_is_the_lectures_function():
    x = np.linspace(-2, 2, 1001)
    f = x.copy()
    for depth in range(1, 6):
        f = 2 * np.abs(f) - 2
        out = sawtooth.sawtooth_net(depth)(deepgrad.tensor(x[:, None].astype(np.float32)))
        np.testing.assert_allclose(out.data[:, 0], f, atol=1e-5)


def test_pieces_are_two_to_the_depth_with_kinks_on_the_dyadic_grid():
    for depth in range(1, 13):
        kinks = breakpoints(sawtooth.sawtooth_net(depth), -2, 2)
        np.testing.assert_allclose(kinks, -2 + 4 * np.arange(1, 2**depth) / 2**depth, atol=1e-9)


def test_run_counts():
    r = sawtooth.run(quick=True)
    d = np.array(r.depths)
    assert r.pieces_deep == list(2**d)
    assert r.pieces_shallow_built == list(2**d)  # 2^L - 1 units, one per kink
    assert r.units_shallow_needed == list(2**d - 1)
    assert r.max_kink_error <= 1e-9
    assert all(p <= u + 1 for p, u in zip(r.pieces_shallow_same_units, r.units_deep))
    assert sawtooth.plot(r).axes
