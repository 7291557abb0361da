"""deepgrad, eager (``make_trainer``) and compiled (``make_compiled_trainer``): what a user writes."""

from __future__ import annotations

import warnings

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.nn import functional as F

# The benchmark opts in to the allocator device, as a user after speed would (it was applied at
# import before issue 13 made it an opt-in call): without it W3 eager runs about 45 instead of
# 31 ms per step at 2 threads, each step's fresh arrays faulting their pages in.
dg.keep_freed_memory()


def unavailable():
    return None


def build(spec, init):
    layers = []
    for i, (w, b) in enumerate(init):
        lin = nn.Linear(w.shape[1], w.shape[0])
        lin.weight.data[...] = w
        lin.bias.data[...] = b
        layers.append(lin)
        if i < len(init) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    if spec.optimizer == "sgd":
        opt = optim.SGD(model.parameters(), lr=spec.lr)
    else:
        opt = optim.Adam(model.parameters(), lr=spec.lr)
    loss_fn = F.mse_loss if spec.loss == "mse" else F.cross_entropy
    return model, opt, loss_fn


class Trainer:
    name = "deepgrad"

    def __init__(self, spec, init, compiled=False):
        self.model, self.opt, self.loss_fn = build(spec, init)
        model, opt, loss_fn = self.model, self.opt, self.loss_fn

        def step(x, y):
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            return loss

        self.step = dg.compile(step) if compiled else step

    def prepare(self, x, y):
        return dg.tensor(x), dg.tensor(y)

    def sync(self):
        pass

    def loss(self, x, y):
        with dg.no_grad():
            return float(self.loss_fn(self.model(dg.tensor(x)), dg.tensor(y)).item())

    def predict(self, x):
        with dg.no_grad():
            return self.model(dg.tensor(x)).data.copy()


def make_trainer(spec, init):
    return Trainer(spec, init)


def make_compiled_trainer(spec, init):
    t = Trainer(spec, init, compiled=True)
    t.name = "deepgrad_compile"
    return t


def make_hvp(spec, init, x, y):
    """grad and forward-over-reverse HVP of the loss w.r.t. all parameters (dg.grad, dg.hvp)."""
    f, params, tangents = hvp_problem(spec, init, x, y)
    g = dg.grad(f, argnums=tuple(range(len(params))))
    return (lambda: g(*params)), (lambda: dg.hvp(f, params, tangents))


def hvp_problem(spec, init, x, y):
    """The loss as a function of every parameter, the parameters, and the HVP's tangents."""
    params = tuple(dg.tensor(a) for wb in init for a in wb)
    tangents = tuple(dg.tensor(np.random.default_rng(2).standard_normal(p.shape)
                               .astype(np.float32)) for p in params)
    xt, yt = dg.tensor(x), dg.tensor(y)
    n = len(params) // 2

    def f(*ps):
        h = xt
        for i in range(n):
            h = dg.linear(h, ps[2 * i], ps[2 * i + 1])
            if i < n - 1:
                h = dg.relu(h)
        return dg.cross_entropy(h, yt)

    return f, params, tangents


def quiet(fn):
    """Run fn with deepgrad.compile's fallback warnings silenced (the bench reports them apart)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()
