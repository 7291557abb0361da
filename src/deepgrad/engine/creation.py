"""Creation functions under torch's names: tensor, as_tensor, from_numpy, zeros, ones, full,
empty, the *_like forms, rand, randn, randint, randperm, arange, linspace, eye.

Each takes torch's ``dtype=`` (default: the default float dtype, float32; integer ones int64),
``requires_grad=`` and ``device=`` (the CPU only). Sizes are given as f(2, 3) or f((2, 3)).
Random ones draw from deepgrad's generator (``manual_seed``, or ``generator=``): the same seed
gives the same numbers in deepgrad, not the numbers torch would draw.
"""

import numpy as np

from deepgrad.random import get_generator

from . import torch_names
from .tensor import Tensor, get_default_dtype


def _make(array, dtype, requires_grad, device):
    if device is not None:
        torch_names.device(device)
    if dtype is not None:
        array = array.astype(torch_names.as_dtype(dtype), copy=False)
    return Tensor(array, requires_grad=requires_grad)


def zeros(*size, dtype=None, requires_grad=False, device=None):
    return _make(np.zeros(torch_names.as_shape(size), get_default_dtype()), dtype, requires_grad,
                 device)


def ones(*size, dtype=None, requires_grad=False, device=None):
    return _make(np.ones(torch_names.as_shape(size), get_default_dtype()), dtype, requires_grad,
                 device)


def empty(*size, dtype=None, requires_grad=False, device=None):
    """Like zeros (NOTE: the memory is zeroed, unlike torch's uninitialised empty)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad, device=device)


def full(size, fill_value, dtype=None, requires_grad=False, device=None):
    """Every entry fill_value; the dtype follows it (a bool, an int: int64, a float: float32)."""
    # with dtype= the value is converted once, to that dtype (0.3 stays 0.3 in float64)
    value = Tensor(fill_value).data if dtype is None else np.asarray(
        fill_value, torch_names.as_dtype(dtype))
    return _make(np.full(torch_names.as_shape((size,)), value, value.dtype), dtype,
                 requires_grad, device)


def _like(x, fill, dtype, requires_grad, device):
    data = x.data if isinstance(x, Tensor) else np.asarray(x)
    return _make(np.full(data.shape, fill, data.dtype if dtype is None else
                         torch_names.as_dtype(dtype)), None, requires_grad, device)


def zeros_like(input, dtype=None, requires_grad=False, device=None):
    return _like(input, 0, dtype, requires_grad, device)


def ones_like(input, dtype=None, requires_grad=False, device=None):
    return _like(input, 1, dtype, requires_grad, device)


def empty_like(input, dtype=None, requires_grad=False, device=None):
    return _like(input, 0, dtype, requires_grad, device)


def full_like(input, fill_value, dtype=None, requires_grad=False, device=None):
    return _like(input, fill_value, dtype, requires_grad, device)


def rand(*size, generator=None, dtype=None, requires_grad=False, device=None):
    """Uniform on [0, 1)."""
    array = get_generator(generator).random(torch_names.as_shape(size))
    return _make(array.astype(get_default_dtype()), dtype, requires_grad, device)


def randn(*size, generator=None, dtype=None, requires_grad=False, device=None):
    """Standard normal."""
    array = get_generator(generator).standard_normal(torch_names.as_shape(size))
    return _make(array.astype(get_default_dtype()), dtype, requires_grad, device)


def randint(low, high=None, size=None, generator=None, dtype=None, requires_grad=False,
            device=None):
    """Integers in [low, high) (randint(high, size) starts at 0), int64."""
    if size is None:
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: give size=, e.g. randint(0, 10, (3,))")
    array = get_generator(generator).integers(low, high, size=torch_names.as_shape((size,)))
    return _make(array.astype(np.int64), dtype, requires_grad, device)


def randperm(n, generator=None, dtype=None, requires_grad=False, device=None):
    """A random permutation of 0 .. n-1, int64."""
    return _make(get_generator(generator).permutation(int(n)).astype(np.int64), dtype,
                 requires_grad, device)


def arange(start, end=None, step=1, dtype=None, requires_grad=False, device=None):
    """start, start + step, ... below end; integers give int64, any float the default float."""
    if end is None:
        start, end = 0, start
    floating = any(isinstance(v, float) or np.asarray(v).dtype.kind == "f"
                   for v in (start, end, step))
    array = np.arange(start, end, step, dtype=get_default_dtype() if floating else np.int64)
    return _make(array, dtype, requires_grad, device)


def linspace(start, end, steps, dtype=None, requires_grad=False, device=None):
    """steps evenly spaced values from start to end inclusive (computed in float64)."""
    array = np.linspace(start, end, int(steps)).astype(get_default_dtype())
    return _make(array if dtype is None else np.linspace(start, end, int(steps)), dtype,
                 requires_grad, device)


def eye(n, m=None, dtype=None, requires_grad=False, device=None):
    return _make(np.eye(int(n), None if m is None else int(m), dtype=get_default_dtype()), dtype,
                 requires_grad, device)


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
