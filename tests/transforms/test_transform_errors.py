"""Misuse of a transform fails at once with a message that says what was wrong and what to do."""
import numpy as np
import pytest

import deepgrad as dg

x = np.random.default_rng(0).standard_normal(3)


def square_sum(v):
    return dg.sum(v * v)


# --------------------------------------------------------------------------- non-scalar output

@pytest.mark.parametrize("transform", [dg.grad, dg.value_and_grad])
def test_grad_of_vector_output(transform):
    with pytest.raises(TypeError, match=r"scalar.*\(3,\).*jacrev or vjp"):
        transform(lambda v: v * 2)(x)


def test_grad_of_tuple_output_names_the_type():
    with pytest.raises(TypeError, match="scalar.*tuple"):
        dg.grad(lambda v: (dg.sum(v), v))(x)


def test_grad_of_python_float_output():
    with pytest.raises(TypeError, match="scalar.*float"):
        dg.grad(lambda v: 3.0)(x)


def test_hvp_of_vector_function():
    with pytest.raises(TypeError, match=r"scalar.*\(3,\)"):
        dg.hvp(lambda v: v * v, (x,), (np.ones(3),))


def test_backward_of_vector_needs_gradient():
    y = dg.tensor(x, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*\(3,\).*gradient="):
        y.backward()


# --------------------------------------------------------------------------- non-float inputs

@pytest.mark.parametrize("make", [
    lambda a: dg.grad(square_sum)(a),
    lambda a: dg.value_and_grad(square_sum)(a),
    lambda a: dg.vjp(square_sum, a),
    lambda a: dg.jvp(square_sum, (a,), (np.ones(3),)),
    lambda a: dg.jacrev(lambda v: v * 2)(a),
    lambda a: dg.jacfwd(lambda v: v * 2)(a),
    lambda a: dg.hessian(square_sum)(a),
    lambda a: dg.hvp(square_sum, (a,), (np.ones(3),)),
], ids=["grad", "value_and_grad", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "hvp"])
@pytest.mark.parametrize("bad", [np.arange(3), np.array([True, False, True])], ids=["int", "bool"])
def test_non_float_input(make, bad):
    with pytest.raises(TypeError, match=rf"floating inputs, got dtype {bad.dtype}"):
        make(bad)


def test_python_ints_are_not_differentiable():
    with pytest.raises(TypeError, match="floating.*int64"):
        dg.grad(square_sum)([1, 2, 3])


def test_complex_input_is_refused():
    with pytest.raises(TypeError, match="complex"):
        dg.grad(square_sum)(np.ones(3, dtype=np.complex128))


def test_integer_output_of_grad():
    with pytest.raises(TypeError, match="floating.*int64"):
        dg.grad(lambda v: dg.sum(v > 0))(x)


def test_requires_grad_on_integer_tensor():
    with pytest.raises(TypeError, match="only floating tensors can require gradients"):
        dg.tensor([1, 2, 3], requires_grad=True)


# --------------------------------------------------------------------------- mismatched tangents

def test_jvp_tangent_shape_mismatch():
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(4,\) but its primal has shape"
                                         r" \(3,\)"):
        dg.jvp(square_sum, (x,), (np.ones(4),))


def test_jvp_tangent_transposed_shape():
    with pytest.raises(ValueError, match=r"tangent 1 has shape \(3, 2\).*\(2, 3\)"):
        dg.jvp(lambda a, b: dg.sum(a) + dg.sum(b), (x, np.ones((2, 3))), (x, np.ones((3, 2))))


def test_jvp_scalar_primal_with_vector_tangent():
    with pytest.raises(ValueError, match=r"shape \(1,\) but its primal has shape \(\)"):
        dg.jvp(lambda a: a * 2, (np.float64(1.0),), (np.ones(1),))


def test_jvp_wrong_number_of_tangents():
    with pytest.raises(ValueError, match=r"2 primal\(s\) but 1 tangent\(s\)"):
        dg.jvp(lambda a, b: a * b, (x, x), (x,))


def test_jvp_tangent_structure_mismatch():
    with pytest.raises(ValueError, match=r"^jvp.*structure"):
        dg.jvp(lambda p: p["a"] * 2, ({"a": x},), ({"b": x},))


def test_jvp_primals_must_be_a_tuple():
    with pytest.raises(TypeError, match=r"^jvp.*tuple"):
        dg.jvp(lambda a: a * 2, x, np.ones(3))


def test_hvp_tangent_shape_mismatch():
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(2,\).*\(3,\)"):
        dg.hvp(square_sum, (x,), (np.ones(2),))


def test_vjp_cotangent_shape_mismatch():
    _, fn = dg.vjp(lambda v: v * 2, x)
    with pytest.raises(ValueError, match=r"cotangent has shape \(4,\), output has \(3,\)"):
        fn(np.ones(4))


def test_vjp_wrong_number_of_cotangents():
    _, fn = dg.vjp(lambda v: (v, v * 2), x)
    with pytest.raises(ValueError, match=r"expected 2 cotangent\(s\), got 1"):
        fn(np.ones(3))


# --------------------------------------------------------------------------- argnums / vmap axes

def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argnums=2 but the function got 1 arguments"):
        dg.grad(square_sum, argnums=2)(x)
    with pytest.raises(ValueError, match=r"argnums=\(0, 3\)"):
        dg.jacrev(lambda a, b: a * b, argnums=(0, 3))(x, x)


def test_vmap_mismatched_axis_sizes():
    with pytest.raises(ValueError, match=r"one common size.*got.*\[3, 4\]"):
        dg.vmap(lambda a, b: a + b)(np.ones((3, 2)), np.ones((4, 2)))


def test_vmap_in_axes_length():
    with pytest.raises(ValueError, match="in_axes has 1 entries for 2 arguments"):
        dg.vmap(lambda a, b: a + b, in_axes=(0,))(np.ones((3, 2)), np.ones((3, 2)))


def test_unravel_wrong_length():
    _, unravel = dg.ravel_parameters([np.ones((2, 2)), np.ones(3)])
    with pytest.raises(ValueError, match=r"vector of length 7, got shape \(6,\)"):
        unravel(np.ones(6))

