"""JAX with jit (the whole step compiled by XLA) and without (op-by-op dispatch). float32, CPU."""

from __future__ import annotations

import numpy as np


def unavailable():
    try:
        import jax  # noqa: F401
    except Exception as e:  # noqa: BLE001  (any import failure skips the peer)
        return f"jax not importable: {e}"
    return None


def _loss_fn(spec):
    import jax
    import jax.numpy as jnp

    def forward(params, x):
        for w, b in params[:-1]:
            x = jax.nn.relu(x @ w.T + b)
        w, b = params[-1]
        return x @ w.T + b

    def loss(params, x, y):
        z = forward(params, x)
        if spec.loss == "mse":
            return jnp.mean((z - y) ** 2)
        lse = jax.nn.logsumexp(z, axis=1)
        return jnp.mean(lse - jnp.take_along_axis(z, y[:, None], axis=1)[:, 0])

    return forward, loss


def _step_fn(spec):
    import jax
    import jax.numpy as jnp

    forward, loss = _loss_fn(spec)
    lr = spec.lr

    if spec.optimizer == "sgd":
        def step(params, state, x, y):
            value, g = jax.value_and_grad(loss)(params, x, y)
            return jax.tree.map(lambda p, gp: p - lr * gp, params, g), state, value
    else:
        b1, b2, eps = 0.9, 0.999, 1e-8

        def step(params, state, x, y):
            value, g = jax.value_and_grad(loss)(params, x, y)
            m, v, t = state
            t = t + 1
            m = jax.tree.map(lambda mp, gp: b1 * mp + (1 - b1) * gp, m, g)
            v = jax.tree.map(lambda vp, gp: b2 * vp + (1 - b2) * gp * gp, v, g)
            c1 = 1 - b1 ** t
            c2 = jnp.sqrt(1 - b2 ** t)
            params = jax.tree.map(
                lambda p, mp, vp: p - (lr / c1) * mp / (jnp.sqrt(vp) / c2 + eps), params, m, v)
            return params, (m, v, t), value

    return forward, loss, step


class Trainer:
    def __init__(self, spec, init, jit=True):
        import jax
        import jax.numpy as jnp

        self.jax, self.jnp = jax, jnp
        self.name = "jax_jit" if jit else "jax"
        self.params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in init]
        zeros = [(jnp.zeros_like(w), jnp.zeros_like(b)) for w, b in self.params]
        self.state = (zeros, zeros, jnp.asarray(0.0, jnp.float32)) if spec.optimizer == "adam" \
            else None
        self.forward, self.loss_fn, step = _step_fn(spec)
        self._step = jax.jit(step) if jit else step

    def prepare(self, x, y):
        return self.jnp.asarray(x), self.jnp.asarray(y)

    def step(self, x, y):
        self.params, self.state, self.value = self._step(self.params, self.state, x, y)

    def sync(self):
        self.jax.block_until_ready(self.params)

    def loss(self, x, y):
        return float(self.loss_fn(self.params, self.jnp.asarray(x), self.jnp.asarray(y)))

    def predict(self, x):
        return np.asarray(self.forward(self.params, self.jnp.asarray(x)))


def make_trainer(spec, init):
    return Trainer(spec, init, jit=False)


def make_jit_trainer(spec, init):
    return Trainer(spec, init, jit=True)


def make_hvp(spec, init, x, y, jit=True):
    """jax.grad, and jax.jvp of jax.grad (forward-over-reverse)."""
    import jax
    import jax.numpy as jnp

    _, loss = _loss_fn(spec)
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in init]
    rng = np.random.default_rng(2)
    tangents = jax.tree.map(
        lambda p: jnp.asarray(rng.standard_normal(p.shape).astype(np.float32)), params)
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    g = jax.grad(loss)

    def hvp(p, t):
        return jax.jvp(lambda q: g(q, xj, yj), (p,), (t,))[1]

    gf = (lambda p: g(p, xj, yj))
    if jit:
        gf, hvp = jax.jit(gf), jax.jit(hvp)
    return ((lambda: jax.block_until_ready(gf(params))),
            (lambda: jax.block_until_ready(hvp(params, tangents))))
