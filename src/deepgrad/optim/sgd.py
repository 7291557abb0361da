"""Stochastic gradient descent: momentum, dampening, Nesterov, L2 weight decay (torch.optim.SGD)."""

import numpy as np

from deepgrad.optim.optimizer import Optimizer, check_hyperparameters


class SGD(Optimizer):
    """SGD. With g = grad + weight_decay * w:

        momentum = 0:   w <- w - lr * g
        otherwise:      b <- g on the first step, else  b <- momentum * b + (1 - dampening) * g
                        w <- w - lr * (g + momentum * b)   if nesterov   else   w - lr * b

    Defaults as PyTorch 2.13: lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        check_hyperparameters("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov=True needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _update(self, p, grad, state, group):
        lr, momentum = group["lr"], group["momentum"]
        g = grad + group["weight_decay"] * p.data
        if momentum != 0:
            b = state.get("momentum_buffer")
            b = g if b is None else momentum * b + (1 - group["dampening"]) * g
            state["momentum_buffer"] = b
            g = g + momentum * b if group["nesterov"] else b
        p.data[...] = p.data - lr * g

    # ------------------------------------------------------------------ the fast path
    # The same update in place: no temporary beyond lr * g (W1's step runs this).
    def _update_in_place(self, p, grad, state, group):
        lr, momentum, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            grad = grad + weight_decay * p.data
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(grad, copy=True)
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        p.data -= lr * grad
