"""deepgrad: a readable, fast deep-learning system over NumPy.

Tensors with reverse- and forward-mode autodiff (``deepgrad.engine``), the functional transforms
of JAX, and (in subpackages) the MLP and its practice and the lab of the lectures' theory.
"""

from .engine.fast.allocator import keep_freed_memory  # noqa: F401  (an opt-in call)
from .engine.anomaly import AnomalyError, detect_anomaly
from .engine.conv import conv1d, conv2d, flatten, unflatten  # noqa: F401  (as torch.*)
from .engine.graph import enable_grad, is_grad_enabled, no_grad, ShapeError
from .engine.primitives import (
    abs, add, astype, binary_cross_entropy_with_logits, broadcast_to, clip, cos,
    cross_entropy, div, erf, exp, gelu, leaky_relu, linear, log, matmul,
    maximum, minimum, mse_loss, mul, neg, pad, pow, relu, reshape, sigmoid, sign, sin,
    softplus, sqrt, sub, tanh, transpose, where,
)
# torch's names: dim=/keepdim= beside axis=/keepdims=, creation functions, dtypes and devices
from .engine.keywords import (
    argmax, argmin, cat, concat, concatenate, dot, log_softmax, logsumexp, max, mean, min, softmax,
    stack, std, sum, var,
)
from .engine.custom import custom_jvp, custom_vjp
from .engine.creation import (
    arange, empty, empty_like, eye, full, full_like, linspace, ones, ones_like, rand, randint,
    randn, randperm, zeros, zeros_like,
)
from .engine.torch_names import (
    bool, device, double, float, float16, float32, float64, half, int, int8, int16, int32, int64,
    long, short, uint8,
)
from .engine.creation import as_tensor, from_numpy, tensor
from .engine.tensor import Tensor, get_default_dtype, set_default_dtype
from .engine.testing import check_adjoint, check_grads, gradcheck
from .engine.checkpoint import checkpoint
from .engine.transforms import (
    grad, hessian, hvp, jacfwd, jacrev, jvp, linearize, ravel_parameters, value_and_grad, vjp,
    vmap,
)

__version__ = "0.1.0"

# Subpackages and their entry points load on first use (``dg.nn``, ``dg.save``), so that
# ``import deepgrad`` stays light: scikit-learn and matplotlib are imported only when needed.
_LAZY = {
    "nn": ("deepgrad.nn", None),
    "optim": ("deepgrad.optim", None),
    "data": ("deepgrad.data", None),
    "train": ("deepgrad.train", None),
    "lab": ("deepgrad.lab", None),
    "save": ("deepgrad.train.state_file", "save"),
    "load": ("deepgrad.train.state_file", "load"),
    "manual_seed": ("deepgrad.random", "manual_seed"),
    "to_dot": ("deepgrad.engine.dot", "to_dot"),
    "draw": ("deepgrad.drawing", "draw"),
    "compile": ("deepgrad.engine.fast.compile", "compile"),
    "jit": ("deepgrad.engine.fast.jit", "jit"),
    "tree_util": ("deepgrad.tree_util", None),
    "func": ("deepgrad.func", None),
    "autograd": ("deepgrad.autograd", None),
    "ld_derivative": ("deepgrad.engine.lexicographic", "ld_derivative"),
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'deepgrad' has no attribute {name!r}")
    import importlib

    module_name, attr = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
