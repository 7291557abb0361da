"""ld_derivative at ReLU kinks: the lecture's f1..f4 and networks evaluated on a kink."""
import numpy as np
import pytest

from deepgrad.engine.lexicographic import ld_derivative
from deepgrad.engine.primitives import abs as dabs
from deepgrad.engine.primitives import matmul, maximum, minimum, relu

F = {
    "f1": lambda x: x,
    "f2": lambda x: relu(x) - relu(-x),
    "f3": lambda x: 10 * x - 9 * (relu(x) - relu(-x)),
    "f4": lambda x: relu(relu(x)) - relu(-x),
    "max": lambda x: maximum(x, 0.0) + minimum(x, 0.0),
}


@pytest.mark.parametrize("name", F)
def test_identity_written_with_kinks_has_derivative_one(name):
    assert ld_derivative(F[name], 0.0) == pytest.approx(1.0)
    assert ld_derivative(F[name], 0.0, directions=[[-1.0]]) == pytest.approx(1.0)


def test_abs_is_a_clarke_subgradient():
    assert ld_derivative(dabs, 0.0) == 1.0
    assert ld_derivative(dabs, 0.0, directions=[[-2.0]]) == -1.0


def test_equals_the_jacobian_away_from_kinks():
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((6, 3)), rng.standard_normal((2, 6))
    x = rng.standard_normal(3)
    J = ld_derivative(lambda v: matmul(W2, relu(matmul(W1, v))), x)
    np.testing.assert_allclose(J, W2 @ ((W1 @ x > 0)[:, None] * W1), rtol=1e-12)


def test_relu_network_on_a_kink_returns_a_limiting_gradient():
    """Every hidden unit sits exactly on its kink at x = 0; the LD-derivative is the gradient of
    the linear piece entered along the directions, i.e. a limit of nearby gradients."""
    rng = np.random.default_rng(1)
    W1, w2 = rng.standard_normal((8, 2)), rng.standard_normal(8)
    f = lambda v: (w2 * relu(matmul(W1, v))).sum()
    M = rng.standard_normal((2, 2))
    g = ld_derivative(f, np.zeros(2), directions=M)
    t = 1e-6
    nearby = w2 @ ((W1 @ (t * M[:, 0] + t * t * M[:, 1]) > 0)[:, None] * W1)
    np.testing.assert_allclose(g, nearby, rtol=1e-12)
