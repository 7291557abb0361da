"""Tensor: one NumPy array plus the node that made it.

A Tensor is deliberately thin (``__slots__``, no per-element Python): ``.data`` is the array,
``.grad_fn`` the graph node that produced it (None for leaves), ``.tangents`` the forward-mode
perturbations it carries (None when there are none). ``.reverse_level`` says which reverse passes
may differentiate it: 0 (any ``backward()``) unless every tensor it requires grad through is an
input made by a ``vjp`` opened later (that vjp's level; see ``forward._plain``). Every operator is a one-line call into
``apply`` with a primitive from ``primitives.py``.
"""

from __future__ import annotations

import numpy as np

from deepgrad.display import tensor_html

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
    if dtype is not None:
        arr = np.asarray(data, dtype=dtype)
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        arr = np.asarray(data)
        if arr.dtype.kind == "f":
            arr = arr.astype(_default_dtype, copy=False)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64, copy=False)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"tensor: unsupported dtype {arr.dtype} (deepgrad supports bool, integer and "
            "floating arrays; complex and object arrays are not differentiable here)"
        )
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
        self._grad = None
        self.grad_fn = None
        self.tangents = None
        self._hooks = None
        self.requires_grad = False
        self.reverse_level = 0
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data: np.ndarray) -> Tensor:
        """Fast constructor for an ndarray we already own (the hot path of ``apply``)."""
        t = object.__new__(cls)
        t.data = data
        t._grad = None
        t.grad_fn = None
        t.tangents = None
        t._hooks = None
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

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def __len__(self) -> int:
        return len(self.data)

    # ----------------------------------------------------------------- conversions
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

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20, prefix="tensor(")
        extra = f", dtype={self.data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{self.grad_fn.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    _repr_html_ = tensor_html  # Jupyter's rich display (deepgrad/display.py)

    # ----------------------------------------------------------------- autograd state
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
                raise graph.ShapeError(f"grad: assigned grad has shape {value.shape} but the "
                                       f"tensor has shape {self.shape}")
        self._grad = value

    @property
    def _version(self) -> int:
        """How many times the Tensor API changed this tensor in place (as torch's ``_version``)."""
        return graph.version_of(self)

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

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, cut off from the graph (and from tangents)."""
        return Tensor._wrap(self.data)

    def register_hook(self, fn) -> None:
        """Call ``fn(grad)`` when this tensor's gradient is computed; a returned Tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not "
                               "require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (reverse mode, as PyTorch).

        A non-scalar needs ``gradient`` (the cotangent, same shape). The graph is freed
        afterwards unless ``retain_graph`` (which defaults to ``create_graph``); ``create_graph``
        records the backward pass itself so the gradients can be differentiated again.
        """
        graph.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    # ----------------------------------------------------------------- operators
    def __add__(self, other):
        return P.add(self, other)

    def __radd__(self, other):
        return P.add(other, self)

    def __sub__(self, other):
        return P.sub(self, other)

    def __rsub__(self, other):
        return P.sub(other, self)

    def __mul__(self, other):
        return P.mul(self, other)

    def __rmul__(self, other):
        return P.mul(other, self)

    def __truediv__(self, other):
        return P.div(self, other)

    def __rtruediv__(self, other):
        return P.div(other, self)

    def __pow__(self, other):
        return P.pow(self, other)

    def __rpow__(self, other):
        return P.pow(other, self)

    def __matmul__(self, other):
        return P.matmul(self, other)

    def __rmatmul__(self, other):
        return P.matmul(other, self)

    # In place (x += y, p -= lr * p.grad), as PyTorch: allowed under no_grad or on tensors that
    # do not require grad (counted by the version counter, so a saved tensor changed this way
    # makes backward raise); refused on a leaf that requires grad while recording; a recorded
    # non-leaf gets the out-of-place result (the name is rebound, the graph stays right).
    def _inplace(self, ufunc, other, symbol):
        if self.requires_grad and graph.is_grad_enabled():
            if self.grad_fn is None:
                raise RuntimeError(
                    f"a leaf Tensor that requires grad is being used in an in-place operation "
                    f"(x {symbol}= ...); update parameters under `with deepgrad.no_grad():`")
            return NotImplemented
        ufunc(self.data, _data(other), out=self.data, casting="same_kind")
        graph.note_inplace(self)
        return self

    def __iadd__(self, other):
        return self._inplace(np.add, other, "+")

    def __isub__(self, other):
        return self._inplace(np.subtract, other, "-")

    def __imul__(self, other):
        return self._inplace(np.multiply, other, "*")

    def __itruediv__(self, other):
        return self._inplace(np.divide, other, "/")

    def __neg__(self):
        return P.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return P.abs(self)

    def __getitem__(self, index):
        return P.getitem(self, index=_index_data(index))

    # Comparisons are not differentiable: they return bool tensors outside the graph.
    def __lt__(self, other):
        return Tensor._wrap(np.asarray(self.data < _data(other)))

    def __le__(self, other):
        return Tensor._wrap(np.asarray(self.data <= _data(other)))

    def __gt__(self, other):
        return Tensor._wrap(np.asarray(self.data > _data(other)))

    def __ge__(self, other):
        return Tensor._wrap(np.asarray(self.data >= _data(other)))

    def __eq__(self, other):
        return Tensor._wrap(np.asarray(self.data == _data(other)))

    def __ne__(self, other):
        return Tensor._wrap(np.asarray(self.data != _data(other)))

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- methods
    @property
    def T(self):
        return P.transpose(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return P.reshape(self, shape=tuple(shape))

    def exp(self):
        return P.exp(self)

    def log(self):
        return P.log(self)

    def sqrt(self):
        return P.sqrt(self)

    def abs(self):
        return P.abs(self)

    def relu(self):
        return P.relu(self)

    def sigmoid(self):
        return P.sigmoid(self)

    def tanh(self):
        return P.tanh(self)

    def clip(self, lo=None, hi=None):
        return P.clip(self, lo=lo, hi=hi)

    def astype(self, dtype):
        return P.astype(self, dtype=np.dtype(dtype))


    # ================================================================= PyTorch-style methods
    # torch's names and keywords, each meaning what it means in torch (docs/coming-from-pytorch.md
    # lists the deliberate differences). Reductions take NumPy's axis=/keepdims= or torch's
    # dim=/keepdim=; everything differentiable is composed from the primitives.
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
    # ================================================================= end of PyTorch-style methods

def _data(x):
    return x.data if isinstance(x, Tensor) else x


def _index_data(index):
    """Indices may contain Tensors (advanced indexing); NumPy wants arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def tensor(data, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """Make a leaf Tensor (``torch.tensor``): floats become float32, arrays keep their dtype.
    A torch tensor is read through ``.detach().cpu().numpy()``; ``device`` may only be the CPU.

    Always copies ``data`` (as ``torch.tensor``): later changes to the array do not reach the
    tensor. ``as_tensor`` and ``from_numpy`` share memory instead.
    """
    if device is not None:
        torch_names.device(device)
    if hasattr(data, "detach") and not isinstance(data, Tensor):
        data = data.detach().cpu().numpy()
    source = data.data if isinstance(data, Tensor) else data
    t = Tensor(source, dtype=None if dtype is None else torch_names.as_dtype(dtype),
               requires_grad=requires_grad)
    if isinstance(source, np.ndarray) and np.may_share_memory(t.data, source):
        t.data = t.data.copy()
    return t


def as_tensor(data, dtype=None) -> Tensor:
    """A Tensor over ``data`` without copying when it is already an ndarray of ``dtype``
    (``torch.as_tensor``): the tensor and the array share memory, so writes to one show in both."""
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor sharing ``array``'s memory and dtype (``torch.from_numpy``): no copy is made."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


from . import graph  # noqa: E402  (the graph needs Tensor defined first)
from . import primitives as P  # noqa: E402  (primitives need Tensor defined first)
from . import torch_names  # noqa: E402
