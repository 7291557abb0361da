"""The Tensor's PyTorch-style methods and the creation functions against torch: values, shapes,
dtypes, and gradients (float64) of the composed ones (repeat, expand, split, chunk, permute ...)."""

import numpy as np
import pytest
import torch

import deepgrad as dg

rng = np.random.default_rng(1)
A = rng.normal(size=(2, 3, 4))

METHODS = [
    ("view", lambda t: t.view(6, 4)), ("view -1", lambda t: t.view(-1)),
    ("reshape tuple", lambda t: t.reshape((4, 6))), ("unsqueeze", lambda t: t.unsqueeze(1)),
    ("unsqueeze -1", lambda t: t.unsqueeze(-1)),
    ("squeeze", lambda t: t.unsqueeze(0).squeeze()), ("squeeze dim", lambda t: t.unsqueeze(2).squeeze(2)),
    ("flatten", lambda t: t.flatten()), ("flatten 1", lambda t: t.flatten(1)),
    ("permute", lambda t: t.permute(2, 0, 1)), ("transpose", lambda t: t.transpose(0, 2)),
    ("transpose 2d", lambda t: t[0].transpose(0, 1)), ("t", lambda t: t[0].t()),
    ("expand", lambda t: t[:, :1].expand(2, 5, 4)), ("expand -1", lambda t: t[None].expand(3, -1, -1, -1)),
    ("repeat", lambda t: t.repeat(2, 1, 3)), ("repeat more dims", lambda t: t.repeat(2, 1, 1, 2)),
    ("chunk", lambda t: t.chunk(2, 2)[1]), ("chunk uneven", lambda t: t.chunk(2, 1)[1]),
    ("split", lambda t: t.split(3, dim=2)[1]), ("split sizes", lambda t: t.split([1, 2], dim=1)[1]),
    ("pow", lambda t: t.pow(2)), ("clone", lambda t: t.clone()),
    ("sum dim", lambda t: t.sum(dim=1)), ("sum keepdim", lambda t: t.sum(dim=(0, 2), keepdim=True)),
    ("mean dim", lambda t: t.mean(dim=-1, keepdim=True)), ("var dim", lambda t: t.var(dim=1)),
    ("std unbiased", lambda t: t.std(dim=0, unbiased=False)),
    ("max dim values", lambda t: t.max(1).values), ("min dim keepdim", lambda t: t.min(dim=2, keepdim=True)[0]),
    ("softmax", lambda t: t.softmax(dim=1)), ("log_softmax", lambda t: t.log_softmax(-1)),
    ("double", lambda t: t.float().double()),
]


@pytest.mark.parametrize("name,f", METHODS, ids=[m[0] for m in METHODS])
def test_method_matches_torch(name, f):
    a, b = dg.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    out_a, out_b = f(a), f(b)
    assert out_a.shape == tuple(out_b.shape)
    np.testing.assert_allclose(out_a.numpy(), out_b.detach().numpy(), rtol=1e-6)
    g = rng.normal(size=out_b.shape)
    out_a.backward(g)
    out_b.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_indices_sizes_dtypes_and_devices():
    a, b = dg.tensor(A), torch.tensor(A)
    assert a.size() == tuple(b.size()) and a.size(1) == b.size(1) == 3 and a.numel() == 24
    assert a.dim() == 3
    for f in (lambda t: t.argmax(), lambda t: t.argmax(1), lambda t: t.argmin(dim=2, keepdim=True),
              lambda t: t.max(dim=1).indices, lambda t: dg.max(t, 2)[1] if isinstance(t, dg.Tensor)
              else torch.max(t, 2)[1]):
        np.testing.assert_array_equal(f(a).numpy(), f(b).numpy())
        assert f(a).dtype == np.int64
    assert a.max(axis=1).shape == (2, 4)  # NumPy's keyword: values only
    for cast, dtype in (("float", np.float32), ("double", np.float64), ("long", np.int64),
                        ("int", np.int32), ("bool", np.bool_), ("half", np.float16)):
        assert getattr(a, cast)().dtype == dtype == getattr(dg, cast)
    assert a.to(dg.float32).dtype == np.float32 and a.type(dg.long).dtype == np.int64
    assert a.type("torch.FloatTensor").dtype == np.float32 and a.float().type() == "float32"
    assert a.to("cpu") is a and a.cpu() is a and a.device == "cpu" and str(a.device) == "cpu"
    assert a.to(dg.device("cpu"), dg.float32).dtype == np.float32
    assert a.to(dg.zeros(1, dtype=dg.float16)).dtype == np.float16
    with pytest.raises(ValueError, match="CPU only, got device 'cuda'"):
        a.to("cuda")
    with pytest.raises(ValueError, match="CPU only"):
        dg.zeros(2, device="cuda:0")


CREATION = [
    ("zeros", lambda m: m.zeros(2, 3)), ("ones tuple", lambda m: m.ones((2, 3), dtype=m.float64)),
    ("full", lambda m: m.full((2, 2), 7)), ("full float", lambda m: m.full((2,), 1.5)),
    ("empty", lambda m: m.empty(3).shape),
    ("zeros_like", lambda m: m.zeros_like(m.ones(2, dtype=m.int64))),
    ("ones_like", lambda m: m.ones_like(m.zeros(2, 2), dtype=m.float64)),
    ("full_like", lambda m: m.full_like(m.zeros(3), 2.5)),
    ("arange", lambda m: m.arange(5)), ("arange float", lambda m: m.arange(0, 1, 0.25)),
    ("arange int step", lambda m: m.arange(1, 10, 3)),
    ("linspace", lambda m: m.linspace(-1, 1, 5)), ("linspace f64", lambda m: m.linspace(0, 3, 7, dtype=m.float64)),
    ("eye", lambda m: m.eye(3)), ("eye rect", lambda m: m.eye(2, 3, dtype=m.long)),
    ("cat", lambda m: m.cat([m.ones(2, 2), m.zeros(1, 2)], dim=0)),
    ("concat", lambda m: m.concat([m.ones(2, 1), m.zeros(2, 2)], dim=1)),
    ("stack", lambda m: m.stack([m.ones(2), m.zeros(2)], dim=1)),
    ("tensor dtype", lambda m: m.tensor([1, 2], dtype=m.float32)),
    ("randn shape", lambda m: m.randn(2, 3).shape), ("rand dtype", lambda m: m.rand(2, dtype=m.float64).dtype),
    ("randint", lambda m: m.randint(0, 10, (4,)).dtype), ("randperm sorted", lambda m: m.randperm(6).sort()[0]
                                                         if m is torch else dg.tensor(np.sort(m.randperm(6).numpy()))),
]


@pytest.mark.parametrize("name,make", CREATION, ids=[c[0] for c in CREATION])
def test_creation_matches_torch(name, make):
    ours, theirs = make(dg), make(torch)
    if isinstance(theirs, torch.Tensor):
        assert ours.shape == tuple(theirs.shape)
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", ""))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    elif isinstance(theirs, torch.dtype):
        assert ours == np.dtype(str(theirs).replace("torch.", ""))
    else:
        assert tuple(ours) == tuple(theirs)


def test_requires_grad_and_seeds():
    w = dg.zeros(3, requires_grad=True)
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2, 2, 2])
    dg.manual_seed(3)
    first = dg.randn(4).numpy()
    dg.manual_seed(3)
    np.testing.assert_array_equal(dg.randn(4).numpy(), first)
    with pytest.raises(TypeError, match="only floating tensors"):
        dg.arange(3, requires_grad=True)
