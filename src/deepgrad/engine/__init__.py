"""The autodiff core: Tensor, the graph and backward pass, primitives, forward mode, transforms.

Reading order (docs/engine.md): tensor -> graph -> primitives -> vocabulary -> backward ->
forward -> transforms -> checkpoint, pytree, testing, dot; the speed devices are in fast/.
"""

from . import operators  # noqa: F401  (first: installs Tensor's operators and methods)
