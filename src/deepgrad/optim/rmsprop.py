"""RMSprop: steps scaled by a running average of squared gradients (torch.optim.RMSprop)."""

import numpy as np

from deepgrad.optim.optimizer import Optimizer, check_hyperparameters


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012). With g = grad + weight_decay * w:

        v <- alpha * v + (1 - alpha) * g^2
        centered:  m <- alpha * m + (1 - alpha) * g,  d = sqrt(v - m^2) + eps
        otherwise: d = sqrt(v) + eps
        momentum > 0:  b <- momentum * b + g / d,  w <- w - lr * b;     else  w <- w - lr * g / d

    Defaults as PyTorch: lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                 centered=False):
        check_hyperparameters("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                              momentum=momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _state(self, p, state, group):
        """The running averages (and momentum buffer), zero before the first step."""
        if not state:
            state.update(step=0.0, square_avg=np.zeros_like(p.data))
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(p.data)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1

    def _update(self, p, grad, state, group):
        alpha, momentum, lr = group["alpha"], group["momentum"], group["lr"]
        self._state(p, state, group)
        g = grad + group["weight_decay"] * p.data
        v = state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * g * g
        if group["centered"]:
            m = state["grad_avg"] = alpha * state["grad_avg"] + (1 - alpha) * g
            d = np.sqrt(v - m * m) + group["eps"]
        else:
            d = np.sqrt(v) + group["eps"]
        if momentum > 0:
            b = state["momentum_buffer"] = momentum * state["momentum_buffer"] + g / d
            p.data[...] = p.data - lr * b
        else:
            p.data[...] = p.data - lr * g / d

    # ------------------------------------------------------------------ the fast path
    # The same update with the averages and the buffer changed in place.
    def _update_in_place(self, p, grad, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        self._state(p, state, group)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.data
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            p.data -= group["lr"] * buf
        else:
            p.data -= group["lr"] * grad / avg
