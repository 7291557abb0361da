"""The autodiff core: Tensor, the graph and backward pass, primitives, forward mode, transforms.

Reading order: tensor -> graph -> primitives -> forward -> transforms -> testing.
"""

from . import tensor  # noqa: F401  (first: graph and primitives build on Tensor)
