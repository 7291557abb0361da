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


def test_ad_examples_draws_the_lectures_graphs_from_the_recorded_ones():
    r = ad_examples.run(seed=1)
    # Wikipedia's graph (UBC) and Louppe's u nodes, written from the lectures' definitions
    assert sorted(map(tuple, r.graph_edges)) == sorted(
        [("w1", "w3"), ("w2", "w3"), ("w1", "w4"), ("w3", "w5"), ("w4", "w5")])
    assert sorted(map(tuple, r.mlp_edges)) == sorted(
        [("W1", "u1"), ("x", "u1"), ("u1", "u2"), ("W2", "u3"), ("u2", "u3"), ("u3", "y_hat"),
         ("W1", "u4"), ("W2", "u5"), ("u4", "u6"), ("u5", "u6"), ("u6", "u7"), ("y_hat", "u8"),
         ("u8", "l"), ("u7", "l")])
    assert ad_examples.layers(r.mlp_edges, ["x", "u1", "y_hat", "l"]) == \
        {"x": 0, "u1": 1, "y_hat": 4, "l": 6}
    fig = ad_examples.plot(r)
    drawn = [t.get_text().split(" = ")[0] for ax in fig.axes for t in ax.texts if t.get_text()]
    assert sorted(drawn) == sorted(["w1", "w2", "w3", "w4", "w5", "x", "W1", "W2",
                                    *(n for n, _ in ad_examples.MLP_NODES)])
    arrows = [c for ax in fig.axes for c in ax.get_children()
              if type(c).__name__ == "Annotation" and c.arrow_patch is not None]
    assert len(arrows) == len(r.graph_edges) + len(r.mlp_edges)
