"""Each optimiser's fast in-place update equals its textbook update (the docstring's formula) over
several steps, for every option: the two are written apart, so either one catches the other."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim

from .test_optimizers import CASES

SHAPES = [(4, 3), (3,)]


def _run(name, kwargs, in_place, steps=6):
    """Parameters (float64) and optimiser state after ``steps`` updates on a fixed gradient sequence."""
    rng = np.random.default_rng(0)
    params = [nn.Parameter(rng.standard_normal(s)) for s in SHAPES]
    opt = getattr(optim, name)(params, **kwargs)
    opt.in_place = in_place
    grads = np.random.default_rng(1)
    for _ in range(steps):
        for p in params:
            p.grad = dg.tensor(grads.standard_normal(p.shape))
        opt.step()
    return [p.data.copy() for p in params], opt.state_dict()["state"]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_in_place_update_equals_the_textbook_update(name, kwargs):
    fast, fast_state = _run(name, kwargs, in_place=True)
    book, book_state = _run(name, kwargs, in_place=False)
    start = [np.random.default_rng(0).standard_normal(s) for s in SHAPES]
    for a, b, w0 in zip(fast, book, start):
        assert not np.allclose(a, w0)  # the parameters moved
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert fast_state.keys() == book_state.keys()
    for i in fast_state:
        assert fast_state[i].keys() == book_state[i].keys()
        for key, value in fast_state[i].items():
            np.testing.assert_allclose(value, book_state[i][key], rtol=1e-12, atol=1e-14)


def test_a_wrong_fast_update_is_caught():
    class Off(optim.SGD):
        def _update_in_place(self, p, grad, state, group):
            p.data -= group["lr"] * 1.001 * grad

    rng = np.random.default_rng(0)
    p = nn.Parameter(rng.standard_normal(3))
    q = nn.Parameter(p.data.copy())
    p.grad, q.grad = dg.tensor(np.ones(3)), dg.tensor(np.ones(3))
    fast, book = Off([p], lr=0.1), Off([q], lr=0.1)
    book.in_place = False
    fast.step()
    book.step()
    assert not np.allclose(p.data, q.data, rtol=1e-12, atol=1e-14)
