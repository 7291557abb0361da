import matplotlib.figure
import numpy as np

from deepgrad.lab.learn import vanishing_gradients as vg


def test_scalar_chain_gradient_matches_the_product_formula():
    rng = np.random.default_rng(0)
    w, x = rng.standard_normal((50, 4)), rng.standard_normal(50)
    u, factors = w[:, 0] * x, []
    for l in range(4):
        s = 1 / (1 + np.exp(-u))
        factors.append(s * (1 - s))
        if l < 3:
            u = w[:, l + 1] * s
    expected = np.prod(factors, axis=0) * np.prod(w[:, 1:], axis=1) * x
    np.testing.assert_allclose(vg.scalar_chain_gradients(w, x), expected, rtol=1e-10)


def test_quick_run_sigmoid_vanishes_and_the_remedies_help():
    result = vg.run(quick=True)
    assert result.bound_holds
    assert np.all(np.diff(np.log(result.chain_mean_abs_grad)) < np.log(0.25) + 0.1)
    r = result.grad_norm_ratio_first_last
    assert r["sigmoid/normal"] < 1e-6 and r["sigmoid/xavier"] < 1e-4
    for config in ("tanh/xavier", "relu/he", "sigmoid/xavier/batchnorm"):
        assert 0.1 < r[config] < 10, config
    assert r["sigmoid/xavier/residual"] > 1e3 * r["sigmoid/xavier"]
    assert isinstance(vg.plot(result), matplotlib.figure.Figure)
