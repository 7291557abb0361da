"""PyTorch's names for dtypes and devices, and the helpers behind the Tensor's PyTorch-style methods.

dtypes are NumPy's scalar types under torch's names (``dg.float32 is np.float32``), so
``x.dtype == dg.float32`` and ``np.dtype(dg.long)`` both work. The only device is the CPU:
``device("cpu")`` equals the string "cpu"; asking for another device is a clear error.
"""

import builtins
from collections import namedtuple

import numpy as np

float16 = half = np.float16
float32 = float = np.float32
float64 = double = np.float64
int8 = np.int8
uint8 = np.uint8
int16 = short = np.int16
int32 = int = np.int32
int64 = long = np.int64
bool = np.bool_

# torch.max(x, dim) and torch.min(x, dim) return both the values and where they are.
MaxMin = namedtuple("MaxMin", ["values", "indices"])

_TYPE_NAMES = {"torch.FloatTensor": float32, "torch.DoubleTensor": float64,
               "torch.HalfTensor": float16, "torch.LongTensor": int64, "torch.IntTensor": int32,
               "torch.ShortTensor": int16, "torch.CharTensor": int8, "torch.ByteTensor": uint8,
               "torch.BoolTensor": bool}


class device:
    """A device, as ``torch.device``; only "cpu" exists (a GPU is a later issue)."""

    def __init__(self, type="cpu", index=None):
        name = type.type if isinstance(type, device) else str(type)
        if name.split(":")[0] != "cpu":
            raise ValueError(f"device: deepgrad runs on the CPU only, got device {name!r}")
        self.type, self.index = "cpu", None

    def __eq__(self, other):
        return isinstance(other, (device, str)) and str(other).split(":")[0] == "cpu"

    def __hash__(self):
        return hash("cpu")

    def __str__(self):
        return "cpu"

    def __repr__(self):
        return "device(type='cpu')"


CPU = device("cpu")


def is_device(value) -> bool:
    """True for a device or a device string ("cpu", "cuda:0"); checked, so "cuda" raises."""
    if isinstance(value, device):
        return True
    if isinstance(value, str) and value.split(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta"):
        device(value)
        return True
    return False


def as_dtype(dtype) -> np.dtype:
    """A NumPy dtype from a dtype, a NumPy type or one of torch's type strings."""
    if isinstance(dtype, str) and dtype in _TYPE_NAMES:
        return np.dtype(_TYPE_NAMES[dtype])
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype: expected a dtype such as deepgrad.float32, got {dtype!r}") \
            from None


def axis_keywords(name, axis, dim, keepdims, keepdim):
    """Merge torch's dim=/keepdim= with NumPy's axis=/keepdims= (giving both is an error)."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{name}: give axis= or dim=, not both")
        axis = tuple(dim) if isinstance(dim, list) else dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, keepdims


def as_shape(sizes) -> tuple:
    """Sizes given as f(2, 3) or f((2, 3)) or f([2, 3]), as torch accepts them."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    return tuple(builtins.int(s) for s in sizes)
