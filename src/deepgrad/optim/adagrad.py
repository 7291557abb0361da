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

    def _state(self, p, state, group):
        """The sum s, at initial_accumulator_value before the first step; then t, advanced."""
        if not state:
            state.update(step=0.0, sum=np.full_like(p.data, group["initial_accumulator_value"]))
        state["step"] += 1
        return state["step"]

    def _update(self, p, grad, state, group):
        t = self._state(p, state, group)
        g = grad + group["weight_decay"] * p.data
        s = state["sum"] = state["sum"] + g * g
        p.data[...] = p.data - group["lr"] / (1 + (t - 1) * group["lr_decay"]) * g / (np.sqrt(s) + group["eps"])

    # ------------------------------------------------------------------ the fast path
    # The same update, the sum and the denominator in place.
    def _update_in_place(self, p, grad, state, group):
        t = self._state(p, state, group)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.data
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        std = np.sqrt(state["sum"])
        std += group["eps"]
        p.data -= clr * grad / std
