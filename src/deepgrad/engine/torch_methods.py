"""Tensor's PyTorch-named methods (``size``, ``view``, ``permute``, ``to``, ``max(dim)``...).

Also PyTorch's bookkeeping on a tensor: the checked ``.grad`` setter, ``requires_grad_``,
``register_hook``, ``_version``, the conversions (``item``, ``numpy``, ``float(t)``) and the
in-place operators (``p -= lr * g``).

torch's names and keywords, each meaning what it means in torch (docs/coming-from-pytorch.md
lists the deliberate differences). Reductions take NumPy's axis=/keepdims= or torch's
dim=/keepdim=; everything differentiable is composed from the primitives. ``operators.py``
installs them on ``Tensor``.
"""

from __future__ import annotations

import numpy as np

from . import primitives as P
from . import torch_names
from .errors import ShapeError
from .mode import is_grad_enabled
from .tensor import Tensor, _data
from .versions import note_inplace, version_of


class TorchMethods:
    """PyTorch's Tensor methods, composed from deepgrad's primitives."""

    @property
    def grad(self):
        """The accumulated gradient (a Tensor of this shape) or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        # As PyTorch: a wrong gradient is refused when assigned, not steps later in an optimizer.
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: assigned grad must be a Tensor of shape {self.shape} or "
                                f"None, got {type(value).__name__}")
            if value.shape != self.shape:
                raise ShapeError(f"grad: assigned grad has shape {value.shape} but the "
                                       f"tensor has shape {self.shape}")
        self._grad = value

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Mark a leaf as needing gradients (as ``torch.Tensor.requires_grad_``)."""
        if flag and self.data.dtype.kind not in "f":
            raise TypeError(
                f"requires_grad: only floating tensors can require gradients, got dtype "
                f"{self.data.dtype}"
            )
        if not flag and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_(False): this tensor is not a leaf; use .detach() instead"
            )
        self.requires_grad = bool(flag)
        return self

    def register_hook(self, fn) -> None:
        """Call ``fn(grad)`` when this tensor's gradient is computed; a returned Tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not "
                               "require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)

    @property
    def _version(self) -> int:
        """How many times the Tensor API changed this tensor in place (as torch's ``_version``)."""
        return version_of(self)

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self):
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __bool__(self) -> bool:
        return bool(self.data)

    # ----------------------------------------------------------------- in place
    # In place (x += y, p -= lr * p.grad), as PyTorch: allowed under no_grad or on tensors that
    # do not require grad (counted by the version counter, so a saved tensor changed this way
    # makes backward raise); refused on a leaf that requires grad while recording; a recorded
    # non-leaf gets the out-of-place result (the name is rebound, the graph stays right).
    def _inplace(self, ufunc, other, symbol):
        if self.requires_grad and is_grad_enabled():
            if self.grad_fn is None:
                raise RuntimeError(
                    f"a leaf Tensor that requires grad is being used in an in-place operation "
                    f"(x {symbol}= ...); update parameters under `with deepgrad.no_grad():`")
            return NotImplemented
        ufunc(self.data, _data(other), out=self.data, casting="same_kind")
        note_inplace(self)
        return self

    def __iadd__(self, other):
        return self._inplace(np.add, other, "+")

    def __isub__(self, other):
        return self._inplace(np.subtract, other, "-")

    def __imul__(self, other):
        return self._inplace(np.multiply, other, "*")

    def __itruediv__(self, other):
        return self._inplace(np.divide, other, "/")


    def size(self, dim=None):
        """The shape as a tuple (torch.Size is one), or its length along `dim`. NOTE: a method,
        as torch; NumPy's element count is ``numel()``."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    @property
    def device(self):
        return torch_names.CPU

    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        axis, keepdims = torch_names.axis_keywords("sum", axis, dim, keepdims, keepdim)
        out = P.sum(self, axis=axis, keepdims=keepdims)
        return out if dtype is None else out.to(dtype)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = torch_names.axis_keywords("mean", axis, dim, keepdims, keepdim)
        return P.mean(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None, unbiased=None,
            correction=None):
        """Variance. NOTE: ddof=0 (NumPy's) unless torch's dim=, unbiased= or correction= is
        given, which follow torch (unbiased by default)."""
        torch_style = dim is not None or unbiased is not None or correction is not None
        if torch_style:
            ddof = correction if correction is not None else (0 if unbiased is False else 1)
        axis, keepdims = torch_names.axis_keywords("var", axis, dim, keepdims, keepdim)
        return P.var(self, axis=axis, keepdims=keepdims, ddof=ddof)

    def std(self, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None, unbiased=None,
            correction=None):
        """sqrt(var), with var's conventions."""
        return P.sqrt(self.var(axis, keepdims, ddof, dim=dim, keepdim=keepdim, unbiased=unbiased,
                               correction=correction))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Largest entries: x.max() and x.max(axis=a) give the values (NumPy); x.max(d) and
        x.max(dim=d) give (values, indices), as torch; a tuple of dims, or NumPy's keepdims=,
        gives the values (as torch.amax). NOTE: ties split the gradient evenly."""
        return self._extremum(P.max, np.argmax, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Smallest entries, with max's conventions."""
        return self._extremum(P.min, np.argmin, dim, keepdim, axis, keepdims)

    def _extremum(self, reduce, arg, dim, keepdim, axis, keepdims):
        if isinstance(dim, (tuple, list)) or keepdims is not None:
            # several dims (torch.amax's meaning) or NumPy's keepdims=: the values only
            if dim is not None:
                axis = tuple(dim) if isinstance(dim, (tuple, list)) else dim
            dim, keepdims = None, keepdim if keepdims is None else keepdims
        if dim is None:
            return reduce(self, axis=axis, keepdims=bool(keepdims))
        if axis is not None:
            raise TypeError("max/min: give axis= or dim=, not both")
        values = reduce(self, axis=dim, keepdims=keepdim)
        indices = arg(self.data, axis=dim, keepdims=keepdim)
        return torch_names.MaxMin(values, Tensor._wrap(np.asarray(indices, dtype=np.int64)))

    def argmax(self, dim=None, keepdim=False, *, axis=None):
        dim, keepdim = torch_names.axis_keywords("argmax", axis, dim, keepdim, None)
        return Tensor._wrap(np.asarray(np.argmax(self.data, axis=dim, keepdims=keepdim),
                                       dtype=np.int64))

    def argmin(self, dim=None, keepdim=False, *, axis=None):
        dim, keepdim = torch_names.axis_keywords("argmin", axis, dim, keepdim, None)
        return Tensor._wrap(np.asarray(np.argmin(self.data, axis=dim, keepdims=keepdim),
                                       dtype=np.int64))

    def softmax(self, dim=-1):
        return P.softmax(self, axis=dim)

    def log_softmax(self, dim=-1):
        return P.log_softmax(self, axis=dim)

    def view(self, *shape):
        """A reshape (deepgrad never shares storage between graph nodes; see the docs)."""
        return self.reshape(*shape)

    def view_as(self, other):
        return self.reshape(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def contiguous(self):
        return self

    def transpose(self, *axes):
        """torch's transpose(d0, d1) swaps two dimensions; NumPy's transpose(axes) with a full
        permutation of three or more (or none: reverse them all) is accepted too. NOTE: two
        arguments always mean torch's swap, so x.transpose(0, 1) of a matrix is its transpose."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if len(axes) == 2:
            order = list(range(self.ndim))
            d0, d1 = (a % self.ndim for a in axes)
            order[d0], order[d1] = order[d1], order[d0]
            axes = tuple(order)
        return P.transpose(self, axes=tuple(axes) if axes else None)

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape "
                             f"{self.shape}; use transpose(d0, d1)")
        return P.transpose(self)

    def permute(self, *dims):
        return P.transpose(self, axes=torch_names.as_shape(dims))

    def unsqueeze(self, dim):
        dim = dim % (self.ndim + 1)
        return P.reshape(self, shape=self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None):
        if dim is None:
            return P.reshape(self, shape=tuple(s for s in self.shape if s != 1))
        dims = {d % max(self.ndim, 1) for d in ((dim,) if np.ndim(dim) == 0 else dim)}
        return P.reshape(self, shape=tuple(s for i, s in enumerate(self.shape)
                                           if not (i in dims and s == 1)))

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return P.reshape(self, shape=(1,))
        start, end = start_dim % self.ndim, end_dim % self.ndim
        shape = self.shape[:start] + (-1,) + self.shape[end + 1:]
        return P.reshape(self, shape=shape)

    def expand(self, *sizes):
        """Broadcast to `sizes` (-1 keeps a dimension), as torch.expand."""
        sizes = torch_names.as_shape(sizes)
        own = (1,) * (len(sizes) - self.ndim) + self.shape
        return P.broadcast_to(self, shape=tuple(o if s == -1 else s for s, o in zip(sizes, own)))

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *repeats):
        """Tile: repeat the whole tensor repeats[i] times along dimension i (torch.repeat, which
        is np.tile); composed as reshape, broadcast, reshape, so its adjoint is a sum."""
        repeats = torch_names.as_shape(repeats)
        if len(repeats) < self.ndim:
            raise ValueError(f"repeat: give at least {self.ndim} repeats for shape {self.shape}, "
                             f"got {repeats}")
        own = (1,) * (len(repeats) - self.ndim) + self.shape
        spread = P.reshape(self, shape=tuple(x for d in own for x in (1, d)))
        wide = P.broadcast_to(spread, shape=tuple(x for r, d in zip(repeats, own) for x in (r, d)))
        return P.reshape(wide, shape=tuple(r * d for r, d in zip(repeats, own)))

    def split(self, split_size_or_sections, dim=0):
        """Pieces along `dim`: of size split_size_or_sections (the last may be smaller), or of
        the listed sizes."""
        n = self.shape[dim]
        if isinstance(split_size_or_sections, (int, np.integer)):
            step = int(split_size_or_sections)
            sizes = [min(step, n - i) for i in range(0, n, step)]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise ValueError(f"split: sections {sizes} do not add up to size {n} of "
                                 f"dimension {dim}")
        lead, pieces, start = (slice(None),) * (dim % self.ndim), [], 0
        for size in sizes:
            pieces.append(self[lead + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    def chunk(self, chunks, dim=0):
        n = self.shape[dim]
        return self.split(-(-n // int(chunks)) if n else 1, dim)

    def pow(self, exponent):
        return P.pow(self, exponent)

    def add(self, other):
        return P.add(self, other)

    def sub(self, other):
        return P.sub(self, other)

    def mul(self, other):
        return P.mul(self, other)

    def div(self, other):
        return P.div(self, other)

    def matmul(self, other):
        return P.matmul(self, other)

    def clone(self):
        """A copy of the data; differentiable (its gradient is the identity), as torch.clone."""
        if not self.requires_grad:
            return Tensor._wrap(self.data.copy())
        return self * np.ones((), self.dtype)

    def to(self, *args, dtype=None, device=None, copy=False):
        """Cast and/or move: to(dtype), to("cpu"), to(device, dtype), to(other_tensor)."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif torch_names.is_device(arg):
                pass
            else:
                dtype = arg
        if device is not None:
            torch_names.device(device)
        if dtype is None or torch_names.as_dtype(dtype) == self.dtype:
            return self.clone() if copy else self
        return P.astype(self, dtype=torch_names.as_dtype(dtype))

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        torch_names.device("cuda")

    def type(self, dtype=None):
        """With no argument, the dtype's name (torch gives 'torch.FloatTensor'); else to(dtype)."""
        return str(self.dtype) if dtype is None else self.to(dtype)

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def half(self):
        return self.to(np.float16)

    def long(self):
        return self.to(np.int64)

    def int(self):
        return self.to(np.int32)

    def bool(self):
        return self.to(np.bool_)
