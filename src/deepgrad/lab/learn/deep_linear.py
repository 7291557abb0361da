"""Deep linear networks: conserved balancedness, Saxe's learning curves, and low rank from depth.

Lecture topic: deep linear models f(x; W) = W_4 W_3 W_2 W_1 x and regularisation in optimisation
("in other cases the rank of W is minimised"; Lawrence, deep-architecture notes). Papers: Saxe,
McClelland & Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning in deep linear
neural networks"; Arora, Cohen & Hazan (2018), "On the optimization of deep networks: implicit
acceleration by overparameterization"; Arora, Cohen, Hu & Luo (2019), "Implicit regularization in
deep matrix factorization". All gradients come from deepgrad's autodiff (float64).

(1) Balancedness. For L(W_N ... W_1) and gradient flow dW_l/dt = -dL/dW_l,
d/dt (W_{l+1}^T W_{l+1} - W_l W_l^T) = 0: the differences D_l are conserved (a balanced init,
D_l = 0, stays balanced). Gradient descent with step eta changes D_l by
eta^2 (G_{l+1}^T G_{l+1} - G_l G_l^T) per step, so over a fixed training time eta * T the drift
max_l ||D_l(T) - D_l(0)||_F is proportional to eta (`balancedness_drift`, one per learning rate,
from a balanced init; `drift_slope` is the log-log slope, 1 in theory).

(2) Saxe's curves. A two-layer net W_2 W_1 on whitened inputs (X^T X / n = I) with targets
Y = X M^T has L = 1/2 ||M - W_2 W_1||_F^2. With M = U S V^T and a balanced init aligned with the
singular vectors (W_1 = sqrt(u0) V^T, W_2 = U sqrt(u0)), each mode strength u_i = u_i^T W_2 W_1 v_i
follows tau du/dt = 2 u (s - u), whose solution is

    u(t) = s e^{2st/tau} / (e^{2st/tau} - 1 + s/u0),      tau = 1 / eta, t the step count:

modes are learnt one after the other, strongest first. `saxe_max_error` is the largest
|u_GD(t) - u(t)| / s over modes and steps.

(3) Rank. Deep matrix factorisation: fit the observed half of the entries of a rank-2 matrix with
W_N ... W_1 from a small init. Depth 1 fills the unobserved entries with (almost) zeros, a
high-rank answer; depth 2 and more converge to nearly rank-2 matrices that recover the missing
entries. `effective_rank` (exp of the entropy of the normalised singular values, Roy & Vetterli
2007) of the end-to-end matrix, per depth.
"""
from dataclasses import dataclass
from itertools import pairwise

import matplotlib.figure
import numpy as np
from scipy.stats import ortho_group

import deepgrad as dg


@dataclass
class DeepLinearResult:
    learning_rates: np.ndarray
    balancedness_drift: np.ndarray    # from a balanced init, per learning rate
    unbalanced_drift: np.ndarray      # from a Gaussian init, per learning rate
    drift_slope: float                # log-log slope of balancedness_drift vs learning rate
    initial_imbalance: float          # max_l ||D_l(0)||_F of the Gaussian init
    saxe_singular_values: np.ndarray
    saxe_steps: np.ndarray
    saxe_measured: np.ndarray         # (modes, steps)
    saxe_theory: np.ndarray           # (modes, steps)
    saxe_max_error: float
    depths: np.ndarray
    effective_rank: np.ndarray        # end-to-end matrix after training, per depth
    recovery_error: np.ndarray        # ||W - M||_F / ||M||_F on all entries, per depth
    rank_steps: np.ndarray
    rank_curves: np.ndarray           # effective rank along training, (depths, logged steps)
    singular_values: np.ndarray       # of the end-to-end matrix, (depths, d)


def end_to_end(weights):
    """W = W_N ... W_2 W_1 for weights listed input side first."""
    W = weights[0]
    for Wl in weights[1:]:
        W = Wl @ W
    return W


def train(loss, weights, lr, steps, log_at=(), observe=None):
    """GD on every W_l with gradients from deepgrad.grad; `observe(weights)` at steps in log_at."""
    grad = dg.grad(loss, argnums=tuple(range(len(weights))))
    weights = [np.array(W, dtype=np.float64) for W in weights]
    logged = []
    for t in range(1, steps + 1):
        grads = grad(*[dg.tensor(W) for W in weights])
        weights = [W - lr * g.data for W, g in zip(weights, grads)]
        if t in log_at:
            logged.append(observe(weights))
    return weights, logged


