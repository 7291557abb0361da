"""Residual: the skip connection a + F(a) of residual networks (He et al., 2016)."""

from deepgrad.nn.module import Module


class Residual(Module):
    """y = a + block(a). `block` must keep the shape of its input; at block = 0 the layer is the
    identity, so gradients pass through a deep stack undiminished."""

    def __init__(self, block):
        if not isinstance(block, Module):
            raise TypeError(f"Residual: block must be a Module, got {type(block).__name__}")
        self.block = block

    def forward(self, a):
        return a + self.block(a)

    def config(self):
        return {"block": self.block}
