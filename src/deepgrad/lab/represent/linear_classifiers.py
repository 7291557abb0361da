"""Linear classifiers: Rosenblatt's perceptron, and LDA vs logistic regression.

Lecture: Louppe, "Multi-layer perceptron" (the perceptron; linear discriminant analysis; logistic
regression). The perceptron rule w <- w + y_i x_i on every mistake (labels +-1, inputs augmented
with a constant 1) stops on separable data after at most (R / gamma)^2 mistakes, where
R = max ||x_i|| and gamma is the margin of any unit-norm separator (Novikoff 1962). LDA assumes
Gaussian classes with a shared covariance Sigma; Bayes' rule then gives
    p(y = 1 | x) = sigma(w^T x + b),  w = Sigma^-1 (mu_1 - mu_0),
    b = (mu_0^T Sigma^-1 mu_0 - mu_1^T Sigma^-1 mu_1) / 2 + log(pi_1 / pi_0),
in closed form from the class means and the pooled covariance. Logistic regression has the same
form sigma(w^T x + b) but fits w, b by maximum likelihood (here: nn.Linear and Adam in deepgrad),
ignoring the Gaussian assumption; on Gaussian data the two lines nearly coincide.
Papers: Rosenblatt, "The perceptron: a probabilistic model for information storage and organization
in the brain" (1958); Novikoff, "On convergence proofs on perceptrons" (1962); Fisher, "The use of
multiple measurements in taxonomic problems" (1936).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad
from deepgrad import nn, optim


@dataclass
class LinearClassifiersResult:
    # perceptron on separable data (labels +-1)
    perceptron_X: np.ndarray
    perceptron_y: np.ndarray
    perceptron_w: np.ndarray  # (w_1, w_2, b)
    true_w: np.ndarray  # the unit-norm separator that made the data, (w_1, w_2, b)
    perceptron_mistakes: int
    perceptron_epochs: int
    perceptron_converged: bool
    radius: float  # R = max ||(x, 1)||
    margin: float  # gamma of the true unit-norm separator (augmented)
    mistake_bound: float  # (R / gamma)^2
    # LDA vs logistic regression on Gaussian classes (labels 0/1)
    X: np.ndarray
    y: np.ndarray
    lda_w: np.ndarray
    lda_b: float
    logreg_w: np.ndarray
    logreg_b: float
    logreg_loss: float
    cosine: float  # between lda_w and logreg_w
    lda_accuracy: float
    logreg_accuracy: float


def perceptron(X: np.ndarray, y: np.ndarray, max_epochs: int = 1000):
    """Rosenblatt's rule on augmented inputs [x, 1], labels y in {-1, +1}, in a fixed order.

    Returns (w, mistakes, epochs, converged); w = (w_1, ..., w_p, b).
    """
    Z = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(Z.shape[1])
    mistakes = 0
    for epoch in range(1, max_epochs + 1):
        clean = True
        for z, label in zip(Z, y):  # online by nature: each update changes the next prediction
            if label * (w @ z) <= 0:
                w += label * z
                mistakes += 1
                clean = False
        if clean:
            return w, mistakes, epoch, True
    return w, mistakes, max_epochs, False


def lda(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """LDA's w = Sigma^-1 (mu_1 - mu_0) and b, with the pooled (maximum-likelihood) covariance."""
    mu0, mu1 = X[y == 0].mean(axis=0), X[y == 1].mean(axis=0)
    centred = np.vstack([X[y == 0] - mu0, X[y == 1] - mu1])
    sigma = centred.T @ centred / len(X)
    w = np.linalg.solve(sigma, mu1 - mu0)
    prior1 = np.mean(y == 1)
    b = 0.5 * (mu0 @ np.linalg.solve(sigma, mu0) - mu1 @ np.linalg.solve(sigma, mu1))
    return w, float(b + np.log(prior1 / (1 - prior1)))


