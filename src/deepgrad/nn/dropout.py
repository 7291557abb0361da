"""Dropout: zero each activation with probability p while training (Srivastava et al., 2014)."""

import numpy as np

from deepgrad.engine.tensor import Tensor
from deepgrad.nn.module import Module
from deepgrad.random import get_generator


class Dropout(Module):
    """Training: y = x * m / (1 - p), m_i ~ Bernoulli(1 - p), so E[y] = x ("inverted" dropout).
    Evaluation: y = x. Masks come from `generator` (a Generator or seed; None = the global one).
    """

    def __init__(self, p=0.5, generator=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = float(p)
        self._generator = None if generator is None else get_generator(generator)

    def forward(self, x):
        x = x if isinstance(x, Tensor) else Tensor(x)
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * np.zeros_like(x.data)
        keep = get_generator(self._generator).random(x.shape) >= self.p
        return x * (keep * (1.0 / (1.0 - self.p))).astype(x.dtype)

    def config(self):
        return {"p": self.p}

    def extra_repr(self):
        return f"p={self.p}"
