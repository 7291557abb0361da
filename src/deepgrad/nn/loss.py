"""Loss modules (as torch.nn's): each holds its options and calls its nn.functional twin.

`loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1); loss = loss_fn(logits, labels)`. Class
weights are buffers, as in torch (so they appear in state_dict when given).
"""

import numpy as np

from deepgrad.nn import functional as F
from deepgrad.nn.module import Module, as_array


class _Loss(Module):
    def __init__(self, reduction="mean"):
        F._check_reduction(type(self).__name__, reduction)
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        if weight is not None:
            self.register_buffer("weight", as_array(weight))
        else:
            self.weight = None


class CrossEntropyLoss(_WeightedLoss):
    """F.cross_entropy: softmax cross-entropy of logits (N, C) against labels (N,) or
    probabilities (N, C), with class `weight`, `ignore_index` and `label_smoothing`."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = int(ignore_index), float(label_smoothing)

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """F.nll_loss: -w_y log_probs[y], for log_softmax outputs."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = int(ignore_index)

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(_Loss):
    """F.mse_loss: (input - target)^2."""

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """F.l1_loss: |input - target|."""

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """F.huber_loss: quadratic within delta, linear outside."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = float(delta)

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """F.smooth_l1_loss: Huber divided by beta."""

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        self.beta = float(beta)

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_WeightedLoss):
    """F.binary_cross_entropy: for probabilities (after a sigmoid)."""

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """F.binary_cross_entropy_with_logits: for logits, with `pos_weight` per class."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction)
        if pos_weight is not None:
            self.register_buffer("pos_weight", np.asarray(as_array(pos_weight)))
        else:
            self.pos_weight = None

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)
