"""Adagrad: per-coordinate steps from the running sum of squared gradients (torch.optim.Adagrad)."""

import numpy as np

from deepgrad.optim.optimizer import Optimizer, check_hyperparameters


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011). At step t, with g = grad + weight_decay * w:

        s <- s + g * g
        w <- w - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

    Defaults as PyTorch: lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
    eps=1e-10.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                 initial_accumulator_value=0.0, eps=1e-10):
        check_hyperparameters("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _update(self, p, grad, state, group):
        if not state:
            state["step"] = 0.0
            state["sum"] = np.full_like(p.data, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.data
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        std = np.sqrt(state["sum"])
        std += group["eps"]
        p.data -= clr * grad / std
