"""Every error case of issue 2: each message names what went wrong (op, shapes, dtype)."""

import re

import numpy as np
import pytest

import deepgrad as dg


def ones(*shape, requires_grad=False):
    return dg.tensor(np.ones(shape), requires_grad=requires_grad)


def shapes_named(message, *shapes):
    return all(str(s) in message for s in shapes)


@pytest.mark.parametrize("name, f, a_shape, b_shape", [
    ("matmul", dg.matmul, (2, 3), (4, 5)),
    ("matmul", dg.matmul, (3,), (4,)),
    ("matmul", dg.matmul, (2, 3, 4), (3, 4, 5)),  # batch dimensions that do not broadcast
    ("matmul", lambda a, b: a @ b, (2, 3), (2, 3)),
    ("linear", dg.linear, (2, 3), (4, 5)),
])
@pytest.mark.parametrize("requires_grad", [True, False], ids=["recorded", "constant"])
def test_matmul_shape_mismatch_names_op_and_both_shapes(name, f, a_shape, b_shape, requires_grad):
    with pytest.raises(dg.ShapeError) as e:
        f(ones(*a_shape, requires_grad=requires_grad), ones(*b_shape))
    msg = str(e.value)
    assert msg.startswith(name) and shapes_named(msg, a_shape, b_shape), msg


@pytest.mark.parametrize("name, f", [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b), ("pow", lambda a, b: a ** b), ("maximum", dg.maximum),
    ("minimum", dg.minimum), ("where", lambda a, b: dg.where(np.ones((2, 3), bool), a, b)),
])
def test_broadcast_mismatch_names_op_and_both_shapes(name, f):
    with pytest.raises(dg.ShapeError) as e:
        f(ones(2, 3, requires_grad=True), ones(4))
    msg = str(e.value)
    assert msg.startswith(name) and shapes_named(msg, (2, 3), (4,)), msg


def test_shape_error_is_a_value_error():
    assert issubclass(dg.ShapeError, ValueError)
    with pytest.raises(ValueError):
        ones(2, 3) + ones(3, 2)


def test_backward_on_non_scalar_without_gradient():
    y = ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError) as e:
        y.backward()
    msg = str(e.value)
    assert "gradient=" in msg and "(2, 3)" in msg and "scalar" in msg, msg


def test_second_backward_through_freed_graph():
    x = ones(3, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*"
                                           r"retain_graph=True"):
        y.backward()


@pytest.mark.parametrize("data", [np.arange(3), np.arange(3, dtype=np.int32), [1, 2], [True]])
def test_requires_grad_on_integer_tensor_names_dtype(data):
    dtype = np.asarray(data).dtype if isinstance(data, np.ndarray) else dg.tensor(data).dtype
    with pytest.raises(TypeError) as e:
        dg.tensor(data, requires_grad=True)
    assert str(dtype) in str(e.value) and "requires_grad" in str(e.value)
    with pytest.raises(TypeError, match=re.escape(str(dtype))):
        dg.tensor(data).requires_grad_()


@pytest.mark.parametrize("out_shape, g_shape", [((2, 3), (3, 2)), ((2, 3), (6,)), ((), (1,)),
                                                ((4,), ())])
def test_gradient_of_wrong_shape_names_both_shapes(out_shape, g_shape):
    x = ones(*out_shape, requires_grad=True)
    y = x * 2
    with pytest.raises(dg.ShapeError) as e:
        y.backward(gradient=np.ones(g_shape))
    msg = str(e.value)
    assert "gradient" in msg and shapes_named(msg, out_shape, g_shape), msg


@pytest.mark.parametrize("data, dtype", [
    (np.ones(2, dtype=complex), "complex128"),
    ([1j, 2.0], "complex128"),
    (np.ones(2, dtype=np.complex64), "complex64"),
    (np.array([None, 1.0], dtype=object), "object"),
    (["a", "b"], "<U1"),
])
def test_unsupported_dtype_names_it(data, dtype):
    with pytest.raises(TypeError) as e:
        dg.tensor(data)
    assert dtype in str(e.value)


@pytest.mark.parametrize("const, dtype", [(np.array([1j, 2j, 3j]), "complex128"),
                                          (np.array([None, 1.0, 2.0], dtype=object), "object")])
def test_unsupported_dtype_operand_is_refused(const, dtype):
    """A complex or object constant must not sneak into the graph through an operator."""
    x = ones(3, requires_grad=True)
    with pytest.raises(TypeError) as e:
        x * const
    assert dtype in str(e.value)


def test_backward_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ones(3).sum().backward()