def imbalance(weights):
    """D_l = W_{l+1}^T W_{l+1} - W_l W_l^T for l = 1..N-1."""
    return [b.T @ b - a @ a.T for a, b in pairwise(weights)]


def effective_rank(W):
    """exp(-sum p_i log p_i) with p_i = s_i / sum_j s_j (Roy & Vetterli, 2007)."""
    s = np.linalg.svd(W, compute_uv=False)
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


def whitened_inputs(rng, n, d):
    """X (n, d) with X^T X / n = I exactly."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, d)))
    return Q * np.sqrt(n)


def saxe_curve(s, u0, eta, t):
    """u(t) = s e^{2 s eta t} / (e^{2 s eta t} - 1 + s / u0)."""
    e = np.exp(2 * s * eta * t)
    return s * e / (e - 1 + s / u0)


def balancedness(rng, learning_rates, time, d=5, depth=4):
    """Drift of D_l over GD runs of equal length eta * T, from a balanced and a Gaussian init."""
    X = whitened_inputs(rng, 50, d)
    M = rng.standard_normal((d, d))
    Xt, Yt = dg.tensor(X), dg.tensor(X @ M.T)

    def loss(*weights):
        r = Xt @ end_to_end(weights).T - Yt
        return 0.5 * (r * r).sum() / X.shape[0]

    inits = ([0.9 * ortho_group.rvs(d, random_state=rng) for _ in range(depth)],
             [0.3 * rng.standard_normal((d, d)) for _ in range(depth)])
    drift = np.zeros((2, len(learning_rates)))
    for i, init in enumerate(inits):
        for j, lr in enumerate(learning_rates):
            final, _ = train(loss, init, lr, round(time / lr))
            drift[i, j] = max(np.linalg.norm(a - b)
                              for a, b in zip(imbalance(final), imbalance(init)))
    return drift, max(np.linalg.norm(D) for D in imbalance(inits[1]))


def saxe(rng, singular_values, u0, lr, steps, d_in=6, d_out=5):
    """Mode strengths u_i(t) of a two-layer linear net from a balanced, aligned, small init."""
    k = len(singular_values)
    U = ortho_group.rvs(d_out, random_state=rng)[:, :k]
    V = ortho_group.rvs(d_in, random_state=rng)[:, :k]
    S = np.diag(singular_values)
    X = whitened_inputs(rng, 40, d_in)
    Xt, Yt = dg.tensor(X), dg.tensor(X @ (U @ S @ V.T).T)

    def loss(W1, W2):
        r = Xt @ (W2 @ W1).T - Yt
        return 0.5 * (r * r).sum() / X.shape[0]

    logged = np.unique(np.linspace(0, steps, 60).astype(int))[1:]
    _, modes = train(loss, [np.sqrt(u0) * V.T, np.sqrt(u0) * U], lr, steps, logged,
                     lambda w: np.diag(U.T @ w[1] @ w[0] @ V))
    theory = np.array([saxe_curve(s, u0, lr, logged) for s in singular_values])
    return logged, np.array(modes).T, theory


def matrix_completion(rng, depths, lr, steps, init_scale, d=10, rank=2):
    """Deep factorisations fitted to half of the entries of a rank-`rank` d x d matrix."""
    M = rng.standard_normal((d, rank)) @ rng.standard_normal((rank, d)) / np.sqrt(rank)
    mask = rng.uniform(size=(d, d)) < 0.5
    Mt, maskt = dg.tensor(M), dg.tensor(mask.astype(np.float64))

    def loss(*weights):
        r = (end_to_end(weights) - Mt) * maskt
        return 0.5 * (r * r).sum()

    logged = np.unique(np.geomspace(1, steps, 30).astype(int))
    ranks, errors, curves, spectra = [], [], [], []
    for depth in depths:
        init = [init_scale ** (1 / depth) * ortho_group.rvs(d, random_state=rng)
                for _ in range(depth)]
        final, curve = train(loss, init, lr, steps, logged,
                             lambda w: effective_rank(end_to_end(w)))
        W = end_to_end(final)
        ranks.append(effective_rank(W))
        errors.append(np.linalg.norm(W - M) / np.linalg.norm(M))
        curves.append(curve)
        spectra.append(np.linalg.svd(W, compute_uv=False))
    return ranks, errors, logged, curves, spectra


def run(*, quick: bool = False, seed: int = 0, learning_rates: tuple = (0.04, 0.02, 0.01),
        train_time: float = 2.0, singular_values: tuple = (3.0, 2.0, 1.0, 0.5),
        saxe_u0: float = 1e-3, saxe_lr: float = 0.005, saxe_steps: int = 0,
        depths: tuple = (1, 2, 3, 4), completion_lr: float = 0.02, completion_steps: int = 0,
        completion_init: float = 1e-4) -> DeepLinearResult:
    """The three experiments; 0 steps means a length chosen by `quick`.

    quick: Saxe runs 2,000 steps (else 3,000) and the completion runs depths 1-3 for 1,500 steps
    at learning rate 0.05 from an end-to-end init of 1e-3 (else the given depths for 6,000 steps).
    """
    rng_balance, rng_saxe, rng_rank = np.random.default_rng(seed).spawn(3)
    lrs = np.array(learning_rates)
    drift, initial = balancedness(rng_balance, lrs, train_time)
    slope = np.polyfit(np.log(lrs), np.log(drift[0]), 1)[0]
    steps, measured, theory = saxe(rng_saxe, np.array(singular_values), saxe_u0, saxe_lr,
                                   saxe_steps or (2000 if quick else 3000))
    s = np.array(singular_values)[:, None]
    if quick:
        depths, completion_lr, completion_init = tuple(d for d in depths if d <= 3), 0.05, 1e-3
    ranks, errors, rank_steps, curves, spectra = matrix_completion(
        rng_rank, depths, completion_lr, completion_steps or (1500 if quick else 6000),
        completion_init)
    return DeepLinearResult(
        learning_rates=lrs, balancedness_drift=drift[0], unbalanced_drift=drift[1],
        drift_slope=float(slope), initial_imbalance=float(initial),
        saxe_singular_values=np.array(singular_values), saxe_steps=steps,
        saxe_measured=measured, saxe_theory=theory,
        saxe_max_error=float((np.abs(measured - theory) / s).max()), depths=np.array(depths),
        effective_rank=np.array(ranks), recovery_error=np.array(errors), rank_steps=rank_steps,
        rank_curves=np.array(curves), singular_values=np.array(spectra))


def plot(result: DeepLinearResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(16, 4), layout="constrained")
    ax1, ax2, ax3, ax4 = fig.subplots(1, 4)
    lr = result.learning_rates
    ax1.loglog(lr, result.balancedness_drift, "o-", label="balanced init")
    ax1.loglog(lr, result.unbalanced_drift, "s-", label="Gaussian init")
    ax1.loglog(lr, result.balancedness_drift[-1] * lr / lr[-1], "k--", lw=1, label=r"$\propto\eta$")
    ax1.set_xlabel(r"learning rate $\eta$ (same training time $\eta T$)")
    ax1.set_ylabel(r"$\max_l \|D_l(T) - D_l(0)\|_F$")
    ax1.set_title(f"balancedness drift, slope {result.drift_slope:.2f}", fontsize=10)
    ax1.legend(fontsize=8)
    for k, s in enumerate(result.saxe_singular_values):
        ax2.plot(result.saxe_steps, result.saxe_theory[k], "k-", lw=1,
                 label="Saxe et al. closed form" if k == 0 else None)
        ax2.plot(result.saxe_steps, result.saxe_measured[k], "o", ms=3, color=f"C{k}",
                 label=f"GD, mode s = {s:g}")
    ax2.set_xlabel("step")
    ax2.set_ylabel("mode strength $u_i(t)$")
    ax2.set_title(f"two-layer mode learning: max error {result.saxe_max_error:.1e} s",
                  fontsize=10)
    ax2.legend(fontsize=7)
    for k, depth in enumerate(result.depths):
        ax3.semilogx(result.rank_steps, result.rank_curves[k], "-", label=f"depth {depth}")
        ax4.semilogy(np.arange(1, result.singular_values.shape[1] + 1),
                     np.maximum(result.singular_values[k], 1e-6), "o-", ms=4,
                     label=f"depth {depth}: eff. rank {result.effective_rank[k]:.2f}, "
                           f"error {result.recovery_error[k]:.2f}")
    ax3.set_xlabel("step")
    ax3.set_ylabel("effective rank of $W_N \\cdots W_1$")
    ax3.set_title("matrix completion (rank-2 target, half observed)", fontsize=10)
    ax3.legend(fontsize=8)
    ax4.set_xlabel("index")
    ax4.set_ylabel("singular value of the end-to-end matrix")
    ax4.set_title("depth lowers the rank of the solution", fontsize=10)
    ax4.legend(fontsize=7)
    return fig
