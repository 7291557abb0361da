"""The cheap gradient principle, by exact operation counts (never timings): deepgrad's recorded
matrix-product flops equal the closed form, every (f, grad f) / f ratio is under Griewank's bound
4, and XLA's own cost analysis of the same network and its gradient gives the same ratio."""
import numpy as np
import pytest

from deepgrad.lab.autodiff import cheap_gradient as cg


def _closed_form(dims, n):
    forward = 2 * n * sum(a * b for a, b in zip(dims, dims[1:]))
    return forward, 2 * forward - 2 * n * dims[0] * dims[1]  # no gradient for the input


def test_counts_equal_the_closed_form_and_stay_under_the_bound():
    r = cg.run(quick=True)
    for w, f_mm, b_mm in zip(r.widths, r.forward_matmul_flops, r.backward_matmul_flops):
        assert (f_mm, b_mm) == _closed_form([16, w, w, w, 1], r.batch)
    ratios = r.width_ratio + r.depth_ratio
    assert all(2 < q < r.bound for q in ratios) and r.max_ratio == max(ratios)
    assert np.all(np.diff(r.width_ratio) > 0) and r.width_ratio[-1] > 2.85  # towards 3 from below
    # the lecture's chain: 5 calls forward (mul, exp, add, log, mul), 4 backward (add passes g on)
    assert (r.chain_forward_calls, r.chain_backward_calls, r.chain_ratio) == (5, 4, 1.8)


def _xla_flops(dims, n, seed=0):
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((b, a)).astype(np.float32) for a, b in zip(dims, dims[1:])]
    bs = [np.zeros(b, np.float32) for b in dims[1:]]
    x = rng.standard_normal((n, dims[0])).astype(np.float32)
    y = rng.standard_normal((n, dims[-1])).astype(np.float32)

    def loss(params):
        h = x
        for k, (W, b) in enumerate(params):
            h = h @ W.T + b
            h = jnp.tanh(h) if k < len(params) - 1 else h
        return jnp.mean((h - y) ** 2)

    params = list(zip(Ws, bs))

    def flops(fn):
        cost = jax.jit(fn).lower(params).compile().cost_analysis()
        cost = cost[0] if isinstance(cost, list) else cost
        return cost["flops"] + cost.get("transcendentals", 0.0)  # tanh counts one, as ours

    return flops(loss), flops(jax.grad(loss))


@pytest.mark.parametrize("width", [32, 128])
def test_ratio_agrees_with_xla_cost_analysis(width):
    dims, n = [16, width, width, width, 1], 64
    f, params = cg.loss_and_parameters(dims, n, 0)
    forward, backward = cg.gradient_counts(f, params)
    xla_f, xla_grad = _xla_flops(dims, n)
    assert forward.matmul_flops == _closed_form(dims, n)[0]
    assert forward.total_flops == xla_f  # the same cost model, to the flop
    ours = (forward.total_flops + backward.total_flops) / forward.total_flops
    assert ours == pytest.approx(xla_grad / xla_f, rel=0.01) and xla_grad / xla_f < cg.BOUND
