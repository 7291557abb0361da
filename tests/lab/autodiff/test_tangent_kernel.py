"""NTK: the arc-cosine recursion's exact identities, empirical NTK vs JAX, and the wide-net limit."""
import numpy as np
import pytest

from deepgrad.lab.autodiff.tangent_kernel import NTKMLP, analytic_ntk, empirical_ntk

rng = np.random.default_rng(0)
X = rng.standard_normal((5, 3))


@pytest.mark.parametrize("b_std", [0.0, 0.4])
def test_diagonal_with_w_std_squared_two(b_std):
    for depth in range(4):
        S0, T0 = analytic_ntk(X, depth, np.sqrt(2), b_std)
        S1, T1 = analytic_ntk(X, depth + 1, np.sqrt(2), b_std)
        np.testing.assert_allclose(np.diag(S1), np.diag(S0) + b_std ** 2, rtol=1e-12)
        # k_0(x, x) = 1/2, so Theta^{l+1}(x, x) = Sigma^{l+1}(x, x) + Theta^l(x, x)
        np.testing.assert_allclose(np.diag(T1), np.diag(S1) + np.diag(T0), rtol=1e-12)


def test_depth_zero_is_the_linear_kernel_and_kernels_are_psd():
    S, T = analytic_ntk(X, 0, 1.5, 0.2)
    np.testing.assert_allclose(S, 2.25 * X @ X.T / 3 + 0.04, rtol=1e-12)
    np.testing.assert_allclose(T, S)
    S, T = analytic_ntk(X, 3, 1.3, 0.1)
    assert np.linalg.eigvalsh(S).min() > -1e-12 and np.linalg.eigvalsh(T).min() > -1e-12
    _, T12 = analytic_ntk(X[:2], 3, 1.3, 0.1, X2=X)
    # k_0 = (pi - theta) / 2 pi has infinite slope at theta = 0: coincident points computed along
    # two float paths agree to sqrt(machine epsilon) there, not to 1e-12
    np.testing.assert_allclose(T12, T[:2], rtol=1e-7)


def test_empirical_ntk_equals_jax_on_the_same_weights():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    model = NTKMLP((3, 7, 6, 2), w_std=1.4, b_std=0.3, seed=1)
    params = [(l.weight.data, l.bias.data) for l in model.layers]

    def f(params, x):
        for i, (W, b) in enumerate(params):
            x = 1.4 / np.sqrt(W.shape[1]) * x @ W.T + 0.3 * b
            x = jax.nn.relu(x) if i < len(params) - 1 else x
        return x

    J = jax.jacrev(f)(params, X)  # pytree of (n, k, *param_shape)
    flat = jnp.concatenate([j.reshape(5, 2, -1) for pair in J for j in pair], axis=-1)
    expected = np.einsum("ikp,jlp->ikjl", flat, flat)
    np.testing.assert_allclose(empirical_ntk(model, X), expected, rtol=1e-10, atol=1e-12)


def test_wide_network_ntk_is_within_the_statistical_band():
    """At width n the empirical NTK fluctuates by O(1/sqrt(n)) around the analytic one."""
    Xs = X[:3]
    _, T = analytic_ntk(Xs, 1, np.sqrt(2), 0.1)
    errors = [np.linalg.norm(empirical_ntk(NTKMLP((3, 20000, 1), np.sqrt(2), 0.1, seed=s), Xs) - T)
              / np.linalg.norm(T) for s in range(2)]
    assert max(errors) < 0.05
