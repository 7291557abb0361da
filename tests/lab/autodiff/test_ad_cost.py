"""Jacobian-chain costs against the textbook matrix-chain example and brute force."""

import numpy as np
import pytest

from deepgrad.lab.autodiff.accumulation import accumulate, chain_cost, optimal_order


def brute_force(dims, i=1, j=None):
    """Cheapest cost of the sub-chain i..j by enumerating every bracketing (exponential)."""
    j = len(dims) - 1 if j is None else j
    if i == j:
        return 0
    return min(brute_force(dims, i, k) + brute_force(dims, k + 1, j) + dims[j] * dims[k] * dims[i - 1]
               for k in range(i, j))


def test_clrs_matrix_chain():
    assert optimal_order((30, 35, 15, 5, 10, 20, 25))[0] == 15125


def test_hourglass_beats_both_pure_modes():
    dims = (10, 1000, 10, 1000, 10)
    assert chain_cost(dims, "forward") == chain_cost(dims, "reverse") == 300_000
    assert chain_cost(dims, "optimal") == 201_000
    assert optimal_order(dims) == (201_000, ((1, 2), (3, 4)))


def test_pure_mode_formulas():
    dims = (7, 3, 11, 5, 2)
    L = len(dims) - 1
    assert chain_cost(dims, "forward") == dims[0] * sum(dims[l] * dims[l - 1] for l in range(2, L + 1))
    assert chain_cost(dims, "reverse") == dims[L] * sum(dims[l] * dims[l + 1] for l in range(L - 1))


@pytest.mark.parametrize("L", range(1, 9))
def test_optimal_equals_brute_force(L):
    rng = np.random.default_rng(L)
    for _ in range(5):
        dims = tuple(int(d) for d in rng.integers(1, 40, size=L + 1))
        cost, tree = optimal_order(dims)
        assert cost == brute_force(dims) == chain_cost(dims, tree)
        assert cost <= min(chain_cost(dims, "forward"), chain_cost(dims, "reverse"))


def test_every_bracketing_gives_the_same_jacobian():
    rng = np.random.default_rng(0)
    dims = (3, 5, 2, 4, 6)
    Js = [rng.standard_normal((dims[l], dims[l - 1])) for l in range(1, len(dims))]
    full = Js[3] @ Js[2] @ Js[1] @ Js[0]
    for order in ("forward", "reverse", "optimal", ((1, 2), (3, 4)), (1, ((2, 3), 4))):
        np.testing.assert_allclose(accumulate(Js, order), full, rtol=1e-12)


def test_bad_bracketing_is_rejected():
    with pytest.raises(ValueError):
        chain_cost((2, 3, 4, 5), ((1, 3), 2))
    with pytest.raises(ValueError):
        chain_cost((2, 3, 4), "sideways")
