"""The experiments' headline numbers against hand-derived values (quick runs)."""
import numpy as np
import pytest

from deepgrad.lab.autodiff import ad_examples, ad_kinks


def test_ad_kinks_reverse_mode_vs_ld():
    r = ad_kinks.run(quick=True)
    assert r.reverse == {"f1": 1.0, "f2": 0.0, "f3": 10.0, "f4": 0.0}
    assert r.ld == {"f1": 1.0, "f2": 1.0, "f3": 1.0, "f4": 1.0}
    assert r.ld_outside_clarke == 0.0 and r.max_ld_error < 1e-12
    assert r.reverse_outside_clarke > 0.0


def test_ad_examples_tables_equal_hand_derivation():
    x1, x2, x = 2.0, 3.0, 0.5
    r = ad_examples.run(x1=x1, x2=x2, x=x)
    values = {row["node"]: (row["value"], row["adjoint"]) for row in r.graph}
    expected = {"w1": (x1, x2 + np.cos(x1)), "w2": (x2, x1), "w3": (x1 * x2, 1.0),
                "w4": (np.sin(x1), 1.0), "w5": (np.sin(x1) + x1 * x2, 1.0)}
    for node, (value, adjoint) in expected.items():
        assert values[node] == pytest.approx((value, adjoint), rel=1e-14)
    e = np.exp(-2 * x)
    alphas = [-2 * x, e, 1 + e, np.log(1 + e), 10 * np.log(1 + e)]
    betas = [-20 * e / (1 + e), 10 * e / (1 + e), 10 / (1 + e), 10 / (1 + e), 10.0]
    assert [row["alpha"] for row in r.chain] == pytest.approx(alphas, rel=1e-14)
    assert [row["beta"] for row in r.chain] == pytest.approx(betas, rel=1e-14)


def test_ad_examples_louppe_mlp_adjoints_equal_pytorch():
    import torch

    r = ad_examples.run(seed=3)
    x, W1, W2, y = ad_examples.mlp_inputs(3)
    W1t = torch.tensor(W1, requires_grad=True)
    W2t = torch.tensor(W2, requires_grad=True)
    nodes = ad_examples.mlp_forward(torch.tensor(x), W1t, W2t, y, 0.1,
                                    (torch.sigmoid, torch.sqrt, torch.sum, torch.log))
    for t in nodes:
        t.retain_grad()
    nodes[-1].backward()
    ours = {row["node"]: row for row in r.mlp}
    for (name, _), t in zip(ad_examples.MLP_NODES, nodes):
        np.testing.assert_allclose(ours[name]["value"], t.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours[name]["adjoint"], t.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours["W1"]["adjoint"], W1t.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours["W2"]["adjoint"], W2t.grad.numpy(), rtol=1e-10)
    assert "digraph" in r.mlp_dot
