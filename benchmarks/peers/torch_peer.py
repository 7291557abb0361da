"""PyTorch eager (2 threads), and torch.compile where it works offline (compile time apart)."""

from __future__ import annotations

import numpy as np


def unavailable():
    try:
        import torch  # noqa: F401
    except Exception as e:  # noqa: BLE001  (any import failure skips the peer)
        return f"torch not importable: {e}"
    return None


def _torch():
    import os

    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))  # run.py sets it (2)
    return torch


def build(spec, init):
    torch = _torch()
    layers = []
    for i, (w, b) in enumerate(init):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(init) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    if spec.optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=spec.lr)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=spec.lr)
    F = torch.nn.functional
    loss_fn = F.mse_loss if spec.loss == "mse" else F.cross_entropy
    return model, opt, loss_fn


class Trainer:
    name = "torch"

    def __init__(self, spec, init, compiled=False):
        torch = self.torch = _torch()
        self.model, self.opt, self.loss_fn = build(spec, init)
        model, opt, loss_fn = self.model, self.opt, self.loss_fn

        def forward_loss(x, y):
            return loss_fn(model(x), y)

        fl = torch.compile(forward_loss) if compiled else forward_loss

        def step(x, y):
            opt.zero_grad(set_to_none=True)
            loss = fl(x, y)
            loss.backward()
            opt.step()
            return loss

        self.step = step

    def prepare(self, x, y):
        return self.torch.from_numpy(x), self.torch.from_numpy(y)

    def sync(self):
        pass

    def loss(self, x, y):
        with self.torch.no_grad():
            return float(self.loss_fn(self.model(self.torch.from_numpy(x)),
                                      self.torch.from_numpy(y)))

    def predict(self, x):
        with self.torch.no_grad():
            return self.model(self.torch.from_numpy(x)).numpy().copy()


def make_trainer(spec, init):
    return Trainer(spec, init)


def make_compiled_trainer(spec, init):
    t = Trainer(spec, init, compiled=True)
    t.name = "torch_compile"
    return t


def make_hvp(spec, init, x, y):
    """torch.func: grad, and jvp of grad (forward-over-reverse)."""
    torch = _torch()
    from torch.func import grad, jvp

    params = tuple(torch.from_numpy(a.copy()) for wb in init for a in wb)
    rng = np.random.default_rng(2)
    tangents = tuple(torch.from_numpy(rng.standard_normal(p.shape).astype(np.float32))
                     for p in params)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    n = len(params) // 2
    F = torch.nn.functional

    def f(*ps):
        h = xt
        for i in range(n):
            h = F.linear(h, ps[2 * i], ps[2 * i + 1])
            if i < n - 1:
                h = torch.relu(h)
        return F.cross_entropy(h, yt)

    g = grad(f, argnums=tuple(range(len(params))))
    return (lambda: g(*params)), (lambda: jvp(g, params, tangents))
