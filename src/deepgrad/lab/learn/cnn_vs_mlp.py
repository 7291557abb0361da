"""CNN vs MLP on MNIST-1D: the convolution's spatial prior, and what is left when it is destroyed.

Lecture: UBC "Deep learning" review (convolutional networks: "layers that apply several (learned)
convolutions", "max pooling" beat the MLP on signals and images).
Paper: Greydanus, "Scaling down deep learning" (2020): on the 40-sample MNIST-1D signals its
README reports test accuracy logistic regression 32%, MLP 68%, CNN 94%, and with the 40 positions
shuffled (one fixed permutation) 32%, 68%, 56%. Shuffling keeps every sample's information but
destroys locality: the fully connected models do not care, the CNN loses its advantage.

The models are those of the paper's models.py: LinearBase 40 -> 10; MLPBase 40-100-100-10 with
ReLU; ConvBase Conv1d(1, 25, 5, stride 2, padding 1), Conv1d(25, 25, 3, 2, 1) twice, ReLUs, then
Linear(125, 10); trained as its train.py: Adam lr 1e-2, batch 100, 6,000 steps, PyTorch's init.
The same models are trained in PyTorch here (when torch is installed) from the same data and seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.data import load_mnist1d

MODELS = ("logistic", "mlp", "cnn")
PUBLISHED = {"default": (32.0, 68.0, 94.0), "shuffled": (32.0, 68.0, 56.0)}


def make_model(name, seed=0):
    """The paper's model `name` in deepgrad (flat input for logistic/mlp, (N, 1, 40) for cnn)."""
    if name == "logistic":
        return nn.Linear(40, 10, generator=seed)
    if name == "mlp":
        g = np.random.default_rng(seed)
        return nn.Sequential(nn.Linear(40, 100, generator=g), nn.ReLU(),
                             nn.Linear(100, 100, generator=g), nn.ReLU(),
                             nn.Linear(100, 10, generator=g))
    return nn.ConvNet((1, 40), [25, 25, 25], [5, 3, 3], 10, stride=2, padding=1, generator=seed)


def _batches(n, batch_size, steps, rng):
    """Indices of `steps` minibatches: a fresh permutation per epoch."""
    out = []
    while len(out) < steps:
        order = rng.permutation(n)
        out += [order[i:i + batch_size] for i in range(0, n - batch_size + 1, batch_size)]
    return out[:steps]


def train_deepgrad(name, data, steps, seed, lr=1e-2, batch_size=100):
    """Test accuracy (%) of model `name` after `steps` Adam steps."""
    (x, y), (xt, yt) = data
    if name != "cnn":
        x, xt = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    model = make_model(name, seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    for idx in _batches(len(x), batch_size, steps, np.random.default_rng(seed)):
        opt.zero_grad()
        dg.cross_entropy(model(dg.tensor(x[idx])), y[idx]).backward()
        opt.step()
    with dg.no_grad():
        return 100.0 * float(np.mean(model(dg.tensor(xt)).data.argmax(1) == yt))


def train_torch(name, data, steps, seed, lr=1e-2, batch_size=100):
    """The same model, data order and optimiser in PyTorch (torch's own init, seeded)."""
    import torch

    torch.manual_seed(seed)
    t = torch.nn
    model = {"logistic": lambda: t.Linear(40, 10),
             "mlp": lambda: t.Sequential(t.Linear(40, 100), t.ReLU(), t.Linear(100, 100),
                                         t.ReLU(), t.Linear(100, 10)),
             "cnn": lambda: t.Sequential(t.Conv1d(1, 25, 5, 2, 1), t.ReLU(),
                                         t.Conv1d(25, 25, 3, 2, 1), t.ReLU(),
                                         t.Conv1d(25, 25, 3, 2, 1), t.ReLU(), t.Flatten(),
                                         t.Linear(125, 10))}[name]()
    (x, y), (xt, yt) = data
    if name != "cnn":
        x, xt = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    x, y, xt = torch.tensor(x), torch.tensor(y), torch.tensor(xt)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for idx in _batches(len(x), batch_size, steps, np.random.default_rng(seed)):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
    with torch.no_grad():
        return 100.0 * float(np.mean(model(xt).argmax(1).numpy() == yt))


@dataclass
class CnnVsMlpResult:
    models: list[str]
    datasets: list[str]  # "default", "shuffled"
    steps: int
    seeds: list[int]
    accuracy: dict  # {dataset: {model: [test accuracy % per seed]}} (deepgrad)
    mean: dict  # {dataset: {model: mean %}}
    sd: dict  # {dataset: {model: sd %}}
    torch_mean: dict | None  # the same for PyTorch (None when torch is not installed)
    torch_sd: dict | None
    published: dict  # the paper's README table (%)


def run(*, quick: bool = False, seed: int = 0, steps: int = 6000, seeds: int = 5,
        with_torch: bool = True) -> CnnVsMlpResult:
    """Train the three models on default and shuffled MNIST-1D, `seeds` seeds each.

    quick: one seed and 500 steps (the CNN's lead is already clear; the paper trains 6,000).
    """
    if quick:
        steps, seeds = min(steps, 500), 1
    seed_list = [seed + i for i in range(seeds)]
    if with_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            with_torch = False
    acc, torch_acc = {}, {}
    for dataset in ("default", "shuffled"):
        data = load_mnist1d(shuffled=dataset == "shuffled")
        acc[dataset] = {m: [train_deepgrad(m, data, steps, s) for s in seed_list] for m in MODELS}
        if with_torch:
            torch_acc[dataset] = {m: [train_torch(m, data, steps, s) for s in seed_list]
                                  for m in MODELS}

    def stats(table, f):
        return {d: {m: float(f(v)) for m, v in row.items()} for d, row in table.items()}

    return CnnVsMlpResult(
        models=list(MODELS), datasets=["default", "shuffled"], steps=steps, seeds=seed_list,
        accuracy=acc, mean=stats(acc, np.mean), sd=stats(acc, np.std),
        torch_mean=stats(torch_acc, np.mean) if with_torch else None,
        torch_sd=stats(torch_acc, np.std) if with_torch else None,
        published={d: dict(zip(MODELS, v)) for d, v in PUBLISHED.items()})


def plot(result: CnnVsMlpResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    x = np.arange(len(result.models))
    width = 0.38 if result.torch_mean else 0.6
    for ax, dataset in zip(axes, result.datasets):
        means = [result.mean[dataset][m] for m in result.models]
        sds = [result.sd[dataset][m] for m in result.models]
        shift = -width / 2 if result.torch_mean else 0.0
        ax.bar(x + shift, means, width, yerr=sds, capsize=3, label="deepgrad (mean, sd)")
        if result.torch_mean:
            ax.bar(x + width / 2, [result.torch_mean[dataset][m] for m in result.models], width,
                   yerr=[result.torch_sd[dataset][m] for m in result.models], capsize=3,
                   label="PyTorch, same models")
        ax.scatter(x, [result.published[dataset][m] for m in result.models], color="black",
                   marker="_", s=900, linewidths=2.5, zorder=3, label="published (paper)")
        ax.set_xticks(x, ["logistic reg.", "MLP", "CNN"])
        ax.set(title=f"MNIST-1D, {dataset} positions ({len(result.seeds)} seeds, "
                     f"{result.steps} steps)", xlabel="model", ylabel="test accuracy (%)",
               ylim=(0, 100))
        ax.legend(fontsize=8, loc="upper left", markerscale=0.3)
    return fig
