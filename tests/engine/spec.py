"""The spec table: one row per primitive (and per variant worth its own row), for every test.

A row names the primitive, a deepgrad callable, the equivalent PyTorch callable, the equivalent
JAX callable (None where JAX's documented choice differs, at a kink) and its inputs, each an
``Arg(shape, domain)``. The domain keeps a row away from points where the comparison
means nothing (log of a negative, a kink under finite differences); the ``kink=True`` rows sit
*on* the kinks on purpose and are compared with PyTorch only (finite differences are undefined
there). Every test module in this folder is driven by ``SPECS``:

- test_primitives_torch: value, gradient (plain and create_graph backward) and double backward
  against PyTorch in float64;
- test_primitives_jax: JVP and VJP against ``jax.jvp`` / ``jax.vjp`` in float64, the JVP against
  finite differences, the adjoint identity <u, J v> = <J^T u, v> and order-2 ``check_grads``;
- test_finite_differences: ``deepgrad.gradcheck`` per row, first and second order.

The table's coverage is derived from ``primitives.registry()``: a primitive without a row with
both columns fails ``test_every_primitive_has_a_row``.

Domains: ``real`` (standard normal), ``positive`` (in [0.5, 2]), ``nonzero`` (|x| in [0.2, 2],
away from kinks at 0 and poles), ``distinct`` (pairwise gaps >= 0.1, so max/min are unique),
``probs`` (rows of a softmax), ``labels:C`` (int64 in [0, C)), ``mask`` (bool), ``ties`` (values
in {-1, 0, 1}: on purpose full of ties and zeros).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import torch
import torch.nn.functional as F

import deepgrad as dg
from deepgrad.engine import primitives as P

jax.config.update("jax_enable_x64", True)


@dataclass(frozen=True)
class Arg:
    shape: tuple
    domain: str = "real"

    @property
    def differentiable(self) -> bool:
        return not (self.domain.startswith("labels") or self.domain == "mask")


@dataclass(frozen=True)
class Spec:
    name: str
    dg: Callable
    torch: Callable
    jax: Callable | None         # None: JAX's choice differs here (a kink), PyTorch only
    args: tuple
    rtol: float = 1e-10          # value and gradient vs PyTorch
    kink: bool = False           # sits on a kink: compared with PyTorch only
    fd: dict = field(default_factory=dict)  # extra gradcheck keyword arguments

    def __repr__(self) -> str:
        return self.name


def sample(arg: Arg, rng: np.random.Generator) -> np.ndarray:
    """An input for ``arg`` drawn from its domain (float64 unless labels or mask)."""
    shape, dom = arg.shape, arg.domain
    if dom == "real":
        return rng.standard_normal(shape)
    if dom == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if dom == "nonzero":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)
    if dom == "distinct":
        n = int(np.prod(shape))
        return ((rng.permutation(n) - n / 2) * 0.3 + rng.uniform(-0.1, 0.1, n)).reshape(shape)
    if dom == "probs":
        e = np.exp(rng.standard_normal(shape))
        return e / e.sum(axis=-1, keepdims=True)
    if dom.startswith("labels:"):
        return rng.integers(0, int(dom.split(":")[1]), shape)
    if dom == "mask":
        return rng.random(shape) < 0.5
    if dom == "ties":
        return rng.integers(-1, 2, shape).astype(np.float64)
    raise ValueError(f"unknown domain {dom}")


def sample_row(spec: Spec, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    return [sample(a, rng) for a in spec.args]


def closed_over(fn, spec, arrays, const):
    """``fn`` as a function of the differentiable inputs alone (labels and masks closed over, each
    made by ``const``), and those inputs."""
    diff = [i for i, a in enumerate(spec.args) if a.differentiable]
    consts = {i: const(a) for i, a in enumerate(arrays) if not spec.args[i].differentiable}

    def f(*xs):
        full = [None] * len(arrays)
        for i, x in zip(diff, xs):
            full[i] = x
        for i, c in consts.items():
            full[i] = c
        return fn(*full)

    return f, [arrays[i] for i in diff]


def to_dg(arrays, spec):
    return [dg.tensor(a, requires_grad=arg.differentiable) for a, arg in zip(arrays, spec.args)]


def to_torch(arrays, spec):
    return [torch.tensor(a, requires_grad=arg.differentiable) for a, arg in zip(arrays, spec.args)]


def tidx(index):
    """A NumPy index as PyTorch wants it (integer/bool arrays become tensors)."""
    if isinstance(index, tuple):
        return tuple(tidx(i) for i in index)
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    return index


def _pad_torch(pad_width):
    """np.pad's per-axis (before, after) pairs as F.pad's flat list, last axis first."""
    flat = []
    for lo, hi in reversed(pad_width):
        flat += [lo, hi]
    return lambda x: F.pad(x, flat)


def _row(name, dg_fn, torch_fn, jax_fn, *args, **kw):
    args = tuple(a if isinstance(a, Arg) else Arg(a) for a in args)
    return Spec(name, dg_fn, torch_fn, jax_fn, args, **kw)


def _reduce(losses, reduction):
    return {"mean": jnp.mean, "sum": jnp.sum, "none": lambda v: v}[reduction](losses)


def _jax_linear(x, w, b=None):
    return x @ w.T if b is None else x @ w.T + b


def _jax_ce(reduction="mean"):
    """Cross-entropy of logits (N, C) with labels (N,) or (unnormalised) probabilities (N, C)."""
    def f(z, t):
        logp = jax.nn.log_softmax(z, axis=1)
        if jnp.issubdtype(t.dtype, jnp.integer):
            return _reduce(-jnp.take_along_axis(logp, t[:, None], axis=1)[:, 0], reduction)
        return _reduce(-jnp.sum(t * logp, axis=1), reduction)
    return f


def _jax_bce(reduction="mean"):
    return lambda z, y: _reduce(jnp.maximum(z, 0) - z * y + jnp.log1p(jnp.exp(-jnp.abs(z))),
                                reduction)


A = Arg
ALL3 = (0, 1, 2)
IDX_REPEAT = np.array([0, 2, 2, 1, 2])
IDX_ROWS, IDX_COLS = np.array([0, 1, 2, 2]), np.array([3, 0, 3, 3])
BOOL_MASK = np.array([[True, False, True, False], [False, False, True, True],
                      [True, True, False, False]])

SPECS = [
    # ---------------------------------------------------------------- arithmetic (broadcasting)
    _row("add", dg.add, torch.add, jnp.add, (3, 4), (3, 4)),
    _row("add[broadcast]", dg.add, torch.add, jnp.add, (2, 1, 4), (3, 1)),
    _row("add[scalar-const]", lambda a: a + 2.5, lambda a: a + 2.5, lambda a: a + 2.5, (3, 4)),
    _row("sub", dg.sub, torch.sub, jnp.subtract, (3, 4), (4,)),
    _row("sub[rsub-const]", lambda a: 1.5 - a, lambda a: 1.5 - a, lambda a: 1.5 - a, (3, 4)),
    _row("mul", dg.mul, torch.mul, jnp.multiply, (3, 4), (3, 4)),
    _row("mul[broadcast]", dg.mul, torch.mul, jnp.multiply, (2, 3, 1), (1, 4)),
    _row("div", dg.div, torch.div, jnp.divide, (3, 4), A((3, 4), "nonzero")),
    _row("div[broadcast]", dg.div, torch.div, jnp.divide, (3, 1), A((2, 1, 4), "nonzero")),
    _row("div[rdiv-const]", lambda b: 2.0 / b, lambda b: 2.0 / b, lambda b: 2.0 / b, A((3, 4), "nonzero")),
    _row("neg", dg.neg, torch.neg, jnp.negative, (3, 4)),
    _row("pow", dg.pow, torch.pow, jnp.power, A((3, 4), "positive"), (3, 4)),
    _row("pow[broadcast]", dg.pow, torch.pow, jnp.power, A((3, 4), "positive"), (4,)),
    _row("pow[int-const]", lambda a: a ** 3, lambda a: a ** 3, lambda a: a ** 3, (3, 4)),
    _row("pow[const-base]", lambda p: 2.0 ** p, lambda p: 2.0 ** p, lambda p: 2.0 ** p, (3, 4)),
    # pow's partials, primitives of their own (exact limits at a zero base)
    _row("pow_da", lambda a, p: P.pow_da(a, p), lambda a, p: p * a ** (p - 1),
         lambda a, p: p * a ** (p - 1), A((3, 4), "positive"), (3, 4)),
    _row("pow_dp", lambda a, p: P.pow_dp(a, p), lambda a, p: a ** p * torch.log(a),
         lambda a, p: a ** p * jnp.log(a), A((3, 4), "positive"), (3, 4)),
    # ---------------------------------------------------------------- matmul
    _row("matmul", dg.matmul, torch.matmul, jnp.matmul, (3, 4), (4, 5)),
    _row("matmul[batched]", dg.matmul, torch.matmul, jnp.matmul, (2, 3, 4), (2, 4, 5)),
    _row("matmul[batch-broadcast]", dg.matmul, torch.matmul, jnp.matmul, (2, 1, 3, 4), (3, 4, 2)),
    _row("matmul[batched@2d]", dg.matmul, torch.matmul, jnp.matmul, (2, 3, 4), (4, 5)),
    _row("matmul[1d@2d]", dg.matmul, torch.matmul, jnp.matmul, (4,), (4, 5)),
    _row("matmul[2d@1d]", dg.matmul, torch.matmul, jnp.matmul, (3, 4), (4,)),
    _row("matmul[1d@1d]", dg.matmul, torch.matmul, jnp.matmul, (4,), (4,)),
    _row("matmul[batched@1d]", dg.matmul, torch.matmul, jnp.matmul, (2, 3, 4), (4,)),
    _row("matmul[1d@batched]", dg.matmul, torch.matmul, jnp.matmul, (4,), (2, 4, 3)),
    # ---------------------------------------------------------------- elementwise maths
    _row("exp", dg.exp, torch.exp, jnp.exp, (3, 4)),
    _row("log", dg.log, torch.log, jnp.log, A((3, 4), "positive")),
    _row("sqrt", dg.sqrt, torch.sqrt, jnp.sqrt, A((3, 4), "positive")),
    _row("abs", dg.abs, torch.abs, jnp.abs, A((3, 4), "nonzero")),
    _row("sign", dg.sign, torch.sign, jnp.sign, A((3, 4), "nonzero")),
    _row("sin", dg.sin, torch.sin, jnp.sin, (3, 4)),
    _row("cos", dg.cos, torch.cos, jnp.cos, (3, 4)),
    _row("tanh", dg.tanh, torch.tanh, jnp.tanh, (3, 4)),
    _row("sigmoid", dg.sigmoid, torch.sigmoid, jax.nn.sigmoid, (3, 4)),
    _row("relu", dg.relu, torch.relu, jax.nn.relu, A((3, 4), "nonzero")),
    _row("leaky_relu", lambda x: dg.leaky_relu(x, 0.1),
         lambda x: F.leaky_relu(x, 0.1), lambda x: jax.nn.leaky_relu(x, 0.1), A((3, 4), "nonzero")),
    _row("softplus", dg.softplus, F.softplus, jax.nn.softplus, (3, 4)),
    _row("gelu", dg.gelu, F.gelu, lambda x: jax.nn.gelu(x, approximate=False), (3, 4)),
    _row("erf", dg.erf, torch.special.erf, jax.scipy.special.erf, (3, 4)),
    _row("maximum", dg.maximum, torch.maximum, jnp.maximum, (3, 4), (3, 4)),
    _row("maximum[broadcast]", dg.maximum, torch.maximum, jnp.maximum, (3, 4), (4,)),
    _row("minimum", dg.minimum, torch.minimum, jnp.minimum, (3, 4), (3, 1)),
    _row("where", dg.where, torch.where, jnp.where, A((3, 4), "mask"), (3, 4), (3, 4)),
    _row("where[broadcast]", dg.where, torch.where, jnp.where, A((3, 4), "mask"), (4,), (3, 1)),
    _row("where[const]", lambda c, a: dg.where(c, a, 0.0),
         lambda c, a: torch.where(c, a, torch.tensor(0.0, dtype=torch.float64)), lambda c, a: jnp.where(c, a, 0.0),
         A((3, 4), "mask"), (3, 4)),
    _row("clip", lambda x: dg.clip(x, -0.5, 0.7),
         lambda x: torch.clamp(x, -0.5, 0.7), lambda x: jnp.clip(x, -0.5, 0.7), (3, 4)),
    _row("clip[lo-only]", lambda x: dg.clip(x, lo=0.1),
         lambda x: torch.clamp(x, min=0.1), lambda x: jnp.clip(x, 0.1), (3, 4)),
    _row("astype[float32]", lambda x: dg.astype(x, np.float32), lambda x: x.to(torch.float32), None,
         (3, 4), rtol=1e-6, fd=dict(eps=1e-2, atol=1e-4)),
    _row("astype[float64]", lambda x: dg.astype(x, np.float64) * x,
         lambda x: x.to(torch.float64) * x, lambda x: x.astype(jnp.float64) * x, (3,)),
    # ---------------------------------------------------------------- reductions
    _row("sum", dg.sum, torch.sum, jnp.sum, (3, 4)),
    _row("sum[axis=0]", lambda x: dg.sum(x, 0), lambda x: torch.sum(x, 0), lambda x: jnp.sum(x, 0), (3, 4)),
    _row("sum[axis=(0,2),keepdims]", lambda x: dg.sum(x, (0, 2), keepdims=True),
         lambda x: torch.sum(x, (0, 2), keepdim=True), lambda x: jnp.sum(x, (0, 2), keepdims=True), (2, 3, 4)),
    _row("sum[axis=-1]", lambda x: x.sum(-1), lambda x: x.sum(-1), lambda x: x.sum(-1), (2, 3, 4)),
    _row("mean", dg.mean, torch.mean, jnp.mean, (3, 4)),
    _row("mean[axis=1,keepdims]", lambda x: dg.mean(x, 1, keepdims=True),
         lambda x: torch.mean(x, 1, keepdim=True), lambda x: jnp.mean(x, 1, keepdims=True), (2, 3, 4)),
    _row("mean[axis=(0,1)]", lambda x: x.mean((0, 1)), lambda x: x.mean((0, 1)), lambda x: x.mean((0, 1)), (2, 3, 4)),
    _row("max", dg.max, torch.amax, jnp.max, A((3, 4), "distinct")),
    _row("max[axis=1]", lambda x: dg.max(x, axis=1),
         lambda x: torch.amax(x, 1), lambda x: jnp.max(x, 1), A((3, 4), "distinct")),
    _row("max[axis=0,keepdims]", lambda x: x.max(axis=0, keepdims=True),
         lambda x: torch.amax(x, 0, keepdim=True), lambda x: jnp.max(x, 0, keepdims=True), A((2, 3, 4), "distinct")),
    _row("min", dg.min, torch.amin, jnp.min, A((3, 4), "distinct")),
    _row("min[axis=(1,2)]", lambda x: dg.min(x, axis=(1, 2)),
         lambda x: torch.amin(x, (1, 2)), lambda x: jnp.min(x, (1, 2)), A((2, 3, 4), "distinct")),
    _row("var", dg.var, lambda x: torch.var(x, correction=0), jnp.var, (3, 4)),
    _row("var[axis=0]", lambda x: dg.var(x, 0),
         lambda x: torch.var(x, 0, correction=0), lambda x: jnp.var(x, 0), (3, 4)),
    _row("var[axis=-1,keepdims,ddof=1]", lambda x: x.var(-1, keepdims=True, ddof=1),
         lambda x: torch.var(x, -1, keepdim=True, correction=1),
         lambda x: jnp.var(x, -1, keepdims=True, ddof=1), (2, 3, 4)),
    _row("logsumexp", dg.logsumexp, lambda x: torch.logsumexp(x, (0, 1)), jax.scipy.special.logsumexp, (3, 4)),
    _row("logsumexp[axis=-1]", lambda x: dg.logsumexp(x, -1),
         lambda x: torch.logsumexp(x, -1), lambda x: jax.scipy.special.logsumexp(x, -1), (2, 3, 4)),
    _row("logsumexp[axis=0,keepdims]", lambda x: dg.logsumexp(x, 0, keepdims=True),
         lambda x: torch.logsumexp(x, 0, keepdim=True),
         lambda x: jax.scipy.special.logsumexp(x, 0, keepdims=True), (3, 4)),
    # exp(x) would overflow (x > 709) or underflow to 0 everywhere without the max shift
    _row("logsumexp[large]", lambda x: dg.logsumexp(x * 1000.0, -1),
         lambda x: torch.logsumexp(x * 1000.0, -1), lambda x: jax.scipy.special.logsumexp(x * 1000.0, -1), (3, 4)),
    _row("logsumexp[very-negative]", lambda x: dg.logsumexp(x - 1000.0, 0),
         lambda x: torch.logsumexp(x - 1000.0, 0), lambda x: jax.scipy.special.logsumexp(x - 1000.0, 0), (3, 4)),
    _row("softmax", dg.softmax, lambda x: torch.softmax(x, -1), jax.nn.softmax, (3, 4)),
    _row("softmax[axis=0]", lambda x: dg.softmax(x, 0),
         lambda x: torch.softmax(x, 0), lambda x: jax.nn.softmax(x, 0), (2, 3, 4)),
    _row("log_softmax", dg.log_softmax, lambda x: torch.log_softmax(x, -1), jax.nn.log_softmax, (3, 4)),
    _row("log_softmax[axis=1]", lambda x: dg.log_softmax(x, 1),
         lambda x: torch.log_softmax(x, 1), lambda x: jax.nn.log_softmax(x, 1), (2, 3, 4)),
    # ---------------------------------------------------------------- shape ops
    _row("reshape", lambda x: dg.reshape(x, (4, 3)), lambda x: x.reshape(4, 3), lambda x: x.reshape(4, 3), (2, 6)),
    _row("reshape[-1]", lambda x: x.reshape(-1), lambda x: x.reshape(-1), lambda x: x.reshape(-1), (2, 3, 2)),
    _row("transpose", dg.transpose, lambda x: x.permute(*reversed(range(x.ndim))), jnp.transpose, (2, 3, 4)),
    _row("transpose[axes]", lambda x: dg.transpose(x, (1, 2, 0)),
         lambda x: x.permute(1, 2, 0), lambda x: jnp.transpose(x, (1, 2, 0)), (2, 3, 4)),
    _row("transpose[.T]", lambda x: x.T, lambda x: x.T, lambda x: x.T, (3, 4)),
    _row("broadcast_to", lambda x: dg.broadcast_to(x, (2, 3, 4)),
         lambda x: torch.broadcast_to(x, (2, 3, 4)), lambda x: jnp.broadcast_to(x, (2, 3, 4)), (3, 1)),
    _row("getitem[int]", lambda x: x[1], lambda x: x[1], lambda x: x[1], (3, 4)),
    _row("getitem[slices]", lambda x: x[:, 1:3], lambda x: x[:, 1:3], lambda x: x[:, 1:3], (3, 4)),
    _row("getitem[newaxis,ellipsis]", lambda x: x[None, 1, ..., 2:],
         lambda x: x[None, 1, ..., 2:], lambda x: x[None, 1, ..., 2:], (3, 4, 5)),
    _row("getitem[negative-step]", lambda x: x[::-2], lambda x: torch.flip(x, (0,))[::2], lambda x: x[::-2], (5, 2)),
    _row("getitem[repeated]", lambda x: x[IDX_REPEAT], lambda x: x[tidx(IDX_REPEAT)], lambda x: x[IDX_REPEAT], (3, 4)),
    _row("getitem[pairs]", lambda x: x[IDX_ROWS, IDX_COLS],
         lambda x: x[tidx(IDX_ROWS), tidx(IDX_COLS)], lambda x: x[IDX_ROWS, IDX_COLS], (3, 4)),
    _row("getitem[tensor-index]", lambda x: x[:, dg.tensor(IDX_COLS)],
         lambda x: x[:, tidx(IDX_COLS)], lambda x: x[:, IDX_COLS], (3, 4)),
    _row("getitem[list]", lambda x: x[[2, 0, 2]], lambda x: x[[2, 0, 2]], lambda x: x[jnp.array([2, 0, 2])], (3, 4)),
    _row("getitem[bool-mask]", lambda x: x[BOOL_MASK], lambda x: x[tidx(BOOL_MASK)], lambda x: x[BOOL_MASK], (3, 4)),
    _row("concatenate", lambda a, b, c: dg.concatenate([a, b, c]),
         lambda a, b, c: torch.cat([a, b, c]), lambda a, b, c: jnp.concatenate([a, b, c]), (1, 4), (3, 4), (2, 4)),
    _row("concatenate[axis=-1]", lambda a, b: dg.concatenate([a, b], axis=-1),
         lambda a, b: torch.cat([a, b], -1), lambda a, b: jnp.concatenate([a, b], -1), (2, 3, 1), (2, 3, 2)),
    _row("stack", lambda a, b, c: dg.stack([a, b, c]),
         lambda a, b, c: torch.stack([a, b, c]), lambda a, b, c: jnp.stack([a, b, c]), (3, 4),
         (3, 4), (3, 4)),
    _row("stack[axis=-1]", lambda a, b: dg.stack([a, b], axis=-1),
         lambda a, b: torch.stack([a, b], -1), lambda a, b: jnp.stack([a, b], -1), (3, 4), (3, 4)),
    _row("pad", lambda x: dg.pad(x, ((1, 2), (0, 1))),
         _pad_torch(((1, 2), (0, 1))), lambda x: jnp.pad(x, ((1, 2), (0, 1))), (3, 4)),
    _row("pad[int]", lambda x: dg.pad(x, 1), _pad_torch(((1, 1),) * 3), lambda x: jnp.pad(x, 1), (2, 3, 2)),
    # ---------------------------------------------------------------- fused primitives
    _row("linear", dg.linear, F.linear, _jax_linear, (5, 3), (4, 3), (4,)),
    _row("linear[no-bias]", dg.linear, F.linear, _jax_linear, (5, 3), (4, 3)),
    _row("linear[3d-input]", dg.linear, F.linear, _jax_linear, (2, 5, 3), (4, 3), (4,)),
    _row("cross_entropy[labels]", dg.cross_entropy, F.cross_entropy, _jax_ce(), (5, 4), A((5,), "labels:4")),
    _row("cross_entropy[labels,sum]", lambda z, t: dg.cross_entropy(z, t, reduction="sum"),
         lambda z, t: F.cross_entropy(z, t, reduction="sum"), _jax_ce('sum'), (5, 4), A((5,), "labels:4")),
    _row("cross_entropy[labels,none]", lambda z, t: dg.cross_entropy(z, t, reduction="none"),
         lambda z, t: F.cross_entropy(z, t, reduction="none"), _jax_ce('none'), (5, 4), A((5,), "labels:4")),
    _row("cross_entropy[probs]", dg.cross_entropy, F.cross_entropy, _jax_ce(), (5, 4), A((5, 4), "probs")),
    _row("cross_entropy[probs,none]", lambda z, p: dg.cross_entropy(z, p, reduction="none"),
         lambda z, p: F.cross_entropy(z, p, reduction="none"), _jax_ce('none'), (5, 4), A((5, 4), "probs")),
    _row("cross_entropy[unnormalised-probs]", dg.cross_entropy, F.cross_entropy, _jax_ce(),
         (5, 4), A((5, 4), "positive")),
    _row("cross_entropy[large-logits]", lambda z, t: dg.cross_entropy(z * 1000.0, t),
         lambda z, t: F.cross_entropy(z * 1000.0, t), lambda z, t: _jax_ce()(z * 1000.0, t),
         (5, 4), A((5,), "labels:4")),
    _row("bce_with_logits", dg.binary_cross_entropy_with_logits,
         F.binary_cross_entropy_with_logits, _jax_bce(), (3, 4), A((3, 4), "probs")),
    _row("bce_with_logits[sum]",
         lambda z, y: dg.binary_cross_entropy_with_logits(z, y, reduction="sum"),
         lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="sum"), _jax_bce('sum'),
         (3, 4), A((3, 4), "probs")),
    _row("bce_with_logits[none]",
         lambda z, y: dg.binary_cross_entropy_with_logits(z, y, reduction="none"),
         lambda z, y: F.binary_cross_entropy_with_logits(z, y, reduction="none"), _jax_bce('none'),
         (3, 4), A((3, 4), "probs")),
    _row("bce_with_logits[large-logits]",
         lambda z, y: dg.binary_cross_entropy_with_logits(z * 1000.0, y),
         lambda z, y: F.binary_cross_entropy_with_logits(z * 1000.0, y), lambda z, y: _jax_bce()(z * 1000.0, y),
         (3, 4), A((3, 4), "probs")),
    _row("mse_loss", dg.mse_loss, F.mse_loss, lambda x, t: jnp.mean((x - t) ** 2), (3, 4), (3, 4)),
    _row("mse_loss[sum]", lambda x, t: dg.mse_loss(x, t, reduction="sum"),
         lambda x, t: F.mse_loss(x, t, reduction="sum"), lambda x, t: jnp.sum((x - t) ** 2), (3, 4), (3, 4)),
    _row("mse_loss[none]", lambda x, t: dg.mse_loss(x, t, reduction="none"),
         lambda x, t: F.mse_loss(x, t, reduction="none"), lambda x, t: (x - t) ** 2, (3, 4), (3, 4)),
    # ---------------------------------------------------------------- on the kinks (no finite
    # differences: PyTorch, and JAX where its subgradient is ours)
    _row("relu[at-0]", dg.relu, torch.relu, jax.nn.relu, A((4, 5), "ties"), kink=True),
    _row("abs[at-0]", dg.abs, torch.abs, None, A((4, 5), "ties"), kink=True),
    _row("leaky_relu[at-0]", lambda x: dg.leaky_relu(x, 0.2), lambda x: F.leaky_relu(x, 0.2), None,
         A((4, 5), "ties"), kink=True),
    _row("maximum[ties]", dg.maximum, torch.maximum, jnp.maximum, A((4, 5), "ties"), A((4, 5), "ties"),
         kink=True),
    _row("minimum[ties]", dg.minimum, torch.minimum, jnp.minimum, A((4, 5), "ties"), A((5,), "ties"),
         kink=True),
    _row("max[ties]", dg.max, torch.amax, jnp.max, A((4, 5), "ties"), kink=True),
    _row("max[ties,axis=1]", lambda x: dg.max(x, axis=1),
         lambda x: torch.amax(x, 1), lambda x: jnp.max(x, 1), A((4, 5), "ties"), kink=True),
    _row("min[ties,axis=0,keepdims]", lambda x: dg.min(x, axis=0, keepdims=True),
         lambda x: torch.amin(x, 0, keepdim=True), lambda x: jnp.min(x, 0, keepdims=True),
         A((4, 5), "ties"), kink=True),
    _row("clip[at-bounds]", lambda x: dg.clip(x, -1.0, 0.0), lambda x: torch.clamp(x, -1.0, 0.0), None,
         A((4, 5), "ties"), kink=True),
    _row("sign[at-0]", dg.sign, torch.sign, jnp.sign, A((4, 5), "ties"), kink=True),
]

# Registered primitives whose rows live elsewhere: the transforms' identity node (exercised by
# every jvp/vjp), getitem's adjoint (run by every getitem row's VJP, and differentiated by its
# double backward and order-2 checks) and the convolution primitives (tests/cnn/conv_spec.py).
ELSEWHERE = {"identity", "getitem_adjoint", "im2col", "col2im"}
ROW_NAME = {"binary_cross_entropy_with_logits": "bce_with_logits"}
# Functions composed from primitives, with no primitive of their own: their rows test the
# composition against PyTorch and JAX like any primitive's.
COMPOSED = {"var", "log_softmax", "gelu"}
