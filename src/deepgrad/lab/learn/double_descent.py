"""Double descent with random features: the test error peaks where the model starts to interpolate.

Lecture topic: double-descent curves and the implicit regularisation of minimum-norm solutions
(UBC CPSC 440 deep-learning review; Lawrence, "Double Descent"). Papers: Belkin, Hsu, Ma & Mandal
(2019), "Reconciling modern machine-learning practice and the classical bias-variance trade-off";
Rahimi & Recht (2007), "Random features for large-scale kernel machines"; Nakkiran et al.
(2020), "Deep double descent".

n training digits (8x8 images, centred pixels in [0, 1]) are mapped to N random features

    Fourier:  phi_j(x) = cos(w_j^T x + b_j),  w_j ~ N(0, s^2 I), b_j ~ U[0, 2 pi)
    ReLU:     phi_j(x) = max(0, w_j^T x),     w_j ~ N(0, I / 64),

and a linear map from features to one-hot labels is fitted by minimum-norm least squares,
beta = Phi^+ Y (the limit of gradient descent from zero). For N < n this is ordinary least
squares; for N > n it interpolates the training set, choosing the interpolator of least norm.
At N = n the square system has a tiny smallest singular value, so ||beta|| and the test error
blow up; beyond, more features give more interpolators to choose from and the test error falls
again: the second descent. The peak sits where rank(Phi) reaches n (for ReLU features on raw,
non-negative pixels many features are dead and the rank lags N; centring the pixels avoids it).
`peak_n_features` is the N of largest mean test error per feature kind, `interpolation_threshold`
the smallest N on the grid where rank(Phi) = n. The sweep runs in parallel with joblib.
``seeds=N`` repeats everything (split and features) for seeds seed..seed+N-1
(``deepgrad.lab.repeats``): the curves are means over the repeats, ``*_sd`` their sample sd,
drawn as bands.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import threadpool_limits

from deepgrad.data import load_dataset
from deepgrad.lab.repeats import mean_sd, repeat

KINDS = ("fourier", "relu")


@dataclass
class DoubleDescentResult:
    n_train: int
    n_features: np.ndarray             # the grid of N
    test_error: dict                   # kind -> mean test squared error per N
    test_error_std: dict               # kind -> its spread over feature draws (mean over seeds)
    test_error_sd: dict                # kind -> sample sd over seeds of the mean test error
    classification_error_sd: dict      # kind -> the same for the misclassification rate
    seeds: int                         # repeats (seed, seed+1, ...)
    classification_error: dict         # kind -> mean test misclassification rate per N
    train_error: dict                  # kind -> mean training squared error per N
    norm: dict                         # kind -> mean ||beta||_F per N
    rank: dict                         # kind -> smallest rank(Phi) over draws, per N
    peak_n_features: dict              # kind -> N with the largest mean test error
    interpolation_threshold: dict      # kind -> smallest N with rank(Phi) = n


def random_features(kind, X, n_features, rng, scale=0.3):
    """Phi (len(X), n_features) for kind "fourier" or "relu" (see the module docstring)."""
    d = X.shape[1]
    if kind == "fourier":
        W = scale * rng.standard_normal((d, n_features))
        return np.cos(X @ W + rng.uniform(0, 2 * np.pi, n_features))
    if kind == "relu":
        return np.maximum(X @ (rng.standard_normal((d, n_features)) / np.sqrt(d)), 0)
    raise ValueError(f"unknown feature kind {kind!r}; known: {', '.join(KINDS)}")


def min_norm_least_squares(Phi, Y):
    """beta = Phi^+ Y and the singular values of Phi, through a QR of its longer side.

    With Phi^T = Q R (N > n) the pseudo-inverse is Phi^+ = Q (R^T)^+, and with Phi = Q R (N <= n)
    it is R^+ Q^T, so only the small square factor R needs an SVD.
    """
    n, N = Phi.shape
    if N > n:
        Q, R = np.linalg.qr(Phi.T)
        beta = Q @ (np.linalg.pinv(R.T) @ Y)
    else:
        Q, R = np.linalg.qr(Phi)
        beta = np.linalg.pinv(R) @ (Q.T @ Y)
    return beta, np.linalg.svd(R, compute_uv=False)


def fit_point(kind, n_features, seed, X_train, Y_train, X_test, y_test):
    """One (kind, N, draw) point of the sweep: errors, norm and rank."""
    rng = np.random.default_rng(seed)
    Phi = random_features(kind, np.vstack([X_train, X_test]), n_features, rng)
    Phi_train, Phi_test = Phi[:len(X_train)], Phi[len(X_train):]
    beta, s = min_norm_least_squares(Phi_train, Y_train)
    pred = Phi_test @ beta
    Y_test = np.eye(Y_train.shape[1])[y_test]
    rank = int((s > s.max() * max(Phi_train.shape) * np.finfo(float).eps).sum())
    return (((pred - Y_test) ** 2).sum(axis=1).mean(),
            (pred.argmax(axis=1) != y_test).mean(),
            ((Phi_train @ beta - Y_train) ** 2).sum(axis=1).mean(),
            np.linalg.norm(beta), rank)


def run(*, quick: bool = False, seed: int = 0, n_train: int = 0, draws: int = 0,
        ratios: tuple = (0.1, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25, 1.5, 2.0,
                         3.0, 5.0, 10.0),
        n_jobs: int = 2, seeds: int = 1) -> DoubleDescentResult:
    """Sweep N = ratio * n. n_train = 0 / draws = 0: 100 / 2 when quick, else 300 / 5."""
    n = n_train or (100 if quick else 300)
    draws = draws or (2 if quick else 5)
    grid = np.array(sorted({round(r * n) for r in ratios}))
    outs = np.array(repeat(lambda s: one_seed(s, n, draws, grid, n_jobs), seed, seeds))
    out = outs.mean(axis=0)  # (kinds, N, draws, 5): the mean over seeds of every point
    per_seed = outs.mean(axis=3)  # (seeds, kinds, N, 5): each seed's mean over draws
    mean = out.mean(axis=2)
    fields = {name: {} for name in ("test", "std", "cls", "train", "norm", "rank", "peak", "thr",
                                    "test_sd", "cls_sd")}
    for i, kind in enumerate(KINDS):
        fields["test"][kind] = mean[i, :, 0]
        fields["std"][kind] = out[i, :, :, 0].std(axis=1)
        fields["cls"][kind] = mean[i, :, 1]
        fields["train"][kind] = mean[i, :, 2]
        fields["norm"][kind] = mean[i, :, 3]
        fields["test_sd"][kind] = mean_sd(per_seed[:, i, :, 0])[1]
        fields["cls_sd"][kind] = mean_sd(per_seed[:, i, :, 1])[1]
        rank = outs[:, i, :, :, 4].min(axis=(0, 2)).astype(int)
        fields["rank"][kind] = rank
        fields["peak"][kind] = int(grid[np.argmax(mean[i, :, 0])])
        fields["thr"][kind] = int(grid[np.argmax(rank == n)]) if np.any(rank == n) else -1
    return DoubleDescentResult(
        n_train=n, n_features=grid, test_error=fields["test"], test_error_std=fields["std"],
        test_error_sd=fields["test_sd"], classification_error_sd=fields["cls_sd"], seeds=seeds,
        classification_error=fields["cls"], train_error=fields["train"], norm=fields["norm"],
        rank=fields["rank"], peak_n_features=fields["peak"],
        interpolation_threshold=fields["thr"])


def one_seed(seed, n, draws, grid, n_jobs):
    """One seed's (kinds, N, draws, 5) array of fit_point values: its split, its features."""
    X, y = load_dataset("digits")
    X = X.astype(np.float64) / 16
    order = np.random.default_rng(seed).permutation(len(y))
    train, test = order[:n], order[n:]
    X = X - X[train].mean(axis=0)
    Y_train = np.eye(10)[y[train]]
    jobs = [(kind, N, k) for kind in KINDS for N in grid for k in range(draws)]
    # threads (LAPACK releases the GIL), one BLAS thread each: no oversubscribed cores
    with threadpool_limits(1):
        out = Parallel(n_jobs=n_jobs, prefer="threads")(
            delayed(fit_point)(kind, N, [seed, i], X[train], Y_train, X[test], y[test])
            for i, (kind, N, k) in enumerate(jobs))
    return np.array(out, dtype=np.float64).reshape(len(KINDS), len(grid), draws, 5)


