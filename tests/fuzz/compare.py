"""Run one program on deepgrad and PyTorch in float64 in seven modes and compare; JAX arbitrates.

Modes: the value, ``backward()`` (leaf ``.grad``), double backward (``create_graph=True`` then the
gradient of <grad, w>), ``vjp``, ``jvp``, ``hvp`` and ``hessian`` (small inputs only) of
F = <f(x), u>. u and w are drawn from the program's seed. Where deepgrad and PyTorch disagree,
JAX computes the same mode: if JAX agrees with deepgrad, PyTorch is wrong there ("torch" side,
see docs/conventions.md for the known cases). Where both references give NaN and deepgrad a
finite number (their 0 * inf from masking by multiplication, e.g. the gradient of sqrt(max(x)))
central differences decide first-order modes. "Unsettled" (counted by reason, not failed): the
references disagree with each other too; a derivative through a NaN value; a subnormal value the
references flush to 0; deepgrad's own round-off (exact in np.longdouble). Otherwise the mismatch
is deepgrad's (docs/conventions.md).

Agreement: same shape; entries non-finite on both sides agree (inf against nan there is the order
of a formula); otherwise both finite and |a - b| <= ATOL + RTOL (|b| + max |b|), the max over the whole
mode (all blocks of a Hessian).
"""

from __future__ import annotations

import numpy as np
import torch

import deepgrad as dg
from deepgrad.engine.backward import walk

from .refs import JAX, TORCH

RTOL = 1e-7
ATOL = 1e-10  # round-off of quantities that are exactly 0 (softmax's Hessian terms, ...)
HESSIAN_MAX_SIZE = 8
MODES = ("value", "backward", "double_backward", "vjp", "jvp", "hvp", "hessian")


def agree(a, b, scale=None) -> bool:
    """Whether ``a`` matches the reference ``b``; ``scale``: max |b| over the whole mode."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    fa, fb = np.isfinite(a), np.isfinite(b)
    if np.any(fa != fb):
        return False
    if not fa.any():
        return True
    scale = np.max(np.abs(b[fb])) if scale is None else scale
    return bool(np.all(np.abs(a[fa] - b[fb]) <= ATOL + RTOL * (np.abs(b[fb]) + scale)))


def draws(inputs, out_shape, seed):
    """The cotangent u (shaped like the output) and the tangents w (one per input)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(out_shape), [rng.standard_normal(np.shape(a)) for a in inputs]


# --------------------------------------------------------------------------- deepgrad


def _grad_or_zeros(x):
    return np.zeros(x.shape) if x.grad is None else x.grad.data


def deepgrad_mode(mode, f, inputs, u, w):
    n = len(inputs)
    if mode in ("value", "backward"):
        xs = [dg.tensor(a, requires_grad=True) for a in inputs]
        y = f(*xs)
        if mode == "value":
            return [y.data]
        y.backward(gradient=u)
        return [_grad_or_zeros(x) for x in xs]
    if mode == "double_backward":
        xs = [dg.tensor(a, requires_grad=True) for a in inputs]
        f(*xs).backward(gradient=u, create_graph=True)
        gs = [x.grad for x in xs]
        for x in xs:
            x.grad = None
        terms = [dg.sum(g * wi) for g, wi in zip(gs, w) if g is not None and g.requires_grad]
        if terms:
            sum(terms[1:], terms[0]).backward()
        return [_grad_or_zeros(x) for x in xs]
    if mode == "vjp":
        return [g.data for g in dg.vjp(f, *inputs)[1](u)]
    if mode == "jvp":
        return [dg.jvp(f, tuple(inputs), tuple(w))[1].data]
    F = lambda *xs: dg.sum(f(*xs) * u)
    if mode == "hvp":
        hv = dg.hvp(F, tuple(inputs), tuple(w))
        return [t.data for t in (hv if n > 1 else (hv,))]
    H = dg.hessian(F, argnums=tuple(range(n)))(*inputs)
    return [H[i][j].data for i in range(n) for j in range(n)]


# --------------------------------------------------------------------------- PyTorch


def _np(t):
    """A torch result as an ndarray (torch's ZeroTensor crashes ``.numpy(force=True)``)."""
    return np.zeros(tuple(t.shape)) if t._is_zerotensor() else t.detach().numpy().copy()


