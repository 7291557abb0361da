"""Decision boundaries of MLPs across datasets, widths, depths and activations.

Lecture: Louppe, "Multi-layer perceptron" (from logistic regression, a single linear boundary, to
the MLP, whose hidden layers let the boundary bend; universal approximation says a wide enough
hidden layer can draw any boundary); Lawrence, "Deep architectures" (depth vs width); UBC CPSC 440
review. Each panel is one model trained by full-batch Adam on cross-entropy; the heatmap is the
predicted class on a grid (shade = confidence), with the train and test points and accuracies.
A model with no hidden layer is multinomial logistic regression: a straight boundary, which fails
on xor, circles and spirals whatever the training.
Papers: Rumelhart, Hinton, Williams, "Learning representations by back-propagating errors" (1986);
Cybenko (1989); Hornik (1991).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad
from deepgrad import nn, optim
from deepgrad.data import load_dataset

# name: (hidden widths, activation)
MODELS = {
    "linear": ((), "relu"),
    "1x4 relu": ((4,), "relu"),
    "1x32 relu": ((32,), "relu"),
    "3x32 relu": ((32, 32, 32), "relu"),
    "3x32 tanh": ((32, 32, 32), "tanh"),
}
QUICK_MODELS = ("linear", "3x32 relu")


@dataclass
class DecisionBoundariesResult:
    datasets: list[str]
    models: list[str]
    X_train: dict[str, np.ndarray]  # standardised inputs
    y_train: dict[str, np.ndarray]
    X_test: dict[str, np.ndarray]
    y_test: dict[str, np.ndarray]
    extent: dict[str, list[float]]  # x0, x1, y0, y1 of each dataset's grid
    grid_class: dict[str, dict[str, np.ndarray]]  # [dataset][model] -> (res, res) predicted class
    grid_confidence: dict[str, dict[str, np.ndarray]]  # max class probability, 3 decimals
    train_accuracy: dict[str, dict[str, float]]
    test_accuracy: dict[str, dict[str, float]]
    epochs: int


def train_classifier(model, X, y, epochs: int, lr: float) -> None:
    """Full-batch Adam on the softmax cross-entropy."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    inputs, labels = deepgrad.tensor(X), deepgrad.tensor(y)
    for _ in range(epochs):
        loss = deepgrad.cross_entropy(model(inputs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def predict_proba(model, X) -> np.ndarray:
    with deepgrad.no_grad():
        return deepgrad.softmax(model(deepgrad.tensor(X)), axis=-1).data


def split_standardised(name: str, n_samples: int, seed: int):
    """The dataset, split half/half at random, standardised with the training half's statistics."""
    X, y = load_dataset(name, n_samples=n_samples, seed=seed)
    order = np.random.default_rng(seed).permutation(len(X))
    train, test = order[: len(X) // 2], order[len(X) // 2:]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    X = ((X - mean) / std).astype(np.float32)
    return X[train], y[train], X[test], y[test]


def run(*, quick: bool = False, seed: int = 0,
        datasets: tuple = ("moons", "circles", "xor", "spirals", "gaussians"),
        n_samples: int = 400, epochs: int = 500, lr: float = 0.01,
        resolution: int = 100) -> DecisionBoundariesResult:
    """Train every model of MODELS on every dataset and evaluate it on a grid."""
    models = list(QUICK_MODELS if quick else MODELS)
    if quick:
        datasets = tuple(d for d in datasets if d in ("moons", "xor", "spirals"))
        epochs, resolution = min(epochs, 200), min(resolution, 60)
    rng = np.random.default_rng(seed)
    out = {key: {} for key in ("X_train", "y_train", "X_test", "y_test", "extent", "grid_class",
                               "grid_confidence", "train_accuracy", "test_accuracy")}
    for name in datasets:
        X_tr, y_tr, X_te, y_te = split_standardised(name, n_samples, seed)
        both = np.vstack([X_tr, X_te])
        lo, hi = both.min(axis=0) - 0.5, both.max(axis=0) + 0.5
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                             np.linspace(lo[1], hi[1], resolution))
        grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(np.float32)
        n_classes = int(max(y_tr.max(), y_te.max())) + 1
        for key, value in (("X_train", X_tr), ("y_train", y_tr), ("X_test", X_te),
                           ("y_test", y_te), ("extent", [lo[0], hi[0], lo[1], hi[1]])):
            out[key][name] = value
        for key in ("grid_class", "grid_confidence", "train_accuracy", "test_accuracy"):
            out[key][name] = {}
        for model_name in models:
            hidden, activation = MODELS[model_name]
            model = nn.MLP([2, *hidden, n_classes], activation=activation, generator=rng)
            train_classifier(model, X_tr, y_tr, epochs, lr)
            proba = predict_proba(model, grid).reshape(resolution, resolution, n_classes)
            out["grid_class"][name][model_name] = proba.argmax(axis=-1).astype(np.int8)
            out["grid_confidence"][name][model_name] = np.round(proba.max(axis=-1), 3)
            out["train_accuracy"][name][model_name] = float(
                (predict_proba(model, X_tr).argmax(axis=1) == y_tr).mean())
            out["test_accuracy"][name][model_name] = float(
                (predict_proba(model, X_te).argmax(axis=1) == y_te).mean())
    return DecisionBoundariesResult(datasets=list(datasets), models=models, epochs=epochs, **out)


def plot(result: DecisionBoundariesResult):
    from matplotlib.colors import to_rgb
    from matplotlib.figure import Figure

    rows, cols = len(result.datasets), len(result.models)
    fig = Figure(figsize=(2.6 * cols, 2.6 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    colours = np.array([to_rgb(c) for c in ("C0", "C3", "C2", "C1", "C4")])
    for i, name in enumerate(result.datasets):
        x0, x1, y0, y1 = result.extent[name]
        for j, model_name in enumerate(result.models):
            ax = axes[i, j]
            cls = np.asarray(result.grid_class[name][model_name]).astype(int)
            conf = np.asarray(result.grid_confidence[name][model_name])
            n_classes = int(np.max(result.y_train[name])) + 1
            strength = (conf - 1 / n_classes) / (1 - 1 / n_classes)  # 0 at chance, 1 at certainty
            image = 1 - 0.55 * strength[..., None] * (1 - colours[cls])
            ax.imshow(image, origin="lower", extent=(x0, x1, y0, y1), aspect="auto")
            ax.scatter(*np.asarray(result.X_train[name]).T, c=colours[result.y_train[name]], s=5,
                       edgecolors="k", linewidths=0.2, label="train")
            ax.scatter(*np.asarray(result.X_test[name]).T, c=colours[result.y_test[name]], s=5,
                       marker="^", alpha=0.5, label="test")
            ax.legend(fontsize=6, loc="lower right", markerscale=1.5)
            ax.set(xticks=[], yticks=[])
            ax.set_title(f"train {result.train_accuracy[name][model_name]:.2f} · "
                         f"test {result.test_accuracy[name][model_name]:.2f}", fontsize=8)
            if i == 0:
                ax.annotate(model_name, (0.5, 1.22), xycoords="axes fraction", ha="center",
                            fontsize=10, weight="bold")
            if j == 0:
                ax.set_ylabel(name, fontsize=10, weight="bold")
    fig.suptitle(f"decision boundaries after {result.epochs} epochs of full-batch Adam "
                 "(dots: train, triangles: test)", fontsize=10)
    return fig
