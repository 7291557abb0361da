"""Linear algebra: matmul (batched, 1-D promoted as NumPy) and the fused linear layer.

Both are bilinear: the JVP is the product rule, each VJP a product with the other operand.
"""

from __future__ import annotations

import numpy as np

from .base import Primitive, _sum_dots
from .shape import reshape

# --------------------------------------------------------------------------- matmul

def _as_matrices(a, b):
    """Promote 1-D operands as np.matmul does: a -> (1, k), b -> (k, 1)."""
    a2 = a if a.ndim > 1 else a.reshape(1, -1) if isinstance(a, np.ndarray) else reshape(a, (1, -1))
    b2 = b if b.ndim > 1 else b.reshape(-1, 1) if isinstance(b, np.ndarray) else reshape(b, (-1, 1))
    return a2, b2


def _matmul_vjp(which):
    def rule(d, g, y, a, b):
        if a.ndim == 2 and b.ndim == 2:  # the common case, no reshapes
            return d.matmul(g, d.mT(b)) if which == 0 else d.matmul(d.mT(a), g)
        a2, b2 = _as_matrices(a, b)
        full = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1])
        g2 = d.reshape(g, full)
        if which == 0:
            return d.reshape(d.sum_to(d.matmul(g2, d.mT(b2)), a2.shape), a.shape)
        return d.reshape(d.sum_to(d.matmul(d.mT(a2), g2), b2.shape), b.shape)
    return rule


# y = a @ b (batched, 1-D promoted as NumPy)   a_bar = y_bar b^T, b_bar = a^T y_bar
# y_dot = a_dot b + a b_dot
matmul = Primitive(
    "matmul", np.matmul,
    (_matmul_vjp(0), _matmul_vjp(1)),
    lambda d, dots, y, a, b: _sum_dots(
        (d.matmul(dots[0], b) if dots[0] is not None else None,
         d.matmul(a, dots[1]) if dots[1] is not None else None)), batch="matmul",
)


# --------------------------------------------------------------------------- fused primitives
# Fused for speed (one node and no temporaries on the training hot path) or for stability.

def _linear_fwd(x, w, b=None, out=None):
    y = np.matmul(x, w.T, out=out)
    if b is not None:
        y += b  # in place on the fresh product: saves a temporary
    return y


def _linear_vjp_w(d, g, y, x, w, b=None):
    if g.ndim == 2:
        return d.matmul(d.mT(g), x)
    return d.matmul(d.mT(d.reshape(g, (-1, g.shape[-1]))), d.reshape(x, (-1, x.shape[-1])))


def _linear_jvp(d, dots, y, x, w, b=None):
    # linear(a, B) = a B^T: one node each, no transpose nodes (forward mode is on hvp's path)
    return _sum_dots((d.linear(dots[0], w) if dots[0] is not None else None,
                      d.linear(x, dots[1]) if dots[1] is not None else None, *dots[2:]))  # + b_dot


# y = x W^T + b      x_bar = y_bar W,  W_bar = y_bar^T x,  b_bar = sum_batch y_bar
linear_prim = Primitive(
    "linear", _linear_fwd,
    (lambda d, g, y, x, w, b=None: d.matmul(g, w),
     _linear_vjp_w,
     lambda d, g, y, x, w, b=None: d.sum(g, tuple(range(g.ndim - 1)))),
    _linear_jvp,
    # out= variants (compile writes into buffers allocated once; checked when it traces)
    out=(lambda o, x, w, b=None: _linear_fwd(x, w, b, out=o),
         (lambda o, g, y, x, w, b=None: np.matmul(g, w, out=o),
          lambda o, g, y, x, w, b=None: np.matmul(g.T, x, out=o),
          lambda o, g, y, x, w, b=None: np.add.reduce(g, 0, out=o))),
    batch="linear",
)


def linear(x, weight, bias=None):
    """Affine map y = x W^T + b (W: (out, in), b: (out,)), as torch.nn.functional.linear."""
    return linear_prim(x, weight) if bias is None else linear_prim(x, weight, bias)