def torch_mode(mode, ref, inputs, u, w):
    fn = lambda *xs: ref(TORCH, *xs)
    n = len(inputs)
    tin = [torch.from_numpy(np.array(a)) for a in inputs]
    tu, tw = torch.from_numpy(np.array(u)), tuple(torch.from_numpy(np.array(v)) for v in w)
    if mode in ("value", "backward", "double_backward"):
        ts = [t.clone().requires_grad_() for t in tin]
        y = fn(*ts)
        if mode == "value":
            return [_np(y)]
        gs = torch.autograd.grad(y, ts, tu, allow_unused=True, create_graph=True)
        if mode == "backward":
            return [np.zeros(t.shape) if g is None else _np(g) for t, g in zip(ts, gs)]
        terms = [(g * wi).sum() for g, wi in zip(gs, tw) if g is not None and g.requires_grad]
        if not terms:
            return [np.zeros(t.shape) for t in ts]
        second = torch.autograd.grad(sum(terms[1:], terms[0]), ts, allow_unused=True)
        return [np.zeros(t.shape) if g is None else _np(g) for t, g in zip(ts, second)]
    if mode == "vjp":
        return [_np(g) for g in torch.func.vjp(fn, *tin)[1](tu)]
    if mode == "jvp":
        return [_np(torch.func.jvp(fn, tuple(tin), tw)[1])]
    F = lambda *xs: (fn(*xs) * tu).sum()
    nums = tuple(range(n))
    if mode == "hvp":  # reverse-over-reverse (torch.func's jvp of grad costs 4x as much)
        hv = torch.autograd.functional.hvp(F, tuple(tin), tw)[1]
        return [_np(t) for t in hv]
    H = torch.func.hessian(F, nums)(*tin)
    return [_np(H[i][j]) for i in range(n) for j in range(n)]


# --------------------------------------------------------------------------- JAX (the arbiter)


def jax_mode(mode, ref, inputs, u, w):
    import jax

    fn = lambda *xs: ref(JAX, *xs)
    n, nums = len(inputs), tuple(range(len(inputs)))
    if mode == "value":
        return [np.asarray(fn(*inputs))]
    if mode in ("backward", "vjp"):
        return [np.asarray(g) for g in jax.vjp(fn, *inputs)[1](u)]
    if mode == "double_backward":
        G = lambda *xs: sum((g * wi).sum() for g, wi in zip(jax.vjp(fn, *xs)[1](u), w))
        return [np.asarray(g) for g in jax.grad(G, nums)(*inputs)]
    if mode == "jvp":
        return [np.asarray(jax.jvp(fn, tuple(inputs), tuple(w))[1])]
    F = lambda *xs: (fn(*xs) * u).sum()
    if mode == "hvp":
        return [np.asarray(t) for t in jax.jvp(jax.grad(F, nums), tuple(inputs), tuple(w))[1]]
    H = jax.hessian(F, nums)(*inputs)
    return [np.asarray(H[i][j]) for i in range(n) for j in range(n)]


# --------------------------------------------------------------------------- one program


def _all_agree(xs, ys):
    if xs is None or ys is None or len(xs) != len(ys):
        return False
    finite = [np.abs(b[np.isfinite(b)]) for b in map(np.asarray, ys)]
    scale = max((np.max(b) for b in finite if b.size), default=0.0)
    return all(agree(a, b, scale) for a, b in zip(xs, ys))


def check(f, ref, inputs, seed=0):
    """{"comparisons": n, "torch_wrong": [mode...], "deepgrad_wrong": [(mode, why)...],
    "unsettled": [mode...]}: unsettled where PyTorch and JAX also disagree with each other (all
    finite where deepgrad is): an ill-conditioned quantity that round-off decides; or where the
    value is NaN and deepgrad's derivative is NaN exactly where the references' conventions
    give numbers (``abs(var(x, ddof=1) + c)`` for one element: 0 in PyTorch, -u in JAX)."""
    inputs = [np.asarray(a, dtype=np.float64) for a in inputs]
    result = {"comparisons": 0, "torch_wrong": [], "deepgrad_wrong": [], "unsettled": []}
    try:
        value = deepgrad_mode("value", f, inputs, None, None)[0]
    except Exception as e:  # noqa: BLE001  (any exception of deepgrad's is a finding)
        result["deepgrad_wrong"].append(("value", f"deepgrad raised {type(e).__name__}: {e}"))
        return result
    u, w = draws(inputs, value.shape, seed)
    nan_value = bool(np.any(np.isnan(value)))
    small = sum(a.size for a in inputs) <= HESSIAN_MAX_SIZE
    for mode in MODES:
        if mode == "hessian" and not small:
            continue
        result["comparisons"] += 1
        try:
            mine = deepgrad_mode(mode, f, inputs, u, w)
        except Exception as e:  # noqa: BLE001
            result["deepgrad_wrong"].append((mode, f"deepgrad raised {type(e).__name__}: {e}"))
            continue
        try:
            theirs = torch_mode(mode, ref, inputs, u, w)
        except Exception:  # noqa: BLE001  (PyTorch cannot do it: JAX decides alone)
            theirs = None
        if _all_agree(mine, theirs):
            continue
        arbiter = jax_mode(mode, ref, inputs, u, w)
        if _all_agree(mine, arbiter):
            result["torch_wrong"].append(mode if theirs is not None else f"{mode} (torch raised)")
        elif theirs is not None and _nan_on_both_references(mine, theirs, arbiter) and (
                mode not in ("backward", "vjp") or _finite_differences_agree(f, inputs, u, mine)):
            result["torch_wrong"].append(f"{mode} (NaN from 0 * inf in PyTorch and JAX)")
        elif theirs is not None and not _all_agree(theirs, arbiter) and _same_finiteness(
                mine, theirs, arbiter):
            result["unsettled"].append(mode)  # the references disagree too: round-off decides
        elif theirs is not None and nan_value and not _all_agree(theirs, arbiter) and (
                _agree_where_finite(mine, theirs) or _agree_where_finite(mine, arbiter)):
            # a derivative through a NaN value is undefined: deepgrad's NaN against PyTorch's
            # and JAX's different conventions (abs'(NaN) = 0 and -1)
            result["unsettled"].append(f"{mode} (through a NaN value)")
        elif theirs is not None and _all_agree(theirs, arbiter) and _subnormal_inside(f, inputs):
            result["unsettled"].append(f"{mode} (a subnormal value, which the references flush to 0)")
        elif theirs is not None and _round_off(mode, f, inputs, u, w, mine, theirs, arbiter):
            result["unsettled"].append(f"{mode} (round-off: exact in extended precision)")
        else:
            result["deepgrad_wrong"].append((mode, _describe(mine, theirs, arbiter)))
    return result


