"""Every spec row off the kinks against central finite differences in float64 (deepgrad.gradcheck):
first order (the VJP rules) and second order (the gradient of <f, u>, i.e. the rules run on
Tensors and differentiated again)."""

import numpy as np
import pytest

import deepgrad as dg

from .spec import SPECS, closed_over, sample_row

SMOOTH = [s for s in SPECS if not s.kink]


def _split(spec, arrays):
    """The differentiable inputs and a function of them alone (labels and masks closed over)."""
    return closed_over(spec.dg, spec, arrays, dg.tensor)


@pytest.mark.parametrize("spec", SMOOTH, ids=repr)
def test_gradcheck(spec):
    f, inputs = _split(spec, sample_row(spec))
    assert dg.gradcheck(f, inputs, **spec.fd)


@pytest.mark.parametrize("spec", [s for s in SMOOTH if not s.fd], ids=repr)
def test_gradcheck_second_order(spec):
    f, inputs = _split(spec, sample_row(spec))
    shape = np.shape(f(*[dg.tensor(x) for x in inputs]).data)
    u = np.random.default_rng(3).standard_normal(shape)
    nums = tuple(range(len(inputs)))

    def inner(*xs):
        return (f(*xs) * u).sum()

    def grads(*xs):
        gs = dg.grad(inner, argnums=nums)(*xs)
        return dg.concatenate([dg.reshape(g, (-1,)) for g in gs])

    assert dg.gradcheck(grads, inputs)
