"""Exact geometry of ReLU networks against oracles: closed forms, dense sampling, linprog."""

import itertools
from math import comb, prod

import numpy as np
import pytest
from scipy.optimize import linprog

from deepgrad.lab.represent import geometry


# Duck-typed stand-ins for nn's modules: geometry follows anything shaped like them, and the oracle
# below evaluates them in float64 with NumPy, independently of deepgrad's engine.
class _Param:
    def __init__(self, a):
        self.data = np.asarray(a, dtype=np.float64)


class Linear:
    def __init__(self, w, b):
        self.weight, self.bias = _Param(w), _Param(b)


class ReLU:
    pass


class LeakyReLU:
    def __init__(self, negative_slope):
        self.negative_slope = negative_slope


class Abs:
    pass


class Identity:
    pass


class Residual:
    def __init__(self, block):
        self.block = block


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)


def forward(module, x):
    """float64 NumPy forward pass of the stand-in modules; x: (n, d_in)."""
    kind = type(module).__name__
    if kind == "Linear":
        return x @ module.weight.data.T + module.bias.data
    if kind == "ReLU":
        return np.maximum(x, 0)
    if kind == "LeakyReLU":
        return np.where(x > 0, x, module.negative_slope * x)
    if kind == "Abs":
        return np.abs(x)
    if kind == "Identity":
        return x
    if kind == "Residual":
        return x + forward(module.block, x)
    for layer in module.layers:
        x = forward(layer, x)
    return x


def random_mlp(widths, rng, bias_scale=0.5):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        w = rng.normal(size=(n_out, n_in)) * np.sqrt(2 / n_in)
        layers.append(Linear(w, bias_scale * rng.normal(size=n_out)))
        if i < len(widths) - 2:
            layers.append(ReLU())
    return Sequential(*layers)


def sampled_pieces(model, lo, hi, n=400_001):
    """Count linear pieces by dense sampling: runs of non-zero second differences are kinks."""
    x = np.linspace(lo, hi, n)
    f = forward(model, x[:, None])[:, 0]
    slope = np.diff(f) / np.diff(x)
    kink = np.abs(np.diff(slope)) > 1e-6 * (1 + np.abs(slope).max())
    runs = np.count_nonzero(kink[1:] & ~kink[:-1]) + kink[0]
    return int(runs) + 1


def test_sawtooth_kinks_exact():
    """f_l = 2 relu(f) + 2 relu(-f) - 2 (Lawrence): 2^L pieces, kinks at -2 + 4k/2^L."""
    layers = []
    for _ in range(10):
        layers += [Linear([[1.0], [-1.0]], [0.0, 0.0]), ReLU(), Linear([[2.0, 2.0]], [-2.0])]
    for depth in (1, 4, 10):
        model = Sequential(*layers[: 3 * depth])
        points = geometry.breakpoints(model, -2, 2)
        expected = -2 + 4 * np.arange(1, 2**depth) / 2**depth
        np.testing.assert_allclose(points, expected, atol=1e-9)
        assert geometry.count_pieces(model, -2, 2) == 2**depth


@pytest.mark.parametrize("widths,seed", [((1, 8, 1), 0), ((1, 6, 6, 1), 1), ((1, 5, 5, 5, 1), 2)])
def test_random_1d_pieces_match_sampling_and_bound(widths, seed):
    model = random_mlp(widths, np.random.default_rng(seed))
    pieces = geometry.count_pieces(model, -3, 3)
    assert pieces == sampled_pieces(model, -3, 3)
    assert pieces <= prod(n + 1 for n in widths[1:-1])


def test_breakpoints_of_residual_leaky_abs_net():
    rng = np.random.default_rng(3)
    block = Sequential(Linear(rng.normal(size=(4, 4)), rng.normal(size=4)), LeakyReLU(0.1),
                       Linear(rng.normal(size=(4, 4)), rng.normal(size=4)))
    model = Sequential(Linear(rng.normal(size=(4, 1)), rng.normal(size=4)), Abs(), Residual(block),
                       Identity(), ReLU(), Linear(rng.normal(size=(1, 4)), [0.0]))
    assert geometry.count_pieces(model, -3, 3) == sampled_pieces(model, -3, 3)
    edges, slopes, intercepts = geometry.pieces_1d(model, -3, 3)
    mid = (edges[1:] + edges[:-1]) / 2
    np.testing.assert_allclose(slopes[:, 0] * mid + intercepts[:, 0],
                               forward(model, mid[:, None])[:, 0], rtol=1e-9, atol=1e-9)


def test_one_hidden_layer_regions_closed_form():
    """m lines in general position cut the plane into 1 + m + C(m, 2) regions."""
    m = 12
    rng = np.random.default_rng(4)
    w, b = rng.normal(size=(m, 2)), rng.normal(size=m)
    cross = [np.linalg.solve(w[[i, j]], -b[[i, j]]) for i, j in itertools.combinations(range(m), 2)]
    r = 1.5 * np.abs(cross).max()
    model = Sequential(Linear(w, b), ReLU(), Linear(rng.normal(size=(1, m)), [0.0]))
    regions = geometry.linear_regions(model, ((-r, r), (-r, r)))
    assert regions.count == 1 + m + comb(m, 2)
    assert regions.counts == [regions.count]


