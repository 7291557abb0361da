"""compile's inlining of out= variants: a one-expression lambda becomes its NumPy line in the
replay (parameters renamed, globals bound), anything else stays a call; both give eager's values."""

import importlib

import numpy as np

import deepgrad as dg
from deepgrad.engine.primitives.elementwise import relu
from deepgrad.engine.primitives.linalg import linear_prim

C = importlib.import_module("deepgrad.engine.fast.compile")  # the module (fast/ exports compile())


def _mlp_step():
    rng = np.random.default_rng(0)
    dg.manual_seed(0)  # the same initial weights on every call
    model = dg.nn.Sequential(dg.nn.Linear(3, 5), dg.nn.ReLU(), dg.nn.Linear(5, 2))
    opt = dg.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        opt.zero_grad()
        loss = dg.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return model, step, dg.tensor(rng.standard_normal((4, 3))), dg.tensor(rng.standard_normal((4, 2)))


def test_relu_and_linear_out_variants_are_inlined_as_numpy_lines():
    _, step, x, y = _mlp_step()
    compiled = dg.compile(step)
    compiled(x, y)
    src = compiled.source
    assert "np_maximum(" in src and ", 0, out=B" in src           # relu forward, inlined
    assert "select_where_bits(B" in src and " > 0, " in src       # relu x_bar, inlined
    assert "_bits, " in src and "select_bits(" not in src          # its views made once
    assert "np_matmul(" in src and "np_add_reduce(" in src        # linear's VJPs, inlined
    assert "np." not in src and "select." not in src              # module attributes bound once
    assert "_linear_fwd(" in src                                   # linear forward: one call
    assert " = O" not in src                                       # no out= variant left as a call


def test_inlined_replay_equals_eager_bit_for_bit():
    m1, step1, x, y = _mlp_step()
    m2, step2, _, _ = _mlp_step()
    compiled = dg.compile(step2)
    for _ in range(3):
        assert np.array_equal(step1(x, y).data, compiled(x, y).data)
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert np.array_equal(p.data, q.data) and np.array_equal(p.grad.data, q.grad.data)


def test_inline_renames_parameters_binds_globals_and_defaults():
    ns = {"np": np}
    fwd = C._inline(linear_prim.out[0], ["Bv1", "a0", "p2"], ns)  # no bias: b takes its default
    assert fwd.startswith("_linear_fwd(a0, p2, _l_b_") and fwd.endswith(", out=Bv1)")
    default = fwd.split(", ")[2]
    assert ns[default] is None and callable(ns["_linear_fwd"])
    vjp = C._inline(relu.out[1][0], ["Bg3", "g2", "v1", "a0"], ns)
    assert vjp == "select_where_bits(Bg3, select_bits(Bg3), a0 > 0, select_bits(g2))"
    assert ns["select_where_bits"].__name__ == "where_bits"
    ns["Bg3"], ns["Bg2"] = np.zeros(3, np.float32), np.zeros(3, np.float32)  # g2 written into Bg2
    once = C._inline(relu.out[1][0], ["Bg3", "g2", "v1", "a0"], ns, {"Bg3": "Bg3", "g2": "Bg2"})
    assert once == "select_where_bits(Bg3, Bg3_bits, a0 > 0, Bg2_bits)"
    assert ns["Bg2_bits"].base is ns["Bg2"] and ns["Bg2_bits"].dtype == np.int32
    assert C._inline(linear_prim.out[1][2], ["Bg4", "g2", "v1", "a0", "p2"], ns) == \
        "np_add_reduce(g2, 0, out=Bg4)" and ns["np_add_reduce"] == np.add.reduce
    assert C._inline(linear_prim.out[1][2], ["Bg5", "g2", "v1", "a0", "p2"], ns) == \
        "np_add_reduce(g2, 0, out=Bg5)"  # bound again: each read of np.add.reduce is a new object


def test_what_cannot_be_inlined_stays_a_call():
    k = 3.0
    closure = lambda o, x: np.multiply(x, k, out=o)  # noqa: E731  (reads a closure cell)

    def named(o, x):
        return np.multiply(x, 2, out=o)

    ns = {}
    assert C._inline(closure, ["B", "a"], ns) is None
    assert C._inline(named, ["B", "a"], ns) is None
    assert C._inline(lambda o, x: np.negative(x, out=o), ["B", "a", "extra"], ns) is None
    # a module attribute is bound as np_maximum, whatever np is bound to in the replay
    ns = {"np": object()}
    assert C._inline(relu.out[0], ["Bv1", "a0"], ns) == "np_maximum(a0, 0, out=Bv1)"
    ns = {"np_maximum": object()}  # the same for a bound attribute: the dotted name then stays
    assert C._inline(relu.out[0], ["Bv1", "a0"], ns) == "np.maximum(a0, 0, out=Bv1)"