def plot(result: DoubleDescentResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(15, 4.2), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    N, n = result.n_features, result.n_train
    for k, kind in enumerate(KINDS):
        ax1.loglog(N, result.test_error[kind], "o-", ms=4, color=f"C{k}", label=f"{kind}: test")
        ax1.loglog(N, np.maximum(result.train_error[kind], 1e-8), "--", color=f"C{k}",
                   label=f"{kind}: train")
        ax2.semilogx(N, result.classification_error[kind], "o-", ms=4, label=kind)
        if result.seeds > 1:
            for ax, m, sd in ((ax1, result.test_error[kind], result.test_error_sd[kind]),
                              (ax2, result.classification_error[kind],
                               result.classification_error_sd[kind])):
                ax.fill_between(N, np.maximum(m - sd, 1e-8), m + sd, color=f"C{k}", alpha=0.2,
                                label=f"{kind}: ± sd over {result.seeds} seeds")
        ax3.loglog(N, result.norm[kind], "o-", ms=4, label=kind)
    for ax in (ax1, ax2, ax3):
        ax.axvline(n, color="grey", ls=":", lw=1)
        ax.set_xlabel("number of random features N")
        ax.legend(fontsize=8)
    ax1.set_ylim(1e-3, None)
    ax1.set_ylabel("squared error (one-hot targets)")
    ax1.set_title(f"digits, n = {n}: the test error peaks at N = n"
                  + (f" (mean of {result.seeds} seeds)" if result.seeds > 1 else ""), fontsize=10)
    ax2.set_ylabel("test misclassification rate")
    ax2.set_title("classification error: double descent", fontsize=10)
    ax3.set_ylabel(r"$\|\beta\|_F$ of the minimum-norm fit")
    ax3.set_title("the coefficient norm peaks at the interpolation threshold", fontsize=10)
    return fig
