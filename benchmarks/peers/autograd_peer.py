"""HIPS autograd: NumPy functions traced by boxing, reverse mode on a tape rebuilt every call."""

from __future__ import annotations

import math

import numpy as np


def unavailable():
    try:
        import autograd  # noqa: F401
    except Exception as e:  # noqa: BLE001  (any import failure skips the peer)
        return f"autograd not importable: {e}"
    return None


def _loss_fn(spec):
    import autograd.numpy as anp

    def forward(params, x):
        n = len(params) // 2
        for i in range(n):
            x = anp.dot(x, params[2 * i].T) + params[2 * i + 1]
            if i < n - 1:
                x = anp.maximum(x, 0.0)
        return x

    def loss(params, x, y):
        z = forward(params, x)
        if spec.loss == "mse":
            return anp.mean((z - y) ** 2)
        m = anp.max(z, axis=1, keepdims=True)
        lse = anp.log(anp.sum(anp.exp(z - m), axis=1)) + m[:, 0]
        return anp.mean(lse - z[anp.arange(z.shape[0]), y])

    return forward, loss


class Trainer:
    name = "autograd"

    def __init__(self, spec, init):
        from autograd import value_and_grad

        self.spec = spec
        self.params = [a.copy() for wb in init for a in wb]
        self.forward, self.loss_fn = _loss_fn(spec)
        self.vg = value_and_grad(self.loss_fn)
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def prepare(self, x, y):
        return x, y

    def sync(self):
        pass

    def step(self, x, y):
        self.value, grads = self.vg(self.params, x, y)
        lr = self.spec.lr
        if self.spec.optimizer == "sgd":
            for p, g in zip(self.params, grads):
                p -= lr * g
            return
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        c1, c2 = 1 - b1 ** self.t, math.sqrt(1 - b2 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= (lr / c1) * m / (np.sqrt(v) / c2 + eps)

    def loss(self, x, y):
        return float(self.loss_fn(self.params, x, y))

    def predict(self, x):
        return np.asarray(self.forward(self.params, x))


def make_trainer(spec, init):
    return Trainer(spec, init)


def make_hvp(spec, init, x, y):
    """autograd.grad, and make_jvp of grad (autograd's forward mode over reverse)."""
    from autograd import grad
    from autograd.differential_operators import make_jvp

    _, loss = _loss_fn(spec)
    params = [a.copy() for wb in init for a in wb]
    rng = np.random.default_rng(2)
    tangents = [rng.standard_normal(p.shape).astype(np.float32) for p in params]
    g = grad(lambda p: loss(p, x, y))
    return (lambda: g(params)), (lambda: make_jvp(g)(params)(tangents))
