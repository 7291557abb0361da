"""Tensor: one NumPy array plus the node that made it.

A Tensor is deliberately thin (``__slots__``, no per-element Python): ``.data`` is the array,
``.grad_fn`` the graph node that produced it (None for leaves), ``.tangents`` the forward-mode
perturbations it carries (None when there are none). ``.reverse_level`` says which reverse passes
may differentiate it: 0 (any ``backward()``) unless every tensor it requires grad through is an
input made by a ``vjp`` opened later (that vjp's level; see ``fast/levels.py``). The
operators and methods that compute (``+``, ``@``, ``.sum()``, ``.backward()``) call primitives,
which build on this file, so ``operators.py`` installs them on the class, in one place.
"""

from __future__ import annotations

import operator

import numpy as np

from deepgrad.display import tensor_html, tensor_repr


_default_dtype = np.dtype(np.float32)


def set_default_dtype(dtype) -> None:
    """Set the dtype given to Python floats and lists of floats (float32 or float64)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64, np.float16):
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype that Python floats become (float32 unless changed)."""
    return _default_dtype


def _as_array(data, dtype=None) -> np.ndarray:
    """Convert data to an ndarray with deepgrad's dtype rules.

    Python scalars and lists of floats become the default dtype (float32), Python ints int64,
    bools bool; an ndarray keeps its dtype. Object and complex dtypes are refused.
    """
    if isinstance(data, Tensor):
        data = data.data
    arr = np.asarray(data, dtype=dtype)
    if dtype is None and not isinstance(data, (np.ndarray, np.generic)):  # Python numbers, lists
        if arr.dtype.kind == "f":
            arr = arr.astype(_default_dtype, copy=False)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64, copy=False)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"tensor: unsupported dtype {arr.dtype} (deepgrad supports bool, integer and "
                        "floating arrays; complex and object arrays are not differentiable here)")
    return arr


class Tensor:
    """An n-dimensional array that records how it was computed, for automatic differentiation.

    Semantics follow PyTorch: ``.grad`` of a leaf accumulates over backward calls, ``no_grad``
    records nothing, ``detach`` stops gradients. Integer and bool tensors never require grad.
    """

    __slots__ = ("data", "_grad", "requires_grad", "grad_fn", "tangents", "_hooks", "reverse_level",
                 "__weakref__")

    # Make NumPy defer to our reflected operators (ndarray * Tensor -> Tensor.__rmul__).
    __array_ufunc__ = None

    def __init__(self, data, dtype=None, requires_grad: bool = False):
        self.data = _as_array(data, dtype)
        self._grad = self.grad_fn = self.tangents = self._hooks = None
        self.requires_grad = False
        self.reverse_level = 0
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data: np.ndarray) -> Tensor:
        """Fast constructor for an ndarray we already own (the hot path of ``apply``)."""
        t = object.__new__(cls)
        t.data = data
        t._grad = t.grad_fn = t.tangents = t._hooks = None
        t.requires_grad = False
        t.reverse_level = 0
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    __repr__ = tensor_repr  # the text a terminal shows and Jupyter's rich display: deepgrad/display.py
    _repr_html_ = tensor_html

    # ----------------------------------------------------------------- autograd state
    # (requires_grad_ and register_hook, PyTorch's bookkeeping, are in torch_methods.py)
    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut off from the graph (and from tangents)."""
        return Tensor._wrap(self.data)

    # Comparisons are not differentiable: they return bool tensors outside the graph.
    def _compare(op):
        return lambda self, other: Tensor._wrap(np.asarray(op(self.data, _data(other))))

    __lt__, __le__, __gt__ = _compare(operator.lt), _compare(operator.le), _compare(operator.gt)
    __ge__, __eq__, __ne__ = _compare(operator.ge), _compare(operator.eq), _compare(operator.ne)
    __hash__ = object.__hash__


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _shape(x):
    """np.shape(x), without NumPy's dispatch on a Tensor (5.5k instead of 1.3k instructions)."""
    return x.shape if isinstance(x, Tensor) else np.shape(x)


def _index_data(index):
    """Indices may contain Tensors (advanced indexing); NumPy wants arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index
