"""revolve_steps against Griewank's example and a brute-force dynamic programme."""
from functools import cache, partial

import pytest

from deepgrad.lab.autodiff.revolve import optimal_split, revolve_steps


@cache
def brute_force(l, c):
    """Try every first checkpoint position m: advance m, reverse the rest with c - 1, then the head."""
    if l == 1:
        return 0
    if c == 0:
        return float("inf")
    return min(m + brute_force(l - m, c - 1) + brute_force(m, c) for m in range(1, l))


def test_griewank_example():
    assert revolve_steps(100, 3) == 490


def test_closed_form_equals_brute_force():
    for l in range(1, 60):
        for c in range(1, 7):
            assert revolve_steps(l, c) == brute_force(l, c) == optimal_split(l, c)[0], (l, c)


def test_limits():
    assert revolve_steps(50, 49) == 49  # store everything: each step once (the last inside its VJP)
    assert revolve_steps(50, 1) == 50 * 49 // 2  # one checkpoint: restart from x_0 every time
    with pytest.raises(ValueError):
        revolve_steps(5, 0)


def test_revolve_gradient_equals_plain_reverse_mode():
    import numpy as np

    import deepgrad as dg
    from deepgrad.lab.autodiff.revolve import revolve_gradient

    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((4, 4)) / 2 for _ in range(12)]
    steps = [partial(lambda x, W: dg.tanh(x @ W), W=W) for W in Ws]
    x0, x_bar = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))

    def chain(x):
        for step in steps:
            x = step(x)
        return x

    expected = dg.vjp(chain, x0)[1](x_bar)[0].data
    for c in (1, 2, 3, 11):
        g, stats = revolve_gradient(steps, dg.tensor(x0), c, x_bar)
        np.testing.assert_allclose(g.data, expected, rtol=1e-12, atol=1e-12)
        assert stats["forward_steps"] == revolve_steps(12, c)
        assert stats["peak_checkpoints"] <= c
