"""Every primitive, split by kind; this package gathers them under one name (``P.exp``...).

``base`` holds ``Primitive``, ``elementwise()`` and ``registry()``; then ``elementwise``,
``reductions``, ``shape``, ``linalg`` and ``losses``; the convolution primitives live in
``engine/conv.py``. Adding a primitive touches one of these files.
"""

from .base import Primitive, elementwise, linear_map, pointwise, registry  # noqa: F401
from .elementwise import (  # noqa: F401
    _astype, _clip, _leaky_relu, _where, abs, add, astype, clip, cos, div, erf, exp, gelu,
    identity, leaky_relu, log, maximum, minimum, mul, neg, pow, pow_da, pow_dp, relu, sigmoid, sign, sin,
    softplus, sqrt, sub, tanh, where,
)
from .linalg import linear, linear_prim, matmul  # noqa: F401
from .losses import (  # noqa: F401
    bce_with_logits_prim, binary_cross_entropy_with_logits, cross_entropy, cross_entropy_prim,
    mse_loss, mse_loss_prim,
)
from .reductions import (  # noqa: F401
    _logsumexp, _max, _mean, _min, _softmax, _sum, log_softmax, logsumexp,
    max, mean, min, softmax, sum, var,
)
from .shape import (  # noqa: F401
    _broadcast_to, _concatenate, _getitem_adjoint, _pad, _reshape, _stack, _transpose,
    broadcast_to, concatenate, getitem, mT, pad, reshape, stack, sum_to, transpose, zeros_like,
)
