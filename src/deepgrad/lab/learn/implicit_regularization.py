"""Implicit regularisation of gradient descent: minimum norm and maximum margin.

Lecture topic: "Implicit regularization of (S)GD" (UBC CPSC 440 deep-learning review, with its
proof sketch; Lawrence, "Regularization in Optimization"). Papers: Zhang, Bengio, Hardt, Recht &
Vinyals (2017), "Understanding deep learning requires rethinking generalization"; Soudry, Hoffer,
Nacson, Gunasekar & Srebro (2018), "The implicit bias of gradient descent on separable data".

(a) Least squares with more unknowns than equations (d > n), L(w) = 1/(2n) ||X w - y||^2.
Every gradient X^T (X w - y) / n lies in the row space of X, so w_t - w_0 stays there and the
limit is the interpolator closest to w_0:

    w_inf = X^+ y + (I - X^+ X) w_0,        the minimum-norm interpolator X^+ y when w_0 = 0.

GD (gradients from deepgrad's autodiff, float64) is compared with that formula
(`min_norm_rel_error` from w_0 = 0, `closest_rel_error` from a random w_0).

(b) Logistic regression on linearly separable data, L(w) = mean_i log(1 + exp(-y_i x_i^T w)). The
loss has no minimiser: ||w_t|| grows like log t, and the direction w_t / ||w_t|| converges to
the hard-margin SVM direction w_svm = argmin ||w|| s.t. y_i x_i^T w >= 1, with an angle that
shrinks like 1/log t. The oracle is scikit-learn's SVC(kernel="linear", C=1e8); the data are
symmetric (each x with label y comes with -x with label -y), so the SVM's intercept is 0 and its
direction is the homogeneous one GD approaches. `svm_angle` is the angle (radians) at each
logged step.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np
from sklearn.svm import SVC

import deepgrad as dg


@dataclass
class ImplicitRegularizationResult:
    min_norm_rel_error: float      # ||w_GD - X^+ y|| / ||X^+ y||, from w_0 = 0
    closest_rel_error: float       # ||w_GD - w_inf|| / ||w_inf||, from a random w_0
    ls_steps: np.ndarray           # logged steps of the least-squares runs
    ls_distance: np.ndarray        # ||w_t - w_inf|| at those steps, (2 runs, steps)
    paths_2d: np.ndarray           # GD paths on one equation in two unknowns, (starts, steps, 2)
    line_2d: np.ndarray            # (x, y) of that equation x^T w = y
    logistic_steps: np.ndarray
    svm_angle: np.ndarray          # angle between w_t and w_svm at each logged step
    w_norm: np.ndarray             # ||w_t|| at each logged step
    svm_direction: np.ndarray      # w_svm / ||w_svm||
    logistic_x: np.ndarray
    logistic_y: np.ndarray
    logistic_directions: np.ndarray  # w_t / ||w_t|| at each logged step


def gradient_descent(loss, w0, lr, steps, log_at=()):
    """w_{t+1} = w_t - lr * grad L(w_t), the gradient from deepgrad.grad; returns w at log_at."""
    grad = dg.grad(loss)
    w, logged = dg.tensor(np.array(w0, dtype=np.float64)), []
    for t in range(1, steps + 1):
        w = dg.tensor(w.data - lr * grad(w).data)
        if t in log_at:
            logged.append(w.data.copy())
    return w.data, np.array(logged)


def least_squares(X, y):
    """L(w) = 1/(2n) ||X w - y||^2 as a function of a Tensor w."""
    Xt, yt = dg.tensor(X), dg.tensor(y)

    def loss(w):
        r = Xt @ w - yt
        return 0.5 * (r * r).mean()
    return loss


def logistic(X, y):
    """L(w) = mean_i log(1 + exp(-y_i x_i^T w)) = mean_i softplus(-y_i x_i^T w)."""
    Xt, yt = dg.tensor(X), dg.tensor(y)
    return lambda w: dg.softplus(-yt * (Xt @ w)).mean()


def closest_interpolator(X, y, w0):
    """w_inf = X^+ y + (I - X^+ X) w0."""
    P = np.linalg.pinv(X)
    return P @ y + w0 - P @ (X @ w0)


def separable_data(rng, n_half, margin=0.1, angle=0.5):
    """Uniform points in [-1, 1]^2 kept outside a band |u^T x| <= margin, plus their mirrors."""
    u = np.array([np.cos(angle), np.sin(angle)])
    x = rng.uniform(-1, 1, (8 * n_half, 2))
    x = x[np.abs(x @ u) > margin][:n_half]
    X = np.vstack([x, -x])
    return X, np.sign(X @ u)


def log_steps(steps, count=16):
    return np.unique(np.geomspace(1, steps, count).astype(int))


def run(*, quick: bool = False, seed: int = 0, n: int = 20, d: int = 50, ls_steps: int = 1000,
        n_separable: int = 40, logistic_steps: int = 0) -> ImplicitRegularizationResult:
    """GD on underdetermined least squares and on separable logistic regression.

    logistic_steps = 0 means 5,000 steps when quick, else 100,000.
    """
    rng = np.random.default_rng(seed)
    # (a) least squares, d > n, lr = 1 / lambda_max(X^T X / n)
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    lr = 1.0 / np.linalg.eigvalsh(X.T @ X / n).max()
    logged = log_steps(ls_steps)
    errors, distance = [], []
    for w0 in (np.zeros(d), rng.standard_normal(d)):
        target = closest_interpolator(X, y, w0)
        w, path = gradient_descent(least_squares(X, y), w0, lr, ls_steps, logged)
        errors.append(np.linalg.norm(w - target) / np.linalg.norm(target))
        distance.append(np.linalg.norm(path - target, axis=1))
    # one equation x^T w = y in two unknowns, several starts
    x2, y2 = np.array([[1.0, 2.0]]), np.array([2.0])
    starts = np.array([[-1.5, -1.0], [2.5, 2.5], [-1.0, 2.5], [2.0, -1.5], [0.0, 0.0]])
    lr2 = 1.0 / (x2 @ x2.T).item()
    paths = [np.vstack([w0, gradient_descent(least_squares(x2, y2), w0, 0.5 * lr2, 12,
                                             range(1, 13))[1]]) for w0 in starts]
    # (b) logistic regression on separable data from a random start
    T = logistic_steps or (5000 if quick else 100_000)
    Xs, ys = separable_data(rng, n_separable // 2)
    w_svm = SVC(kernel="linear", C=1e8).fit(Xs, ys).coef_[0]
    w_svm = w_svm / np.linalg.norm(w_svm)
    smoothness = np.linalg.eigvalsh(Xs.T @ Xs / len(ys)).max() / 4   # of the logistic loss
    steps = log_steps(T, 20)
    _, ws = gradient_descent(logistic(Xs, ys), 2 * rng.standard_normal(2), 1 / smoothness, T,
                             steps)
    norms = np.linalg.norm(ws, axis=1)
    directions = ws / norms[:, None]
    angle = np.arccos(np.clip(directions @ w_svm, -1, 1))
    return ImplicitRegularizationResult(
        min_norm_rel_error=float(errors[0]), closest_rel_error=float(errors[1]),
        ls_steps=logged, ls_distance=np.array(distance), paths_2d=np.array(paths),
        line_2d=np.concatenate([x2[0], y2]), logistic_steps=steps, svm_angle=angle,
        w_norm=norms, svm_direction=w_svm, logistic_x=Xs, logistic_y=ys,
        logistic_directions=directions)


def plot(result: ImplicitRegularizationResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(16, 4), layout="constrained")
    ax1, ax2, ax3, ax4 = fig.subplots(1, 4)
    # 2-D picture: GD moves along x (the row space) and stops on the line at the closest point
    a, b, c = result.line_2d
    s = np.linspace(-2, 3, 2)
    ax1.plot(s, (c - a * s) / b, "k-", lw=1, label="solutions $x^T w = y$")
    for path in result.paths_2d:
        ax1.plot(path[:, 0], path[:, 1], ".-", ms=4)
    w_min = result.line_2d[:2] * c / (a * a + b * b)
    ax1.plot(*w_min, "r*", ms=14, label="minimum norm (start at 0)")
    ax1.set(aspect="equal", xlabel="$w_1$", ylabel="$w_2$")
    ax1.set_xlim(-2, 3)
    ax1.set_ylim(-2, 3)
    ax1.set_title("GD lands on the solution closest to $w_0$", fontsize=10)
    ax1.legend(fontsize=8, loc="upper right")
    ax2.semilogy(result.ls_steps, result.ls_distance[0], "o-", ms=3, label="$w_0 = 0$")
    ax2.semilogy(result.ls_steps, result.ls_distance[1], "s-", ms=3, label="random $w_0$")
    ax2.set_xlabel("step")
    ax2.set_ylabel(r"$\|w_t - X^+y - (I - X^+X)w_0\|$")
    ax2.set_title(f"d > n least squares: rel. error {result.min_norm_rel_error:.1e}", fontsize=10)
    ax2.legend(fontsize=8)
    # separable logistic regression: data, SVM direction and GD directions
    X, y = result.logistic_x, result.logistic_y
    ax3.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=14, edgecolor="k", lw=0.3)
    for k in (0, len(result.logistic_steps) // 2, -1):
        d = result.logistic_directions[k]
        ax3.plot([-d[1], d[1]], [d[0], -d[0]], "--", lw=1,
                 label=f"GD boundary, t = {result.logistic_steps[k]}")
    d = result.svm_direction
    ax3.plot([-d[1], d[1]], [d[0], -d[0]], "k-", lw=2, label="hard-margin SVM")
    ax3.set(aspect="equal", xlabel="$x_1$", ylabel="$x_2$")
    ax3.set_xlim(-1, 1)
    ax3.set_ylim(-1, 1)
    ax3.legend(fontsize=7, loc="lower right")
    ax3.set_title("logistic regression on separable data", fontsize=10)
    t, angle = result.logistic_steps, result.svm_angle
    ax4.loglog(t, angle, "o-", ms=3, label="angle(w_t, w_svm)")
    ref = angle[-1] * np.log(t[-1]) / np.log(t[t > 1])
    ax4.loglog(t[t > 1], ref, "k--", lw=1, label=r"$\propto 1/\log t$")
    ax4.set_xlabel("step t")
    ax4.set_ylabel("angle (rad)")
    ax4.set_title(f"direction converges to the SVM: {angle[-1]:.3f} rad", fontsize=10)
    ax4.legend(fontsize=8)
    return fig
