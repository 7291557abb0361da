"""The floor: a tight hand-written NumPy MLP step (manual backprop, preallocated buffers).

Every array the step needs is allocated once per batch size; the step itself only calls NumPy
with ``out=``. This is what a NumPy engine could reach if it paid nothing for being general.
"""

from __future__ import annotations

import math

import numpy as np


def unavailable():
    return None


class _Buffers:
    """Activations, their gradients and masks for one batch size n."""

    def __init__(self, widths, n):
        f32 = np.float32
        self.z = [np.empty((n, w), f32) for w in widths[1:]]        # pre-activations
        self.h = [np.empty((n, w), f32) for w in widths[1:-1]]      # ReLU outputs
        self.dz = [np.empty((n, w), f32) for w in widths[1:]]
        self.dh = [np.empty((n, w), f32) for w in widths[1:-1]]
        self.mask = [np.empty((n, w), bool) for w in widths[1:-1]]
        self.rows = np.arange(n)
        self.m = np.empty((n, 1), f32)
        self.s = np.empty((n, 1), f32)


class Trainer:
    name = "numpy"

    def __init__(self, spec, init):
        self.spec = spec
        self.w = [w.copy() for w, _ in init]
        self.b = [b.copy() for _, b in init]
        self.dw = [np.empty_like(w) for w in self.w]
        self.db = [np.empty_like(b) for b in self.b]
        self.tw = [np.empty_like(w) for w in self.w]     # update temporaries
        self.tb = [np.empty_like(b) for b in self.b]
        if spec.optimizer == "adam":
            self.state = [[np.zeros_like(p), np.zeros_like(p)] for p in self.w + self.b]
            self.t = 0
        self.buffers = {}
        self.last_loss = float("nan")

    def prepare(self, x, y):
        return x, y

    def sync(self):
        pass

    def _forward(self, x, buf):
        h = x
        last = len(self.w) - 1
        for i, (w, b) in enumerate(zip(self.w, self.b)):
            z = buf.z[i]
            np.matmul(h, w.T, out=z)
            z += b
            if i < last:
                h = np.maximum(z, 0, out=buf.h[i])
        return buf.z[-1]

    def _loss_grad(self, z, y, buf):
        """Loss value, and dL/dz written into buf.dz[-1]."""
        dz = buf.dz[-1]
        if self.spec.loss == "mse":
            np.subtract(z, y, out=dz)
            loss = float(np.vdot(dz, dz)) / dz.size
            dz *= 2.0 / dz.size
            return loss
        n = z.shape[0]
        np.max(z, axis=1, keepdims=True, out=buf.m)
        np.subtract(z, buf.m, out=dz)
        picked = dz[buf.rows, y]
        np.exp(dz, out=dz)
        np.sum(dz, axis=1, keepdims=True, out=buf.s)
        loss = float(np.log(buf.s).sum() - picked.sum()) / n
        dz *= 1.0 / buf.s
        dz[buf.rows, y] -= 1.0
        dz *= 1.0 / n
        return loss

    def _backward(self, x, buf):
        for i in range(len(self.w) - 1, -1, -1):
            dz = buf.dz[i]
            h_prev = x if i == 0 else buf.h[i - 1]
            np.matmul(dz.T, h_prev, out=self.dw[i])
            np.add.reduce(dz, axis=0, out=self.db[i])
            if i > 0:
                np.matmul(dz, self.w[i], out=buf.dh[i - 1])
                np.greater(buf.z[i - 1], 0, out=buf.mask[i - 1])
                np.multiply(buf.dh[i - 1], buf.mask[i - 1], out=buf.dz[i - 1])

    def _update(self):
        lr = self.spec.lr
        if self.spec.optimizer == "sgd":
            for p, g, t in zip(self.w + self.b, self.dw + self.db, self.tw + self.tb):
                np.multiply(g, lr, out=t)
                p -= t
            return
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        c1 = lr / (1 - b1 ** self.t)
        c2 = 1.0 / math.sqrt(1 - b2 ** self.t)
        for p, g, t, (m, v) in zip(self.w + self.b, self.dw + self.db, self.tw + self.tb,
                                   self.state):
            m *= b1                               # m <- b1 m + (1 - b1) g
            np.multiply(g, 1 - b1, out=t)
            m += t
            v *= b2                               # v <- b2 v + (1 - b2) g^2
            np.multiply(g, g, out=t)
            t *= 1 - b2
            v += t
            np.sqrt(v, out=t)                     # p <- p - lr/c1 m / (sqrt(v)/c2 + eps)
            t *= c2
            t += eps
            np.divide(m, t, out=t)
            t *= c1
            p -= t

    def step(self, x, y):
        buf = self.buffers.get(len(x))
        if buf is None:
            buf = self.buffers[len(x)] = _Buffers(self.spec.widths, len(x))
        z = self._forward(x, buf)
        self.last_loss = self._loss_grad(z, y, buf)
        self._backward(x, buf)
        self._update()

    def loss(self, x, y):
        buf = _Buffers(self.spec.widths, len(x))
        return self._loss_grad(self._forward(x, buf), y, buf)

    def predict(self, x):
        return self._forward(x, _Buffers(self.spec.widths, len(x))).copy()


def make_trainer(spec, init):
    return Trainer(spec, init)


def make_hvp(spec, init, x, y):
    """Hand-written gradient and forward-over-reverse HVP of the mean cross-entropy (the W4 floor).

    The HVP pushes the tangent V through the forward pass (z_dot = h_dot W^T + h V^T + c) and
    then through the backward pass; it skips the weight gradients themselves, which the HVP does
    not need. Its time over the gradient's is what NumPy can do for this model: about 22 matrix
    products against 8.
    """
    ws = [w for w, _ in init]
    bs = [b for _, b in init]
    r = [np.random.default_rng(2).standard_normal(a.shape).astype(np.float32)
         for wb in init for a in wb]  # the tangents deepgrad_peer.make_hvp uses
    vs, cs = r[0::2], r[1::2]
    n = len(x)
    rows = np.arange(n)

    def softmax_residual(z):
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = p.copy()
        g[rows, y] -= 1.0
        g /= n
        return p, g

    def grad():
        hs, masks = [x], []
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = hs[-1] @ w.T + b
            if i < len(ws) - 1:
                masks.append(z > 0)
                hs.append(z * masks[-1])
        _, g = softmax_residual(z)
        out = []
        for i in range(len(ws) - 1, -1, -1):
            out[:0] = [g.T @ hs[i], g.sum(axis=0)]
            if i > 0:
                g = (g @ ws[i]) * masks[i - 1]
        return out

    def hvp():
        hs, dots, masks = [x], [None], []
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = hs[-1] @ w.T + b
            z_dot = hs[-1] @ vs[i].T + cs[i]
            if dots[-1] is not None:
                z_dot += dots[-1] @ w.T
            if i < len(ws) - 1:
                masks.append(z > 0)
                hs.append(z * masks[-1])
                dots.append(z_dot * masks[-1])
        p, g = softmax_residual(z)
        pz = p * z_dot
        g_dot = (pz - p * pz.sum(axis=1, keepdims=True)) / n
        out = []
        for i in range(len(ws) - 1, -1, -1):
            hw = g_dot.T @ hs[i]
            if dots[i] is not None:
                hw += g.T @ dots[i]
            out[:0] = [hw, g_dot.sum(axis=0)]
            if i > 0:
                g_dot = (g_dot @ ws[i] + g @ vs[i]) * masks[i - 1]
                g = (g @ ws[i]) * masks[i - 1]
        return out

    return grad, hvp
