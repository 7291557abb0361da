"""Pooling layers: max and average over windows, adaptive average to a fixed output size."""

from deepgrad.engine import conv as F
from deepgrad.nn.module import Module


class _Pool(Module):
    """Shared constructor of the window poolings (stride defaults to kernel_size, as PyTorch)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def config(self):
        return {"kernel_size": self.kernel_size, "stride": self.stride, "padding": self.padding}

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_Pool):
    """Max over windows of (N, C, L); the gradient at ties goes to the first maximum (PyTorch)."""

    def forward(self, x):
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding)


class MaxPool2d(_Pool):
    """Max over windows of (N, C, H, W); ties as MaxPool1d."""

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool1d(_Pool):
    """Mean over windows of (N, C, L), zero padding counted (PyTorch's default)."""

    def forward(self, x):
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool):
    """Mean over windows of (N, C, H, W), zero padding counted (PyTorch's default)."""

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class _Adaptive(Module):
    def __init__(self, output_size):
        self.output_size = output_size

    def config(self):
        return {"output_size": self.output_size}

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_Adaptive):
    """(N, C, L) -> (N, C, output_size): mean over PyTorch's bins (any sizes; 1 = global)."""

    def forward(self, x):
        return F.adaptive_avg_pool1d(x, self.output_size)


class AdaptiveAvgPool2d(_Adaptive):
    """(N, C, H, W) -> (N, C, *output_size): mean over PyTorch's bins (any sizes)."""

    def forward(self, x):
        return F.adaptive_avg_pool2d(x, self.output_size)
