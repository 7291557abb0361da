"""Conv1d and Conv2d: learned cross-correlations over signals (N, C, L) and images (N, C, H, W)."""

import math

import numpy as np

from deepgrad.engine import conv as F
from deepgrad.engine.tensor import get_default_dtype
from deepgrad.nn import init
from deepgrad.nn.module import Module
from deepgrad.nn.parameter import Parameter

INITS = ("pytorch", "he")


class _ConvNd(Module):
    """y = b + W * x (cross-correlation), as torch.nn.ConvNd (zero padding only).

    weight: (out_channels, in_channels / groups, *kernel_size), bias: (out_channels,).
    init="pytorch" (default): W ~ kaiming_uniform_(a=sqrt(5)) and b ~ U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), fan_in = in_channels / groups * prod(kernel_size), exactly PyTorch's;
    init="he": W ~ N(0, 2 / fan_in) (kaiming_normal_, relu) and b = 0.
    """

    dims = 0

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, init="pytorch", generator=None):
        name = type(self).__name__
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels),
                           ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if init not in INITS:
            raise ValueError(f"{name}: init must be one of {INITS}, got {init!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), \
            int(groups)
        self.kernel_size = F._tuple(kernel_size, self.dims, "kernel_size", name)
        self.stride = F._tuple(stride, self.dims, "stride", name)
        self.dilation = F._tuple(dilation, self.dims, "dilation", name)
        F._conv_padding(padding, self.kernel_size, self.stride, self.dilation, name)  # checks it
        self.padding = padding if isinstance(padding, str) else \
            F._tuple(padding, self.dims, "padding", name, minimum=0)
        self.init = init
        dtype = get_default_dtype()
        self.weight = Parameter(np.empty((self.out_channels, self.in_channels // self.groups)
                                         + self.kernel_size, dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        fan_in = self.in_channels // self.groups * math.prod(self.kernel_size)
        if self.init == "he":
            init.kaiming_normal_(self.weight, nonlinearity="relu", generator=generator)
            if self.bias is not None:
                init.zeros_(self.bias)
            return
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x):
        return F.conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups, op=type(self).__name__)

    def config(self):
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": list(self.kernel_size), "stride": list(self.stride),
                "padding": self.padding if isinstance(self.padding, str) else list(self.padding),
                "dilation": list(self.dilation), "groups": self.groups,
                "bias": self.bias is not None, "init": self.init}

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding!r}"
                + (f", dilation={self.dilation}" if any(d != 1 for d in self.dilation) else "")
                + (f", groups={self.groups}" if self.groups != 1 else "")
                + (", bias=False" if self.bias is None else ""))


class Conv1d(_ConvNd):
    """1-D convolution: x (N, C_in, L) -> (N, C_out, L_out), as torch.nn.Conv1d."""

    dims = 1


class Conv2d(_ConvNd):
    """2-D convolution: x (N, C_in, H, W) -> (N, C_out, H_out, W_out), as torch.nn.Conv2d."""

    dims = 2
