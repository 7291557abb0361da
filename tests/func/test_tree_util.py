"""deepgrad.tree_util against jax.tree_util, and func.functional_call against torch.func."""

from collections import namedtuple

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import tree_util

jax = pytest.importorskip("jax")
torch = pytest.importorskip("torch")

Point = namedtuple("Point", "x y")
TREES = [
    {"b": [1.0, (2.0, None)], "a": Point(3.0, {"z": 4.0})},
    [None, (), [], {}, 5.0],
    (Point([6.0], 7.0), {"k": None}),
    8.0,
]


@pytest.mark.parametrize("tree", TREES)
def test_leaves_and_round_trip_as_jax(tree):
    leaves, treedef = tree_util.tree_flatten(tree)
    # the same leaves as JAX (JAX sorts dict keys; these trees' dicts are in sorted order
    # except the first, whose leaves are compared as sets)
    j_leaves = jax.tree_util.tree_leaves(tree)
    assert sorted(leaves) == sorted(j_leaves)
    assert treedef.num_leaves == jax.tree_util.tree_structure(tree).num_leaves
    assert tree_util.tree_unflatten(treedef, leaves) == tree
    rebuilt = tree_util.tree_unflatten(treedef, [x * 10 for x in leaves])
    assert rebuilt == jax.tree_util.tree_map(lambda v: v * 10, tree)


def test_tree_map_several_trees_matches_dicts_by_key():
    a = {"w": 1.0, "b": [2.0, 3.0]}
    b = {"b": [20.0, 30.0], "w": 10.0}  # other insertion order: matched by key, as JAX
    assert tree_util.tree_map(lambda x, y: x + y, a, b) == {"w": 11.0, "b": [22.0, 33.0]}
    assert type(tree_util.tree_map(lambda v: v, Point(1, 2))) is Point
    with pytest.raises(ValueError, match="tree 1 of rest"):
        tree_util.tree_map(lambda x, y: x, a, {"w": 1.0})


def test_register_pytree_node_and_transforms_see_it():
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b

    tree_util.register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda _, c: Pair(*c))
    x = np.array([1.0, 2.0])
    g = dg.grad(lambda p: dg.sum(p.a * p.b))(Pair(dg.tensor(x), dg.tensor(3 * x)))
    np.testing.assert_allclose(g.a.data, 3 * x)
    np.testing.assert_allclose(g.b.data, x)


def test_grad_over_namedtuple_and_none_leaves():
    p = Point(dg.tensor(np.array([1.0, 2.0])), None)
    g = dg.grad(lambda q: dg.sum(q.x ** 3))(p)
    assert isinstance(g, Point) and g.y is None
    np.testing.assert_allclose(g.x.data, 3 * np.array([1.0, 4.0]))


def _pair_models():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    dm = dg.nn.Sequential(dg.nn.Linear(3, 4), dg.nn.Tanh(), dg.nn.Linear(4, 2))
    dm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    dm.double()
    return tm, dm


def test_functional_call_per_example_gradients_as_torch_func():
    tm, dm = _pair_models()
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    tparams = {k: v.detach() for k, v in tm.named_parameters()}

    def tloss(p, xi, yi):
        return ((torch.func.functional_call(tm, p, (xi[None],)) - yi) ** 2).sum()

    t_grads = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0, 0))(
        tparams, torch.tensor(x), torch.tensor(y))
    dparams = {k: v.detach() for k, v in dm.named_parameters()}
    assert set(dparams) == set(tparams)

    def dloss(p, xi, yi):
        return dg.sum((dg.func.functional_call(dm, p, (xi[None],)) - yi) ** 2)

    d_grads = dg.vmap(dg.grad(dloss), in_axes=(None, 0, 0))(dparams, x, y)
    for k in tparams:
        np.testing.assert_allclose(d_grads[k].data, t_grads[k].numpy(), rtol=1e-12, atol=1e-14)
    # the module is restored: its own parameters again, and still trainable
    out = dm(dg.tensor(x))
    np.testing.assert_allclose(out.data, tm(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    assert all(p.requires_grad for p in dm.parameters())


def test_functional_call_hessian_and_bad_names():
    tm, dm = _pair_models()
    x = np.random.default_rng(1).standard_normal((2, 3))
    name = "2.bias"
    tb = tm.state_dict()[name].detach()

    def tf(b):
        return torch.func.functional_call(tm, {name: b}, (torch.tensor(x),)).pow(3).sum()

    def df(b):
        return dg.sum(dg.func.functional_call(dm, {name: b}, dg.tensor(x)) ** 3)

    h = dg.hessian(df)(dg.tensor(tb.numpy()))
    np.testing.assert_allclose(h.data, torch.func.hessian(tf)(tb).detach().numpy(), rtol=1e-12)
    with pytest.raises(KeyError, match="no parameter or buffer named 'layers.9.weight'"):
        dg.func.functional_call(dm, {"layers.9.weight": tb}, dg.tensor(x))
    with pytest.raises(KeyError, match="strict=True"):
        dg.func.functional_call(dm, {name: tb}, dg.tensor(x), strict=True)