def _subnormal_inside(f, inputs):
    """Whether a value of the program is subnormal in deepgrad (0 < |v| < 2.2e-308). PyTorch's
    vectorised log1p and XLA flush those to 0, so where a kink follows (abs of softplus(-745) =
    4.9e-324) the references take the kink's other side and no finite step can tell."""
    y = f(*[dg.tensor(a, requires_grad=True) for a in inputs])
    tiny = np.finfo(np.float64).tiny
    return any(np.any((np.abs(t.data) < tiny) & (t.data != 0)) for t in walk([y], every_input=True)
               if np.issubdtype(t.data.dtype, np.floating))


def _round_off(mode, f, inputs, u, w, mine, torch_out, jax_out, gap=1e-6):
    """Whether deepgrad's mismatch against the agreeing references is its own round-off: the
    same mode computed by deepgrad in extended precision (np.longdouble) agrees with them, and
    the float64 result is within ``gap`` of it. An exactly-zero second derivative (log_softmax
    of a tie, then weights 1e4) comes out as -2.3e-10 in float64, -8.7e-14 in longdouble."""
    if not _all_agree(torch_out, jax_out):
        return False
    wide = [np.asarray(a, dtype=np.longdouble) for a in inputs]
    try:
        exact = deepgrad_mode(mode, f, wide, np.asarray(u, np.longdouble),
                              [np.asarray(v, np.longdouble) for v in w])
    except Exception:  # noqa: BLE001  (a primitive without longdouble: the mismatch stands)
        return False
    close = all(np.all(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))[
        np.isfinite(b)] <= gap) for a, b in zip(mine, exact))
    return close and _all_agree([np.asarray(x, np.float64) for x in exact], torch_out)


def _nan_on_both_references(mine, torch_out, jax_out):
    """Where deepgrad disagrees, it is finite and both references are NaN (masking by
    multiplication, 0 * inf, in their rules); everywhere else deepgrad agrees with PyTorch or
    with JAX, the arbiter (PyTorch's NaN can reach entries where JAX's 0 * inf does not)."""
    for a, b, c in zip(mine, torch_out, jax_out):
        a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
        if a.shape != b.shape or a.shape != c.shape:
            return False
        both_nan = np.isnan(b) & np.isnan(c) & np.isfinite(a)
        rest = ~both_nan
        if not (agree(a[rest], b[rest]) or agree(a[rest], c[rest])):
            return False
    return True


def _finite_differences_agree(f, inputs, u, mine, h=1e-6):
    """Central differences of <f(x), u> at the entries where deepgrad's gradient is finite."""
    def F(xs):
        with dg.no_grad():
            return float(np.sum(f(*[dg.tensor(x) for x in xs]).data * u))

    for k, (x, g) in enumerate(zip(inputs, mine)):
        for idx in zip(*np.nonzero(np.isfinite(np.atleast_1d(g)))):
            idx = idx if np.ndim(g) else ()  # a scalar input's gradient is 0-d
            hi, lo = [a.copy() for a in inputs], [a.copy() for a in inputs]
            hi[k][idx] += h
            lo[k][idx] -= h
            fd = (F(hi) - F(lo)) / (2 * h)
            if not np.isfinite(fd) or abs(fd - g[idx]) > 1e-4 * (1 + abs(fd)):
                return False
    return True


def _agree_where_finite(mine, reference):
    """deepgrad agrees with ``reference`` at every entry where deepgrad is finite, and is NaN
    at the others."""
    for a, b in zip(mine, reference):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape or np.any(np.isinf(a)) or not agree(
                a[np.isfinite(a)], b[np.isfinite(a)]):
            return False
    return True


def _same_finiteness(*sides):
    first = [np.isfinite(np.asarray(x)) for x in sides[0]]
    return all(len(side) == len(first) and all(
        np.array_equal(f, np.isfinite(np.asarray(x))) for f, x in zip(first, side))
        for side in sides[1:])


def _describe(mine, torch_out, jax_out):
    def short(xs):
        return "raised" if xs is None else "; ".join(
            np.array2string(np.asarray(x), precision=6, threshold=12) for x in xs)
    return f"deepgrad {short(mine)} | torch {short(torch_out)} | jax {short(jax_out)}"