def logistic_regression(X: np.ndarray, y: np.ndarray, steps: int, lr: float, seed: int):
    """Maximum likelihood for sigma(w^T x + b) with deepgrad: nn.Linear, BCE-with-logits, Adam."""
    model = nn.Linear(X.shape[1], 1, generator=np.random.default_rng(seed))
    optimizer = optim.Adam(model.parameters(), lr=lr)
    inputs = deepgrad.tensor(X.astype(np.float32))
    targets = deepgrad.tensor(y.astype(np.float32)[:, None])
    for _ in range(steps):
        loss = deepgrad.binary_cross_entropy_with_logits(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.weight.data[0].astype(np.float64), float(model.bias.data[0]), float(loss.data)


def _separable(rng, n, margin):
    """Points in [-1, 1]^2 labelled by a random line, with a band of half-width margin removed."""
    angle = rng.uniform(0, 2 * np.pi)
    normal, offset = np.array([np.cos(angle), np.sin(angle)]), rng.uniform(-0.3, 0.3)
    X = rng.uniform(-1, 1, size=(4 * n, 2))
    distance = X @ normal + offset
    keep = np.abs(distance) >= margin
    X, distance = X[keep][:n], distance[keep][:n]
    true_w = np.r_[normal, offset]
    return X, np.where(distance > 0, 1, -1), true_w / np.linalg.norm(true_w)


def run(*, quick: bool = False, seed: int = 0, n_samples: int = 400, margin: float = 0.1,
        steps: int = 2000, lr: float = 0.05) -> LinearClassifiersResult:
    """Perceptron on separable data; LDA (closed form) vs logistic regression (deepgrad, Adam)."""
    rng = np.random.default_rng(seed)
    if quick:
        n_samples, steps = min(n_samples, 200), min(steps, 600)
    Xp, yp, unit_w = _separable(rng, n_samples, margin)
    w_p, mistakes, epochs, converged = perceptron(Xp, yp)
    Z = np.hstack([Xp, np.ones((len(Xp), 1))])
    radius = float(np.linalg.norm(Z, axis=1).max())
    gamma = float((yp * (Z @ unit_w)).min())

    means = np.array([[-1.0, -0.5], [1.0, 0.8]])
    cov = np.array([[1.0, 0.6], [0.6, 0.8]])
    y = (rng.uniform(size=n_samples) < 0.5).astype(np.int64)
    X = means[y] + rng.multivariate_normal(np.zeros(2), cov, size=n_samples)
    w_lda, b_lda = lda(X, y)
    w_lr, b_lr, loss = logistic_regression(X, y, steps, lr, seed)
    cosine = float(w_lda @ w_lr / np.linalg.norm(w_lda) / np.linalg.norm(w_lr))
    return LinearClassifiersResult(
        perceptron_X=Xp, perceptron_y=yp, perceptron_w=w_p, true_w=unit_w, perceptron_mistakes=mistakes,
        perceptron_epochs=epochs, perceptron_converged=converged, radius=radius, margin=gamma,
        mistake_bound=(radius / gamma) ** 2,
        X=X, y=y, lda_w=w_lda, lda_b=b_lda, logreg_w=w_lr, logreg_b=b_lr, logreg_loss=loss,
        cosine=cosine,
        lda_accuracy=float(np.mean((X @ w_lda + b_lda > 0) == y)),
        logreg_accuracy=float(np.mean((X @ w_lr + b_lr > 0) == y)),
    )


def _line(ax, w, b, box, **kwargs):
    """Draw w . x + b = 0 across the box."""
    (x0, x1), (y0, y1) = box
    if abs(w[1]) > abs(w[0]):
        xs = np.array([x0, x1])
        ax.plot(xs, -(w[0] * xs + b) / w[1], **kwargs)
    else:
        ys = np.array([y0, y1])
        ax.plot(-(w[1] * ys + b) / w[0], ys, **kwargs)


def _classes(ax, X, y):
    """One scatter per class, so the legend names them."""
    X, y = np.asarray(X), np.asarray(y)
    for k, colour in zip(np.unique(y), ("C0", "C3", "C2", "C1")):
        ax.scatter(*X[y == k].T, color=colour, s=8, label=f"class {k:g}")


def plot(result: LinearClassifiersResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.4), layout="constrained")
    ax_p, ax_l = fig.subplots(1, 2)
    _classes(ax_p, result.perceptron_X, result.perceptron_y)
    box = ((-1.05, 1.05), (-1.05, 1.05))
    _line(ax_p, result.perceptron_w[:2], result.perceptron_w[2], box, color="k",
          label="perceptron")
    _line(ax_p, result.true_w[:2], result.true_w[2], box, color="0.5", ls="--",
          label=f"true separator (margin {result.margin:.2f})")
    ax_p.set(xlim=box[0], ylim=box[1], aspect="equal", xlabel="$x_1$", ylabel="$x_2$",
             title=f"perceptron: {result.perceptron_mistakes} mistakes "
                   f"$\\leq$ (R/$\\gamma$)$^2$ = {result.mistake_bound:.0f}\n"
                   f"converged in {result.perceptron_epochs} epochs")
    ax_p.legend(fontsize=8, loc="lower left")

    X = result.X
    lo, hi = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    box = ((lo[0], hi[0]), (lo[1], hi[1]))
    _classes(ax_l, X, result.y)
    _line(ax_l, result.lda_w, result.lda_b, box, color="k", label="LDA (closed form)")
    _line(ax_l, result.logreg_w, result.logreg_b, box, color="C2", ls="--",
          label="logistic regression (deepgrad)")
    ax_l.set(xlim=box[0], ylim=box[1], aspect="equal", xlabel="$x_1$", ylabel="$x_2$",
             title=f"$\\sigma(w^T x + b)$ two ways: cos angle {result.cosine:.4f}\n"
                   f"accuracy LDA {result.lda_accuracy:.3f}, logistic {result.logreg_accuracy:.3f}")
    ax_l.legend(fontsize=8, loc="lower right")
    return fig
