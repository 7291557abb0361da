"""Universal approximation, the other constructions: deep narrow ReLU, sigmoid staircase, kNN, RBF.

Lecture: UBC CPSC 440 ("fixed width (at least d+2), growing depth"; kNN and RBF networks are
universal approximators too); Louppe, "Multi-layer perceptron" (Cybenko: any "bounded,
non-constant continuous" activation, the sigmoid). Papers: Cybenko (1989); Kidger & Lyons (2020),
"Universal approximation with deep narrow networks"; Stone (1977) / Gyorfi et al. (2002) for kNN
rates; Powell (1992) on radial basis functions.

All on f(x) = sin(2 pi x) + x on [0, 1] (d = 1) except kNN (d = 2), each an explicit construction
whose error order is known:
- deep narrow: a ReLU net of width d + 2 = 3 and L + 1 layers (deepgrad nn.Linear) carries x in
  one channel, a running sum (offset to stay >= 0) in another and relu(x - t_i) in the third, so it
  computes the piecewise-linear interpolant at L + 1 knots exactly (np.interp): sup error O(L^-2);
- sigmoid: one hidden layer of N steep sigmoids sigma(k (x - m_i)) as a staircase through f's
  values: sup error O(N^-1) for a Lipschitz f;
- kNN: 1-nearest-neighbour regression of a Lipschitz f on n uniform points of [0, 1]^2 (noiseless),
  mean error O(n^(-1/d)) = O(n^-1/2); ours (numpy) = scikit-learn's KNeighborsRegressor;
- RBF: the interpolant sum_i a_i |x - x_i| + b on N points (linear kernel), which in 1-D is the
  piecewise-linear interpolant: sup error O(N^-2); ours (numpy solve) = scipy's RBFInterpolator.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad import nn

KNOWN_ORDERS = {"deep_narrow": -2.0, "sigmoid": -1.0, "knn": -0.5, "rbf": -2.0}


@dataclass
class ApproximationRatesResult:
    sizes: dict            # construction -> depth L / units N / points n
    errors: dict           # construction -> error per size (sup, or mean for kNN)
    slopes: dict           # construction -> fitted log-log slope
    known_orders: dict     # construction -> the theoretical order
    deep_narrow_vs_interp: float   # max |deep narrow net - np.interp| over all L
    knn_vs_sklearn: float          # max |our 1-NN - KNeighborsRegressor|
    rbf_vs_scipy: float            # max |our RBF - RBFInterpolator|


def target(x):
    return np.sin(2 * np.pi * x) + x


def target_2d(X):
    return np.sin(3 * X[:, 0]) * np.cos(2 * X[:, 1])


def deep_narrow_net(f, L):
    """Width-3 ReLU net with L + 1 layers equal to the piecewise-linear interpolant of f at L + 1
    uniform knots of [0, 1] (for x in [0, 1])."""
    t = np.linspace(0, 1, L + 1)
    slopes = np.diff(f(t)) / np.diff(t)
    c = np.diff(slopes, prepend=0.0)          # g(x) = f(0) + sum_i c_i relu(x - t_i)
    M = abs(f(t[0])) + np.abs(c).sum() + 1.0  # keeps the running sum positive through ReLU
    layers = [nn.Linear(1, 3)]
    layers[0].weight.data[...] = [[1.0], [0.0], [1.0]]
    layers[0].bias.data[...] = [0.0, M + f(t[0]), -t[0]]
    for i in range(1, L):
        lin = nn.Linear(3, 3)
        lin.weight.data[...] = [[1, 0, 0], [0, 1, c[i - 1]], [1, 0, 0]]
        lin.bias.data[...] = [0.0, 0.0, -t[i]]
        layers.append(lin)
    out = nn.Linear(3, 1)
    out.weight.data[...] = [[0.0, 1.0, c[L - 1]]]
    out.bias.data[...] = [-M]
    mods = []
    for lin in layers:
        mods += [lin, nn.ReLU()]
    return nn.Sequential(*mods, out)


def sigmoid_staircase(f, N):
    """One hidden layer of N sigmoids: f(t_0) + sum_i (f(t_i) - f(t_{i-1})) sigma(k (x - m_i))."""
    t = np.linspace(0, 1, N + 1)
    m = (t[1:] + t[:-1]) / 2
    k = 50.0 * N                              # steep enough that each step is sharp at scale 1/N
    net = nn.Sequential(nn.Linear(1, N), nn.Sigmoid(), nn.Linear(N, 1))
    net[0].weight.data[...] = k
    net[0].bias.data[...] = -k * m
    net[2].weight.data[...] = np.diff(f(t))[None, :]
    net[2].bias.data[...] = f(t[0])
    return net


def evaluate(net, x):
    with dg.no_grad():
        return np.asarray(net(dg.tensor(x[:, None].astype(np.float32))).data[:, 0], np.float64)


def nearest_neighbour(X_train, y_train, X):
    """1-NN regression by brute force (numpy)."""
    d = ((X[:, None, :] - X_train[None, :, :]) ** 2).sum(-1)
    return y_train[d.argmin(1)]


def rbf_linear(x_train, y_train, x):
    """Interpolant sum_i a_i |x - x_i| + b with sum_i a_i = 0, by one dense solve."""
    n = len(x_train)
    A = np.zeros((n + 1, n + 1))
    A[:n, :n] = -np.abs(x_train[:, None] - x_train[None, :])   # scipy's 'linear' kernel is -r
    A[:n, n] = A[n, :n] = 1.0
    coef = np.linalg.solve(A, np.append(y_train, 0.0))
    return -np.abs(x[:, None] - x_train[None, :]) @ coef[:n] + coef[n]


def slope(sizes, errors):
    return float(np.polyfit(np.log(sizes), np.log(errors), 1)[0])


def run(*, quick: bool = False, seed: int = 0) -> ApproximationRatesResult:
    """quick: fewer and smaller sizes."""
    from scipy.interpolate import RBFInterpolator
    from sklearn.neighbors import KNeighborsRegressor

    grid = np.linspace(0, 1, 2001)
    exact = target(grid)
    depths = [4, 8, 16, 32] if quick else [4, 8, 16, 32, 64, 128]
    units = [8, 16, 32, 64] if quick else [8, 16, 32, 64, 128, 256]
    points = [100, 400, 1600] if quick else [100, 400, 1600, 6400]
    rbf_points = [8, 16, 32, 64] if quick else [8, 16, 32, 64, 128, 256]
    errors = {k: [] for k in KNOWN_ORDERS}
    gap_interp = gap_knn = gap_rbf = 0.0
    for L in depths:
        approx = evaluate(deep_narrow_net(target, L), grid)
        t = np.linspace(0, 1, L + 1)
        gap_interp = max(gap_interp, float(np.max(np.abs(approx - np.interp(grid, t, target(t))))))
        errors["deep_narrow"].append(float(np.max(np.abs(approx - exact))))
    for N in units:
        errors["sigmoid"].append(float(np.max(np.abs(evaluate(sigmoid_staircase(target, N), grid)
                                                     - exact))))
    rng = np.random.default_rng(seed)
    X_test = rng.uniform(0, 1, (1000, 2))
    for n in points:
        X = rng.uniform(0, 1, (n, 2))
        pred = nearest_neighbour(X, target_2d(X), X_test)
        sk = KNeighborsRegressor(n_neighbors=1).fit(X, target_2d(X)).predict(X_test)
        gap_knn = max(gap_knn, float(np.max(np.abs(pred - sk))))
        errors["knn"].append(float(np.mean(np.abs(pred - target_2d(X_test)))))
    for N in rbf_points:
        x = np.linspace(0, 1, N)
        pred = rbf_linear(x, target(x), grid)
        sp = RBFInterpolator(x[:, None], target(x), kernel="linear", degree=0)(grid[:, None])
        gap_rbf = max(gap_rbf, float(np.max(np.abs(pred - sp))))
        errors["rbf"].append(float(np.max(np.abs(pred - exact))))
    sizes = {"deep_narrow": depths, "sigmoid": units, "knn": points, "rbf": rbf_points}
    sizes = {k: np.array(v) for k, v in sizes.items()}
    errors = {k: np.array(v) for k, v in errors.items()}
    return ApproximationRatesResult(
        sizes=sizes, errors=errors, slopes={k: slope(sizes[k], errors[k]) for k in sizes},
        known_orders=dict(KNOWN_ORDERS), deep_narrow_vs_interp=gap_interp, knn_vs_sklearn=gap_knn,
        rbf_vs_scipy=gap_rbf)


def plot(result: ApproximationRatesResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.subplots()
    names = {"deep_narrow": "ReLU width d+2 = 3, depth L", "sigmoid": "sigmoid staircase, N units",
             "knn": "1-NN in 2-D, n points (mean error)", "rbf": "RBF |x - x_i|, N centres"}
    for i, (k, label) in enumerate(names.items()):
        s, e = result.sizes[k], result.errors[k]
        ax.loglog(s, e, "o-", color=f"C{i}",
                  label=f"{label}: slope {result.slopes[k]:.2f} (known {result.known_orders[k]:g})")
        ax.loglog(s, e[0] * (s / s[0]) ** result.known_orders[k], ":", color=f"C{i}")
    ax.set(xlabel="size (depth, units or points)", ylabel="approximation error",
           title="universal approximators and their rates (dotted: the known orders)")
    ax.legend(fontsize=8)
    return fig
