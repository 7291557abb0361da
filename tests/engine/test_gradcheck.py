"""deepgrad.gradcheck itself: it passes on correct derivatives and fails, naming the input, the
index, the analytic and the numeric value, on a deliberately wrong primitive."""

import re

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.engine.primitives import Primitive
from deepgrad.engine.testing import GradcheckError

# y = x^2 with a wrong VJP: 3x instead of 2x (the JVP is right; gradcheck is reverse mode)
bad_square = Primitive(
    "bad_square", np.square,
    (lambda d, g, y, x: g * 3 * x,),
    lambda d, dots, y, x: 2 * x * dots[0],
)


def mul_off_by(rel):
    """y = a * b whose second VJP is off by a relative amount ``rel``."""
    return Primitive(
        "mul_off_by", np.multiply,
        (lambda d, g, y, a, b: g * b, lambda d, g, y, a, b: g * a * (1 + rel)),
        lambda d, dots, y, a, b: None,
    )


# y = a * b whose second VJP forgets a sign: only input 1 is wrong
mul_bad_b = Primitive(
    "mul_bad_b", np.multiply,
    (lambda d, g, y, a, b: g * b, lambda d, g, y, a, b: -g * a),
    lambda d, dots, y, a, b: None,
)


X = np.array([[0.5, -1.0, 2.0], [1.5, -3.0, 0.25]])


def _parse(message):
    """(input, index, analytic, numeric) named by a GradcheckError message."""
    m = re.search(r"input (\d+) at input index \(([\d, ]*)\).*analytic (?:np\.float64\()?"
                  r"([-\d.e+]+)\)? vs numeric (?:np\.float64\()?([-\d.e+]+)", message)
    assert m, f"message does not name input, index, analytic and numeric: {message}"
    index = tuple(int(i) for i in m.group(2).split(",") if i.strip())
    return int(m.group(1)), index, float(m.group(3)), float(m.group(4))


@pytest.mark.parametrize("f, inputs", [
    (lambda x: (x * x).sum(), (X,)),
    (lambda x: dg.tanh(x @ x.T), (X,)),
    (lambda a, b: dg.logsumexp(a * b, axis=1), (X, X[::-1].copy())),
    (lambda x: dg.softmax(x, 0), (dg.tensor(X),)),
    (lambda x: x[np.array([1, 1, 0])].exp(), (X,)),
])
def test_passes_on_correct_functions(f, inputs):
    assert dg.gradcheck(f, inputs) is True


def test_accepts_float32_inputs_and_checks_in_float64():
    x = X.astype(np.float32)
    assert dg.gradcheck(lambda x: dg.sin(x) * x, (x,), atol=1e-7, rtol=1e-6)


def test_fails_on_a_wrong_vjp_naming_input_index_analytic_numeric():
    with pytest.raises(GradcheckError) as e:
        dg.gradcheck(lambda x: bad_square(x).sum(), (X,))
    i, index, analytic, numeric = _parse(str(e.value))
    worst = np.unravel_index(np.argmax(np.abs(X)), X.shape)  # |3x - 2x| is largest there
    assert i == 0 and index == tuple(int(k) for k in worst)
    np.testing.assert_allclose(analytic, 3 * X[worst], rtol=1e-12)
    np.testing.assert_allclose(numeric, 2 * X[worst], rtol=1e-6)


def test_fails_on_a_non_scalar_output():
    with pytest.raises(GradcheckError, match="input 0"):
        dg.gradcheck(lambda x: bad_square(x), (X,))


def test_names_the_wrong_input():
    b = X[::-1].copy()
    with pytest.raises(GradcheckError) as e:
        dg.gradcheck(lambda a, b: mul_bad_b(a, b).sum(), (X, b))
    i, index, analytic, numeric = _parse(str(e.value))
    assert i == 1
    np.testing.assert_allclose(analytic, -X[index], rtol=1e-12)
    np.testing.assert_allclose(numeric, X[index], rtol=1e-6)


def test_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_tolerates_errors_below_its_tolerance_and_not_above():
    """Defaults atol=1e-5, rtol=1e-3: a 1e-6 relative error passes, a 1e-2 one does not."""
    assert dg.gradcheck(lambda a, b: mul_off_by(1e-6)(a, b).sum(), (X, X))
    with pytest.raises(GradcheckError, match="input 1"):
        dg.gradcheck(lambda a, b: mul_off_by(1e-2)(a, b).sum(), (X, X))
    with pytest.raises(GradcheckError, match="input 1"):  # tighter tolerances catch the small one
        dg.gradcheck(lambda a, b: mul_off_by(1e-6)(a, b).sum(), (X, X), atol=1e-9, rtol=1e-8)


def test_detects_a_wrong_derivative_composed_inside_a_larger_function():
    def f(x, w):
        return dg.tanh(bad_square(x @ w)).mean()

    with pytest.raises(GradcheckError):
        dg.gradcheck(f, (X, np.ones((3, 2)) * 0.3))
