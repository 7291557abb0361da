"""Linear, MLP (plain, residual, dense), activations, norms, dropout against PyTorch (float64)."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn

RNG = np.random.default_rng(0)


def torch_linear(layer):
    ref = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                          dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(layer.weight.data))
        if layer.bias is not None:
            ref.bias.copy_(torch.tensor(layer.bias.data))
    return ref


def compare(ours, ref, x, params, ref_params, rtol=1e-10):
    """Forward values, input gradient and parameter gradients of sum(out * r)."""
    xt = dg.tensor(x, requires_grad=True)
    xr = torch.tensor(x, requires_grad=True)
    out, out_ref = ours(xt), ref(xr)
    np.testing.assert_allclose(out.numpy(), out_ref.detach().numpy(), rtol=rtol, atol=1e-12)
    r = RNG.standard_normal(out.shape)
    (out * r).sum().backward()
    (out_ref * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), rtol=rtol, atol=1e-12)
    for p, q in zip(params, ref_params):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(float64, bias):
    layer = nn.Linear(5, 3, bias=bias)
    assert layer.weight.shape == (3, 5) and (layer.bias is None) != bias
    ref = torch_linear(layer)
    compare(layer, ref, RNG.standard_normal((7, 5)), list(layer.parameters()),
            list(ref.parameters()))


def test_linear_default_init_is_pytorchs():
    layer = nn.Linear(400, 300, generator=0)
    bound = 1 / np.sqrt(400)
    for p in (layer.weight.data, layer.bias.data):
        assert p.dtype == np.float32 and np.abs(p).max() <= bound
    assert layer.weight.data.var() == pytest.approx(bound ** 2 / 3, rel=0.03)


def test_linear_rejects_wrong_number_of_features():
    with pytest.raises(ValueError, match="expects 5 input features, got 4"):
        nn.Linear(5, 2)(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 2)


def test_mlp_layers_follow_the_recursive_definition():
    mlp = nn.MLP([4, 8, 8, 3], activation="tanh", output_activation="sigmoid")
    kinds = [type(m).__name__ for m in mlp.layers]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Sigmoid"]
    assert [k for k, _ in mlp.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
        "layers.4.weight", "layers.4.bias"]
    assert (mlp.in_features, mlp.out_features) == (4, 3)


def test_mlp_matches_torch_sequential(float64):
    mlp = nn.MLP([6, 16, 16, 4], activation="leaky_relu")
    linears = [m for m in mlp.layers if isinstance(m, nn.Linear)]
    refs = [torch_linear(m) for m in linears]
    ref = torch.nn.Sequential(refs[0], torch.nn.LeakyReLU(0.01), refs[1],
                              torch.nn.LeakyReLU(0.01), refs[2])
    compare(mlp, ref, RNG.standard_normal((9, 6)), list(mlp.parameters()), list(ref.parameters()))


def test_residual_mlp_adds_the_skip(float64):
    mlp = nn.MLP([3, 8, 8, 8, 2], skip="residual")
    kinds = [type(m).__name__ for m in mlp.layers]
    assert kinds == ["Linear", "ReLU", "Residual", "Residual", "Linear"]
    l0, r1, r2, out = mlp.layers[0], mlp.layers[2].block[0], mlp.layers[3].block[0], mlp.layers[4]
    t0, t1, t2, t3 = map(torch_linear, (l0, r1, r2, out))

    def ref(x):
        h = torch.relu(t0(x))
        h = h + torch.relu(t1(h))
        h = h + torch.relu(t2(h))
        return t3(h)

    params = [l0.weight, l0.bias, r1.weight, r1.bias, r2.weight, r2.bias, out.weight, out.bias]
    ref_params = [q for t in (t0, t1, t2, t3) for q in t.parameters()]
    compare(mlp, ref, RNG.standard_normal((5, 3)), params, ref_params)


def test_dense_mlp_feeds_every_layer_all_earlier_outputs(float64):
    mlp = nn.MLP([3, 4, 5, 2], skip="dense", activation="tanh")
    block, out = mlp.layers
    assert isinstance(block, nn.DenseBlock) and block.out_features == 3 + 4 + 5
    assert [m.in_features for m in block.layers] == [3, 7] and out.in_features == 12
    t1, t2, t3 = map(torch_linear, (*block.layers, out))

    def ref(x):
        h1 = torch.tanh(t1(x))
        h2 = torch.tanh(t2(torch.cat([x, h1], 1)))
        return t3(torch.cat([x, h1, h2], 1))

    params = [block.layers[0].weight, block.layers[0].bias, block.layers[1].weight,
              block.layers[1].bias, out.weight, out.bias]
    compare(mlp, ref, RNG.standard_normal((5, 3)), params,
            [q for t in (t1, t2, t3) for q in t.parameters()])


@pytest.mark.parametrize("bad,message", [
    (dict(widths=[4]), "widths"), (dict(widths=[4, 0, 2]), "widths"),
    (dict(widths=[4, 2], activation="swish"), "unknown activation 'swish'"),
    (dict(widths=[4, 2], skip="highway"), "skip"), (dict(widths=[4, 2], init="zeros"), "init"),
])
def test_mlp_bad_arguments(bad, message):
    with pytest.raises(ValueError, match=message):
        nn.MLP(**bad)


ACTIVATIONS = [(nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
               (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()),
               (nn.Softplus(), torch.nn.Softplus()), (nn.GELU(), torch.nn.GELU()),
               (nn.Identity(), torch.nn.Identity())]


@pytest.mark.parametrize("ours,ref", ACTIVATIONS, ids=[type(a).__name__ for a, _ in ACTIVATIONS])
def test_activations_match_torch(ours, ref):
    x = np.concatenate([RNG.standard_normal(20) * 3, [0.0, 40.0, -40.0]])
    compare(ours, ref, x, [], [])


def test_step_and_sign_pass_no_gradient():
    x = dg.tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    assert nn.Step()(x).tolist() == [0.0, 1.0, 1.0]   # Louppe: 1 if x >= 0
    assert nn.Step(at_zero=0.0)(x).tolist() == [0.0, 0.0, 1.0]
    for at_zero in (0.0, 0.5, 1.0):
        ref = torch.heaviside(torch.tensor([-2.0, 0.0, 3.0]), torch.tensor(at_zero))
        assert nn.Step(at_zero)(x).tolist() == ref.tolist()
    assert nn.Sign()(x).tolist() == [-1.0, 0.0, 1.0]
    assert not nn.Step()(x).requires_grad and not nn.Sign()(x).requires_grad
    assert nn.LeakyReLU(0.3).negative_slope == 0.3


@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_matches_torch_in_train_and_eval(float64, affine):
    bn = nn.BatchNorm1d(4, momentum=0.2, affine=affine)
    ref = torch.nn.BatchNorm1d(4, momentum=0.2, affine=affine, dtype=torch.float64)
    if affine:
        bn.weight.data[:] = RNG.standard_normal(4)
        bn.bias.data[:] = RNG.standard_normal(4)
        with torch.no_grad():
            ref.weight.copy_(torch.tensor(bn.weight.data))
            ref.bias.copy_(torch.tensor(bn.bias.data))
    params, ref_params = list(bn.parameters()), list(ref.parameters())
    for _ in range(3):
        compare(bn, ref, RNG.standard_normal((8, 4)) * 2 + 1, params, ref_params)
        for p in params + ref_params:
            p.grad = None
    np.testing.assert_allclose(bn.running_mean, ref.running_mean.numpy(), rtol=1e-10)
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy(), rtol=1e-10)
    bn.eval(), ref.eval()
    compare(bn, ref, RNG.standard_normal((5, 4)), params, ref_params)
    assert set(bn.state_dict()) >= {"running_mean", "running_var"}


def test_batchnorm_needs_two_rows_to_train():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(np.zeros((1, 3), np.float32))


def test_layernorm_matches_torch(float64):
    ln = nn.LayerNorm(6)
    ln.weight.data[:] = RNG.standard_normal(6)
    ln.bias.data[:] = RNG.standard_normal(6)
    ref = torch.nn.LayerNorm(6, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(ln.weight.data))
        ref.bias.copy_(torch.tensor(ln.bias.data))
    for module in (ln, ln.eval()):
        compare(module, ref, RNG.standard_normal((5, 6)) * 3, list(ln.parameters()),
                list(ref.parameters()), rtol=1e-9)
        for p in [*ln.parameters(), *ref.parameters()]:
            p.grad = None


def test_dropout_scales_kept_units_and_is_identity_in_eval():
    drop = nn.Dropout(0.25, generator=0)
    x = dg.tensor(np.ones((200, 100), np.float32), requires_grad=True)
    y = drop(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.numpy())  # d(x * m / (1-p))/dx = m / (1-p)
    assert drop.eval()(x) is x
    assert np.all(nn.Dropout(1.0).train()(x).numpy() == 0)
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


def test_dropout_is_reproducible_with_manual_seed():
    from deepgrad.random import manual_seed
    x = np.ones((4, 50), np.float32)
    manual_seed(1)
    a = nn.Dropout(0.5)(x).numpy()
    manual_seed(1)
    np.testing.assert_array_equal(a, nn.Dropout(0.5)(x).numpy())


def test_standardize_layer():
    X = RNG.standard_normal((50, 3)) * [1, 2, 0] + 5
    layer = nn.Standardize(3, mean=X.mean(0), std=X.std(0))
    Z = np.asarray(layer(dg.tensor(X.astype(np.float32))))
    np.testing.assert_allclose(Z[:, :2].std(0), 1, rtol=1e-4)
    assert np.all(Z[:, 2] == 0)
    back = nn.Standardize(3, mean=X.mean(0), std=X.std(0), inverse=True)
    np.testing.assert_allclose(np.asarray(back(Z)), X, rtol=1e-5)
    assert back.config() == {"num_features": 3, "inverse": True}
