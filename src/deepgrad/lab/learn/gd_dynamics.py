"""Gradient-descent dynamics: local minima, global minima, divergence, and the 2/lambda_max step.

Lecture topic: gradient descent (Louppe, lecture 2, "Example 1: convergence to a local minimum",
"Example 2: convergence to the global minimum", "Example 3: divergence due to a too large learning
rate"; Lawrence, practical optimisation notes). Papers: Cauchy (1847), "Methode generale pour la
resolution des systemes d'equations simultanees"; Nesterov (2004), "Introductory Lectures on
Convex Optimization", section 1.2 (the step-size condition for L-smooth functions).

The update is theta_{t+1} = theta_t - gamma * grad L(theta_t), the gradient from deepgrad's
autodiff. Three runs on a 1-D loss L(theta) = theta^4 - 3 theta^2 + theta and on a 2-D loss
L(a, b) = a^4 - 3 a^2 + a + 2 b^2 + a b (each with a local and a global minimum) show the
lecture's frames: a good step from one start stops in the local minimum, from another start in
the global one, and a too-large step overshoots and diverges.

On a quadratic L(x) = 1/2 x^T A x the update is x_{t+1} = (I - gamma A) x_t, which contracts
iff |1 - gamma lambda_i| < 1 for every eigenvalue of A, i.e. iff gamma < 2 / lambda_max(A). The
Hessian A is computed by the engine (deepgrad.hessian) and the threshold checked by running at
0.99x (`converged_below`) and 1.01x (`diverged_above`) of it, and by a sweep of step sizes.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np

import deepgrad as dg


@dataclass
class GdDynamicsResult:
    paths_1d: list             # three runs: (steps + 1,) iterates each, cut when |theta| > 10
    labels_1d: list
    paths_2d: list             # three runs: (steps + 1, 2)
    labels_2d: list
    A: np.ndarray              # the quadratic's matrix
    hessian_eigenvalues: np.ndarray  # eigenvalues of the engine's Hessian of 1/2 x^T A x
    lr_threshold: float        # 2 / lambda_max
    converged_below: bool      # ||x_T|| < 1e-6 ||x_0|| at 0.99 * lr_threshold
    diverged_above: bool       # ||x_T|| > 1e6 ||x_0|| at 1.01 * lr_threshold
    quadratic_factors: tuple   # step sizes drawn on the quadratic, as multiples of lr_threshold
    quadratic_paths: list      # their first iterates, (frames + 1, 2) each
    sweep_lr_ratio: np.ndarray   # gamma / lr_threshold
    sweep_final_ratio: np.ndarray  # ||x_T|| / ||x_0|| after `steps`


def loss_1d(theta):
    return theta**4 - 3 * theta**2 + theta


def loss_2d(w):
    a, b = w[0], w[1]
    return a**4 - 3 * a**2 + a + 2 * b**2 + a * b


def quadratic(A):
    """L(x) = 1/2 sum over rows of x^T A x: each row of x is an independent run."""
    At = dg.tensor(A)
    return lambda x: 0.5 * ((x @ At) * x).sum()


def descend(loss, theta0, lr, steps, bound=10.0):
    """Iterates theta_0..theta_T of GD with step `lr`, stopping once |theta| exceeds `bound`.

    `lr` may be an array with one step size per row of theta (independent runs side by side).
    """
    grad = dg.grad(loss)
    theta = np.array(theta0, dtype=np.float64)
    path = [theta]
    for _ in range(steps):
        theta = theta - lr * grad(dg.tensor(theta)).data
        path.append(theta)
        if np.abs(theta).max() > bound:
            break
    return np.array(path)


def rotation(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def run(*, quick: bool = False, seed: int = 0, steps: int = 1000, frames: int = 40,
        eigenvalues: tuple = (1.0, 10.0), sweep_points: int = 41) -> GdDynamicsResult:
    """Lecture frames on 1-D and 2-D losses, and the 2/lambda_max threshold on a quadratic.

    The whole run takes about a second, so `quick` changes nothing.
    """
    rng = np.random.default_rng(seed)
    runs_1d = ((2.0, 0.02, "good step: local minimum"), (-2.0, 0.02, "good step: global minimum"),
               (2.0, 0.2, "step too large: divergence"))
    paths_1d = [descend(loss_1d, t0, lr, frames) for t0, lr, _ in runs_1d]
    runs_2d = (((2.0, 1.0), 0.02, "good step: local minimum"),
               ((-0.3, 1.8), 0.02, "good step: global minimum"),
               ((2.0, 1.0), 0.2, "step too large: divergence"))
    paths_2d = [descend(loss_2d, w0, lr, frames) for w0, lr, _ in runs_2d]

    Q = rotation(rng.uniform(0, np.pi))
    A = Q @ np.diag(eigenvalues) @ Q.T
    H = dg.hessian(quadratic(A))(np.ones((1, 2)))       # (1, 2, 1, 2): one run
    lam = np.linalg.eigvalsh(H.data.reshape(2, 2))
    threshold = 2 / lam.max()
    x0 = rng.standard_normal(2)
    x0 /= np.linalg.norm(x0)
    factors = np.array([0.99, 1.01])
    final = descend(quadratic(A), np.tile(x0, (2, 1)), threshold * factors[:, None], steps,
                    bound=np.inf)[-1]
    shrink = np.linalg.norm(final, axis=1)
    shown = (0.3, 0.9, 1.1)
    quad_paths = [descend(quadratic(A), x0[None], f * threshold, frames // 3, bound=np.inf)[:, 0]
                  for f in shown]
    ratios = np.linspace(0.5, 1.2, sweep_points)
    swept = descend(quadratic(A), np.tile(x0, (sweep_points, 1)), threshold * ratios[:, None],
                    steps, bound=np.inf)[-1]
    return GdDynamicsResult(
        paths_1d=paths_1d, labels_1d=[r[2] for r in runs_1d], paths_2d=paths_2d,
        labels_2d=[r[2] for r in runs_2d], A=A, hessian_eigenvalues=lam,
        lr_threshold=float(threshold), converged_below=bool(shrink[0] < 1e-6),
        diverged_above=bool(shrink[1] > 1e6), quadratic_factors=shown, quadratic_paths=quad_paths,
        sweep_lr_ratio=ratios, sweep_final_ratio=np.linalg.norm(swept, axis=1))


def plot(result: GdDynamicsResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(16, 8), layout="constrained")
    axes = fig.subplots(2, 4)
    theta = np.linspace(-2.2, 2.2, 400)
    for ax, path, label in zip(axes[0, :3], result.paths_1d, result.labels_1d):
        ax.plot(theta, loss_1d(theta), "k-", lw=1, label=r"$L(\theta)$")
        shown = path[np.abs(path) <= 2.2]
        ax.plot(shown, loss_1d(shown), "o-", color="C3", ms=4, lw=0.8, alpha=0.8, label="GD iterates")
        ax.plot(shown[:1], loss_1d(shown[:1]), "s", color="C0", ms=8, label="start")
        ax.set_ylabel(r"$L(\theta)$")
        ax.legend(fontsize=7, loc="upper center")
        ax.set_ylim(-5, 8)
        ax.set_title(f"1-D: {label} ({len(path) - 1} steps)", fontsize=10)
        ax.set_xlabel(r"$\theta$")
    a, b = np.meshgrid(np.linspace(-2.2, 2.2, 200), np.linspace(-2.2, 2.2, 200))
    surface = a**4 - 3 * a**2 + a + 2 * b**2 + a * b
    for ax, path, label in zip(axes[1, :3], result.paths_2d, result.labels_2d):
        ax.contour(a, b, surface, levels=np.linspace(-3.7, 12, 25), cmap="viridis",
                   linewidths=0.7)
        ax.plot(path[:, 0], path[:, 1], "o-", color="C3", ms=3, lw=0.8)
        ax.plot(path[:1, 0], path[:1, 1], "s", color="C0", ms=8)
        ax.set_xlim(-2.2, 2.2)
        ax.set_ylim(-2.2, 2.2)
        ax.set_title(f"2-D: {label}", fontsize=10)
        ax.set(xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
    ax = axes[0, 3]
    x, y = np.meshgrid(np.linspace(-1.5, 1.5, 100), np.linspace(-1.5, 1.5, 100))
    pts = np.stack([x, y], -1)
    ax.contour(x, y, 0.5 * np.einsum("...i,ij,...j->...", pts, result.A, pts), 15,
               colors="grey", linewidths=0.5)
    for path, f in zip(result.quadratic_paths, result.quadratic_factors):
        ax.plot(path[:, 0], path[:, 1], ".-", lw=0.8,
                label=rf"$\gamma$ = {f} x 2/$\lambda_{{max}}$")
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    ax.set(aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    ax.set_title(r"quadratic $\frac{1}{2}x^TAx$: first steps", fontsize=10)
    ax.legend(fontsize=7)
    ax = axes[1, 3]
    ax.semilogy(result.sweep_lr_ratio, result.sweep_final_ratio, "o-", ms=3)
    ax.axvline(1.0, color="k", ls="--", lw=1)
    ax.set_xlabel(r"$\gamma$ / (2 / $\lambda_{max}$)")
    ax.set_ylabel(r"$\|x_T\| / \|x_0\|$")
    ax.set_title(f"converges iff lr < {result.lr_threshold:.3f} = 2/lambda_max", fontsize=10)
    return fig
