"""The version counter: which tensors the Tensor API changed in place, and when.

Every graph node takes a number from ``counter`` when it is made; an in-place change takes one
too. A node whose saved input changed after it was made would differentiate stale values, so
backward refuses it (as PyTorch's ``_version`` check).
"""

from __future__ import annotations

import itertools
import weakref

counter = itertools.count()  # node creation order (a topological order) and in-place changes

# id(tensor) -> (node seq at its last in-place change, version, weakref): only tensors the Tensor
# API changed in place are here, so a plain training step pays one empty-dict test per backward.
_modified = {}


def note_inplace(t) -> None:
    """Record that ``t`` was changed in place now: nodes made before it saw its old values."""
    key = id(t)
    prev = _modified.get(key)
    ref = prev[2] if prev is not None else weakref.ref(t, lambda _, key=key: _modified.pop(key, None))
    _modified[key] = (next(counter), 1 if prev is None else prev[1] + 1, ref)


def version_of(t) -> int:
    entry = _modified.get(id(t))
    return 0 if entry is None else entry[1]

