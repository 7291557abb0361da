"""A selection against zero by multiplying with the mask (a speed device).

The rules of relu (VJP and JVP), clip and the max/min reductions keep the cotangent where a mask
holds and 0 elsewhere: ``np.where(mask, g, 0.0)``. On a random mask np.where branches per element and
mispredicts half the time: 2.9 ms on a (512, 1024) float32 cotangent, against 0.25 ms for
``g * mask``. The product equals the selection wherever ``g`` is finite, and inf * 0 is NaN, so a
NaN in the product (one extra reduction, 0.05 ms) sends the call back to np.where. The one
difference: a selected -0.0 becomes +0.0, as every dropped entry is +0.0 (as PyTorch's
threshold_backward gives). Below 16,384 entries the checks cost more than they save (3.7 against
8.3 us at 32 x 16), so small arrays go straight to np.where.
"""

from __future__ import annotations

import numpy as np


def where(condition, x, y):
    """``np.where(condition, x, y)``; branch-free when ``y`` is the number 0 and ``x`` a float
    array of the condition's shape."""
    if (type(x) is np.ndarray and x.size >= 16384 and x.dtype.kind == "f"
            and type(y) in (int, float) and y == 0
            and type(condition) is np.ndarray and condition.dtype == bool
            and condition.shape == x.shape):
        with np.errstate(invalid="ignore", over="ignore"):  # inf * 0 and inf - inf: we check
            out = np.multiply(x, condition)
            finite = not np.isnan(np.add.reduce(out, axis=None))
        if finite:
            return np.add(out, 0.0, out=out)  # -0.0 (a negative g dropped) -> +0.0
    return np.where(condition, x, y)
