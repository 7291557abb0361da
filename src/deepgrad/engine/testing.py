"""Derivative checks for tests and users: finite differences and the adjoint identity.

- ``gradcheck``: reverse-mode Jacobian vs central differences in float64 (as torch.autograd).
- ``check_grads``: forward and/or reverse mode vs finite differences, up to ``order`` (as
  ``jax.test_util.check_grads`` / HIPS autograd's), by checking directional derivatives.
- ``check_adjoint``: <u, J v> = <J^T u, v> between our own JVP and VJP (tight, no differences).
"""

from __future__ import annotations

import numpy as np

from .primitives import concatenate, reshape
from .tensor import Tensor
from .transforms import jacrev, jvp, vjp


class GradcheckError(AssertionError):
    """A derivative disagrees with finite differences; the message names the worst entry."""


def _to64(x):
    return np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64)


def _call(f, arrays):
    return _to64(f(*_tensors(arrays)))


def numerical_jacobian(f, arrays, i, eps):
    """d f / d arrays[i] by central differences, shape out.shape + arrays[i].shape."""
    out_shape = _call(f, arrays).shape
    jac = np.zeros(out_shape + (arrays[i].size,))
    for k in range(arrays[i].size):  # column k: along the direction e_k of input i
        dirs = [np.zeros_like(a) for a in arrays]
        dirs[i].reshape(-1)[k] = 1.0
        jac[..., k] = _directional_fd(f, arrays, dirs, eps)
    return jac.reshape(out_shape + arrays[i].shape)


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check reverse-mode derivatives of ``f`` against central finite differences in float64.

    ``inputs`` is a tuple of arrays/Tensors (cast to float64). Returns True, or raises
    ``GradcheckError`` naming the input, the index, and the analytic and numeric values.
    """
    arrays = _float64(inputs)
    for i in range(len(arrays)):
        analytic = _to64(jacrev(f, argnums=i)(*_tensors(arrays)))
        numeric = numerical_jacobian(f, arrays, i, eps)
        _compare(analytic, numeric, atol, rtol, f"input {i}", arrays[i].shape)
    return True


def _compare(analytic, numeric, atol, rtol, what, in_shape):
    if analytic.shape != numeric.shape:
        raise GradcheckError(f"{what}: analytic Jacobian has shape {analytic.shape}, "
                             f"numeric {numeric.shape}")
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    if np.all(excess <= 0) and np.all(np.isfinite(analytic) == np.isfinite(numeric)):
        return
    k = np.unravel_index(np.nanargmax(np.where(np.isnan(excess), np.inf, excess)), excess.shape)
    n_in = len(in_shape)
    out_idx, in_idx = k[:len(k) - n_in], k[len(k) - n_in:]
    raise GradcheckError(f"Jacobian mismatch for {what} at input index {tuple(int(j) for j in in_idx)}, output "
                         f"index {tuple(int(j) for j in out_idx)}: analytic {analytic[k]!r} vs numeric "
                         f"{numeric[k]!r} (atol={atol}, rtol={rtol})")


def _float64(args):
    """The arguments (one, or a tuple/list) as a list of float64 arrays."""
    return [_to64(a) for a in (args if isinstance(args, (tuple, list)) else (args,))]


def _tensors(arrays):
    return [Tensor._wrap(a) for a in arrays]


def _directional_fd(f, arrays, dirs, eps):
    plus = _call(f, [a + eps * v for a, v in zip(arrays, dirs)])
    minus = _call(f, [a - eps * v for a, v in zip(arrays, dirs)])
    return (plus - minus) / (2 * eps)


def _forward(f, arrays, v):
    """J v by our forward mode."""
    return _to64(jvp(f, _tensors(arrays), _tensors(v))[1])


def _reverse(f, arrays, u, v):
    """<J^T u, v> by our reverse mode."""
    _, vjp_fn = vjp(f, *_tensors(arrays))
    return sum(float(np.sum(_to64(x_bar) * d)) for x_bar, d in zip(vjp_fn(Tensor._wrap(u)), v))


def check_grads(f, args, order=2, modes=("fwd", "rev"), eps=1e-6, atol=1e-5, rtol=1e-4, seed=0):
    """Check ``f``'s JVP ("fwd") and VJP ("rev") against finite differences, up to ``order``.

    Order 1 checks J v (forward) and <u, J v> via J^T u (reverse) along random directions;
    order k checks the derivative functions themselves, recursively, as HIPS autograd does.
    """
    rng = np.random.default_rng(seed)
    arrays = _float64(args)
    n = len(arrays)
    if order < 1:
        return True
    v = [rng.standard_normal(a.shape) for a in arrays]
    numeric = _directional_fd(f, arrays, v, eps)
    if "fwd" in modes:
        _compare(_forward(f, arrays, v), numeric, atol, rtol, "forward mode (J v)", ())
        if order > 1:
            def f_jvp(*xs_and_vs):
                return jvp(f, list(xs_and_vs[:n]), list(xs_and_vs[n:]))[1]
            check_grads(f_jvp, arrays + v, order - 1, modes, eps, atol, rtol, seed + 1)
    if "rev" in modes:
        u = rng.standard_normal(numeric.shape)
        _compare(np.array(_reverse(f, arrays, u, v)), np.array(float(np.sum(u * numeric))), atol,
                 rtol, "reverse mode (<J^T u, v>)", ())
        if order > 1:
            def f_vjp(*xs_and_u):  # the VJP's outputs as one flat vector
                x_bars = vjp(f, *xs_and_u[:n])[1](xs_and_u[n])
                return concatenate([reshape(x_bar, (-1,)) for x_bar in x_bars])
            check_grads(f_vjp, arrays + [u], order - 1, modes, eps, atol, rtol, seed + 1)
    return True


def check_adjoint(f, args, rtol=1e-10, atol=1e-12, seed=0):
    """<u, J v> from our JVP equals <J^T u, v> from our VJP, to round-off (no differences)."""
    rng = np.random.default_rng(seed)
    arrays = _float64(args)
    v = [rng.standard_normal(a.shape) for a in arrays]
    j_v = _forward(f, arrays, v)
    u = rng.standard_normal(j_v.shape)
    lhs, rhs = float(np.sum(u * j_v)), _reverse(f, arrays, u, v)
    if not np.isclose(lhs, rhs, rtol=rtol, atol=atol):
        raise GradcheckError(f"adjoint identity fails: <u, J v> = {lhs!r} but <J^T u, v> = {rhs!r}")
    return True
