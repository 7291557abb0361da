"""Programs the 20,000-program runs of ``make fuzz`` stopped at, each with the verdict the exact
maths gives: who was wrong, and the numbers that decide it (docs/conventions.md lists them)."""

import math
import warnings

import numpy as np

import deepgrad as dg

from .compare import check


def checked(f, ref, inputs, seed=0):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return check(f, ref, [np.asarray(a, dtype=np.float64) for a in inputs], seed)


def test_sqrt_of_a_tiny_bce_is_finite_where_the_references_cancel_to_zero():
    """bce(z=50, y=1) = softplus(-50) = 1.9e-22, exact in deepgrad; PyTorch's and a plain JAX
    softplus(z) - z y round it to 0, and sqrt's slope there turns the gradients into NaN/-inf.
    The exact derivative in y is -z / (2 sqrt(loss)): finite."""
    def f(z, y):
        return dg.sqrt(dg.abs(dg.binary_cross_entropy_with_logits(z, y, reduction="mean")))

    def ref(o, z, y):
        return o.sqrt(o.abs(o.bce_with_logits(z, y, "mean")))

    loss = math.log1p(math.exp(-50.0))
    z, y = dg.tensor(50.0, dtype=np.float64, requires_grad=True), dg.tensor(
        1.0, dtype=np.float64, requires_grad=True)
    f(z, y).backward()
    assert math.isclose(f(z, y).item(), math.sqrt(loss), rel_tol=1e-12)
    assert math.isclose(y.grad.item(), -50.0 / (2 * math.sqrt(loss)), rel_tol=1e-9)
    assert abs(z.grad.item()) < 1e-10  # exact: -1.9e-22 / (2 sqrt(loss)) = -6.9e-12
    result = checked(f, ref, [50.0, 1.0])
    assert result["deepgrad_wrong"] == [] and "vjp" in result["torch_wrong"]
