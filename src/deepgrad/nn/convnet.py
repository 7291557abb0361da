"""ConvNet: a stack of strided convolutions and ReLUs, then one linear layer (MNIST-1D's CNN).

With input_shape (1, 40), channels (25, 25, 25), kernel_size (5, 3, 3), stride 2 and padding 1 it
is the ConvBase of the MNIST-1D paper's models.py (Greydanus, 2020): 40 -> 19 -> 10 -> 5
positions, 125 features into a linear classifier.
"""

import numpy as np

import deepgrad as dg
from deepgrad.engine import conv as F
from deepgrad.nn.conv import Conv1d, Conv2d
from deepgrad.nn.linear import Linear
from deepgrad.nn.module import Module


class ConvNet(Module):
    """x (N, *input_shape) or flat (N, prod(input_shape)) -> logits (N, outputs).

    input_shape: (C, L) for signals (Conv1d) or (C, H, W) for images (Conv2d); kernel_size an int
    or one per layer; padding None gives kernel // 2 (so stride 2 halves each size).
    """

    def __init__(self, input_shape, channels, kernel_size, outputs, stride=2, padding=None,
                 init="pytorch", generator=None):
        self.input_shape = tuple(int(s) for s in input_shape)
        if len(self.input_shape) not in (2, 3) or min(self.input_shape) < 1:
            raise ValueError(f"ConvNet: input_shape must be (C, L) or (C, H, W), got {input_shape}")
        self.channels = [int(c) for c in channels]
        if not self.channels:
            raise ValueError("ConvNet: channels must name at least one convolution")
        kernels = [kernel_size] * len(self.channels) if isinstance(kernel_size, (int, np.integer)) \
            else list(kernel_size)
        if len(kernels) != len(self.channels):
            raise ValueError(f"ConvNet: kernel_size has {len(kernels)} entries for "
                             f"{len(self.channels)} layers")
        self.kernel_size, self.outputs, self.stride = [int(k) for k in kernels], int(outputs), stride
        self.padding, self.init = padding, init
        layer = Conv1d if len(self.input_shape) == 2 else Conv2d
        widths = [self.input_shape[0], *self.channels]
        self.convs = [layer(a, b, k, stride=stride, padding=k // 2 if padding is None else padding,
                            init=init, generator=generator)
                      for a, b, k in zip(widths, widths[1:], self.kernel_size)]
        with dg.no_grad():
            features = self._features(dg.tensor(np.zeros((1,) + self.input_shape))).shape[1]
        self.linear = Linear(features, self.outputs, generator=generator)

    def _features(self, x):
        for conv in self.convs:
            x = dg.relu(conv(x))
        return F.flatten(x)

    def forward(self, x):
        if x.ndim == 2:  # flat rows (a CSV, predict): give them their channel and spatial shape
            x = F.unflatten(x, 1, self.input_shape)
        return self.linear(self._features(x))

    def config(self):
        return {"input_shape": list(self.input_shape), "channels": self.channels,
                "kernel_size": self.kernel_size, "outputs": self.outputs, "stride": self.stride,
                "padding": self.padding, "init": self.init}
