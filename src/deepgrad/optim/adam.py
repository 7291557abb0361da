"""Adam: momentum plus per-coordinate RMS scaling, with bias correction (torch.optim.Adam)."""

import math

import numpy as np

from deepgrad.optim.optimizer import Optimizer, check_hyperparameters


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015). At step t, with g = grad + weight_decay * w (L2, coupled):

        m <- beta1 * m + (1 - beta1) * g          v <- beta2 * v + (1 - beta2) * g^2
        w <- w - lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps)

    amsgrad=True uses the running maximum of v in the denominator. Defaults as PyTorch: lr=1e-3,
    betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False.
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False):
        betas = tuple(betas)
        check_hyperparameters(type(self).__name__, lr=lr, betas=betas, eps=eps,
                              weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def _state(self, p, state, group):
        """The moments, zero before the first step; then the step count t, advanced."""
        if not state:
            state.update(step=0.0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        return state["step"]

    def _update(self, p, grad, state, group):
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        t = self._state(p, state, group)
        w, g = p.data, grad
        if self.decoupled_weight_decay:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * g
        v = state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], v)
        p.data[...] = w - lr / (1 - beta1 ** t) * m / (np.sqrt(v / (1 - beta2 ** t)) + group["eps"])

    # ------------------------------------------------------------------ the fast path
    # The same update in place with one temporary: the NumPy calls of a hand-written update
    # (W2's six parameters: 60 us against the hand-written benchmark peer's 58.5 us).
    def _update_in_place(self, p, grad, state, group):
        lr, (beta1, beta2), weight_decay = group["lr"], group["betas"], group["weight_decay"]
        step = self._state(p, state, group)
        if weight_decay != 0:
            if self.decoupled_weight_decay:
                p.data *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * p.data
        m, v = state["exp_avg"], state["exp_avg_sq"]
        t = np.subtract(grad, m)
        t *= 1 - beta1
        m += t                                    # m <- m + (1 - beta1) (g - m), torch's lerp
        np.multiply(grad, grad, out=t)
        t *= 1 - beta2
        v *= beta2
        v += t
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        np.sqrt(v, out=t)                         # denominator sqrt(v / (1 - beta2^t)) + eps
        t /= math.sqrt(1 - beta2 ** step)
        t += group["eps"]
        np.divide(m, t, out=t)
        t *= lr / (1 - beta1 ** step)
        p.data -= t
