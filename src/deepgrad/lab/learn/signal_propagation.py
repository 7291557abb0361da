"""Signal propagation at initialisation: He keeps the pre-activation variance, LeCun halves it.

Lecture topic: initialisation and signal propagation (Lawrence, practical optimisation notes:
"variance-preserving (He, Xavier); scale affects signal propagation"; Louppe, lecture 2, "note the
importance of a proper initialization scheme"). Papers: He, Zhang, Ren & Sun (2015), "Delving deep
into rectifiers"; Glorot & Bengio (2010), "Understanding the difficulty of training deep
feedforward neural networks"; LeCun, Bottou, Orr & Mueller (1998), "Efficient BackProp".

In an MLP z_l = W_l h_{l-1} (biases 0), h_l = relu(z_l) with W_l entries ~ N(0, sigma_l^2) and
fan-in n_{l-1}, the second moment of the pre-activations obeys

    E[z_l^2] = n_{l-1} sigma_l^2 E[h_{l-1}^2] = n_{l-1} sigma_l^2 E[z_{l-1}^2] / 2,

since relu keeps half of a symmetric distribution's second moment. He's sigma^2 = 2 / n keeps
E[z_l^2] constant through depth; LeCun's sigma^2 = 1 / n halves it at every layer, so the signal
(and, by the same argument backwards, the gradient) vanishes geometrically. Xavier with tanh is
drawn for comparison. The networks are deepgrad's nn.MLP with its init schemes; the forward pass
records each Linear layer's output z_l on a batch of Gaussian inputs, and E[z_l^2] is averaged
over `seeds` repeats (seeds seed..seed+seeds-1, each drawing its own inputs and weights), with
its sample sd drawn as a band.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np

import deepgrad as dg
from deepgrad import nn
from deepgrad.lab.repeats import mean_sd, repeat

CONFIGS = (("he", "relu"), ("lecun", "relu"), ("xavier", "tanh"))


@dataclass
class SignalPropagationResult:
    configs: list                  # "init/activation" names
    second_moment: dict            # name -> E[z_l^2] per layer, mean over seeds
    second_moment_std: dict        # name -> its sample sd over seeds
    he_ratio_last_first: float     # E[z_L^2] / E[z_1^2] under He init and ReLU
    lecun_ratio_per_layer: float   # (E[z_L^2] / E[z_1^2])^(1 / (L - 1)) under LeCun and ReLU
    z_samples: dict                # name -> z values of the first and last hidden layer, (2, k)
    depth: int
    width: int
    seeds: int


def pre_activations(mlp, x):
    """E[z_l^2] for every hidden Linear layer of `mlp` on inputs x, and the z_l themselves."""
    moments, zs = [], []
    with dg.no_grad():
        h = dg.tensor(x)
        for layer in mlp.layers[:-1]:
            h = layer(h)
            if isinstance(layer, nn.Linear):
                moments.append(float((h.data.astype(np.float64) ** 2).mean()))
                zs.append(h.data.ravel())
    return np.array(moments), zs


def run(*, quick: bool = False, seed: int = 0, depth: int = 15, width: int = 0, batch: int = 0,
        seeds: int = 20) -> SignalPropagationResult:
    """Hidden depth `depth`; width/batch 0 means 128/256 when quick, else 256/512."""
    width = width or (128 if quick else 256)
    batch = batch or (256 if quick else 512)
    names, moments, spread, samples = [], {}, {}, {}
    for k, (init, act) in enumerate(CONFIGS):
        name = f"{init}/{act}"

        def one_seed(s):
            rng = np.random.default_rng([s, k])
            x = rng.standard_normal((batch, width)).astype(np.float32)
            mlp = nn.MLP([width] * (depth + 1) + [1], activation=act, init=init, generator=rng)
            return pre_activations(mlp, x)

        runs = repeat(one_seed, seed, seeds)
        names.append(name)
        moments[name], spread[name] = mean_sd([m for m, _ in runs])
        zs = runs[-1][1]
        samples[name] = np.array([zs[0][:2000], zs[-1][:2000]])
    he, lecun = moments["he/relu"], moments["lecun/relu"]
    return SignalPropagationResult(
        configs=names, second_moment=moments, second_moment_std=spread,
        he_ratio_last_first=float(he[-1] / he[0]),
        lecun_ratio_per_layer=float((lecun[-1] / lecun[0]) ** (1 / (depth - 1))),
        z_samples=samples, depth=depth, width=width, seeds=seeds)


def plot(result: SignalPropagationResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(14, 4.2), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    layers = np.arange(1, result.depth + 1)
    for k, name in enumerate(result.configs):
        m, s = result.second_moment[name], result.second_moment_std[name]
        ax1.semilogy(layers, m, "o-", ms=4, color=f"C{k}", label=name)
        ax1.fill_between(layers, np.maximum(m - s, 1e-12), m + s, color=f"C{k}", alpha=0.15,
                         label=f"{name} ± sd over {result.seeds} seeds")
    first = result.second_moment["lecun/relu"][0]
    ax1.semilogy(layers, first * 0.5 ** (layers - 1), "k--", lw=1, label=r"$2^{-(l-1)}$")
    ax1.set_xlabel("layer l")
    ax1.set_ylabel(r"$E[z_l^2]$")
    ax1.set_title(f"width {result.width}: He ratio last/first {result.he_ratio_last_first:.2f}, "
                  f"LeCun per layer {result.lecun_ratio_per_layer:.2f}", fontsize=10)
    ax1.legend(fontsize=8)
    for ax, name in ((ax2, "he/relu"), (ax3, "lecun/relu")):
        first, last = result.z_samples[name]
        bins = np.linspace(-4, 4, 60) * first.std()
        ax.hist(first, bins=bins, alpha=0.6, density=True, label="layer 1")
        ax.hist(last, bins=bins, alpha=0.6, density=True, label=f"layer {result.depth}")
        ax.set_title(f"{name}: pre-activations $z_l$", fontsize=10)
        ax.set_yscale("log")
        ax.set(xlabel="pre-activation $z$", ylabel="density")
        ax.legend(fontsize=8)
    return fig
