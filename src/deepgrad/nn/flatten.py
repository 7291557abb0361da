"""Flatten and Unflatten: reshape between feature maps and feature vectors (as torch.nn's)."""

from deepgrad.engine import conv as F
from deepgrad.nn.module import Module


class Flatten(Module):
    """Merge dims start_dim..end_dim: (N, C, L) -> (N, C*L) with the defaults (1, -1)."""

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return F.flatten(x, self.start_dim, self.end_dim)

    def config(self):
        return {"start_dim": self.start_dim, "end_dim": self.end_dim}

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into unflattened_size: (N, C*L) -> (N, C, L) with dim=1, size (C, L)."""

    def __init__(self, dim, unflattened_size):
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        return F.unflatten(x, self.dim, self.unflattened_size)

    def config(self):
        return {"dim": self.dim, "unflattened_size": list(self.unflattened_size)}

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