def _feasible_patterns(model, box):
    """Count activation patterns with a non-empty interior in the box, by linear programming."""
    (x0, x1), (y0, y1) = box
    stages = [(layer, model.layers[i + 1]) for i, layer in enumerate(model.layers[:-1])
              if type(layer).__name__ == "Linear"]
    count = 0

    def visit(depth, A, c, rows, rhs):
        nonlocal count
        if depth == len(stages):
            count += 1
            return
        lin, _ = stages[depth]
        W, b = lin.weight.data, lin.bias.data
        Az, cz = W @ A, W @ c + b
        for signs in itertools.product((1.0, -1.0), repeat=len(b)):
            s = np.array(signs)
            # maximise t subject to s_j (Az_j x + cz_j) >= t, i.e. -s_j Az_j x + t <= s_j cz_j
            new_rows = np.hstack([-s[:, None] * Az, np.ones((len(b), 1))])
            all_rows, all_rhs = np.vstack([rows, new_rows]), np.concatenate([rhs, s * cz])
            res = linprog([0, 0, -1], A_ub=all_rows, b_ub=all_rhs,
                          bounds=[(x0, x1), (y0, y1), (None, 1)], method="highs")
            if res.status == 0 and -res.fun > 1e-7:
                active = s > 0
                visit(depth + 1, Az * active[:, None], cz * active, all_rows, all_rhs)

    visit(0, np.eye(2), np.zeros(2), np.zeros((0, 3)), np.zeros(0))
    return count


@pytest.mark.parametrize("widths,seed", [((2, 4, 4, 1), 5), ((2, 5, 3, 1), 6), ((2, 3, 3, 3, 1), 7)])
def test_regions_match_linprog_patterns_and_tile_the_box(widths, seed):
    box = ((-2.0, 2.0), (-1.5, 1.0))
    model = random_mlp(widths, np.random.default_rng(seed))
    regions = geometry.linear_regions(model, box)
    assert regions.count == _feasible_patterns(model, box)
    assert len({tuple(p) for p in regions.patterns}) == regions.count  # each pattern once
    assert regions.areas().sum() == pytest.approx(4.0 * 2.5, rel=1e-12)
    assert (regions.areas() > 0).all()
    # the affine map of each region is the network at a point inside it
    centroids = np.array([p.mean(axis=0) for p in regions.polygons])
    np.testing.assert_allclose(np.einsum("nij,nj->ni", regions.A, centroids) + regions.c,
                               forward(model, centroids), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(regions.locate(centroids), np.arange(regions.count))


def test_degenerate_units_are_not_double_counted():
    """A dead unit, a zero row, a duplicated unit and a cut through a corner add no regions."""
    rng = np.random.default_rng(8)
    w, b = rng.normal(size=(5, 2)), 0.3 * rng.normal(size=5)
    w_deg = np.vstack([w, np.zeros((2, 2)), w[:1], 3 * w[1:2], [[1.0, 1.0]]])
    b_deg = np.concatenate([b, [-1.0, 0.0], b[:1], 3 * b[1:2], [-2.0]])  # x + y = 2: corner (1, 1)
    plain = Sequential(Linear(w, b), ReLU(), Linear(np.ones((1, 5)), [0.0]))
    degenerate = Sequential(Linear(w_deg, b_deg), ReLU(), Linear(np.ones((1, 10)), [0.0]))
    box = ((-1.0, 1.0), (-1.0, 1.0))
    assert geometry.linear_regions(degenerate, box).count == geometry.linear_regions(plain, box).count
    assert geometry.count_pieces(Sequential(Linear([[0.0]], [-1.0]), ReLU()), -1, 1) == 1


def test_count_regions_on_segment_in_high_dimension():
    rng = np.random.default_rng(9)
    model = random_mlp((5, 8, 8, 1), rng)
    a, b = rng.normal(size=5), rng.normal(size=5)
    t = np.linspace(0, 1, 200_001)
    x = a + t[:, None] * (b - a)
    h1 = forward(Sequential(*model.layers[:1]), x) > 0
    h2 = forward(Sequential(*model.layers[:3]), x) > 0
    pattern = np.hstack([h1, h2])
    changes = np.count_nonzero((pattern[1:] != pattern[:-1]).any(axis=1))
    assert geometry.count_regions_on_segment(model, a, b) == changes + 1


def test_rejects_non_piecewise_linear_layers():
    class Tanh:
        pass

    with pytest.raises(TypeError, match="Tanh"):
        geometry.linear_regions(Sequential(Linear(np.eye(2), np.zeros(2)), Tanh()))


def test_nn_modules_residual_leaky_relu():
    """Real nn modules: regions' affine maps equal deepgrad's forward pass; the box is tiled."""
    import deepgrad
    from deepgrad import nn

    model = nn.MLP([2, 6, 6, 6, 1], activation="leaky_relu", skip="residual", init="pytorch",
                   generator=np.random.default_rng(10))
    assert any(type(layer).__name__ == "Residual" for layer in model.layers)
    regions = geometry.linear_regions(model, ((-2.0, 2.0), (-2.0, 2.0)))
    assert regions.areas().sum() == pytest.approx(16.0, rel=1e-12)
    centroids = np.array([p.mean(axis=0) for p in regions.polygons])
    with deepgrad.no_grad():
        expected = model(deepgrad.tensor(centroids)).data
    np.testing.assert_allclose(np.einsum("nij,nj->ni", regions.A, centroids) + regions.c,
                               expected, rtol=1e-4, atol=1e-5)
