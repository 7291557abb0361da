"""``deepgrad.autograd``: PyTorch's autograd names (Function, grad) over deepgrad's engine."""

from .engine.custom import Function, FunctionCtx, once_differentiable  # noqa: F401
from .engine.graph import enable_grad, no_grad  # noqa: F401
