"""Vanishing gradients: per-layer gradient norms of deep MLPs by activation, init and architecture.

Lecture topic: the vanishing-gradient problem (Louppe, lecture 2: "0 <= sigma'(x) <= 1/4", the
scalar chain dy/dw_1 = sigma'(u_5) w_3 sigma'(u_3) w_2 sigma'(u_1) x, ReLU as the fix; UBC CPSC
440 review: "skip connections can also reduce the vanishing gradient problem"). Papers: Glorot &
Bengio (2010), "Understanding the difficulty of training deep feedforward neural networks"; He,
Zhang, Ren & Sun (2015/2016), "Delving deep into rectifiers" and "Deep residual learning"; Ioffe &
Szegedy (2015), "Batch normalization".

(1) The lecture's scalar chain u_1 = w_1 x, y = sigma(w_L sigma(... sigma(w_1 x))) has

    |dy/dw_1| = prod_{l=1}^{L} sigma'(u_l) * prod_{l=2}^{L} |w_l| * |x|
              <= (1/4)^L prod_{l=2}^{L} |w_l| |x|,

checked on random draws with dy/dw_1 from deepgrad's autodiff (`bound_holds`).

(2) MLPs of `depth` hidden layers (width `width`) on a batch of Gaussian inputs with a squared
loss to random targets: the gradient norm ||dL/dW_l||_F of every layer by backpropagation, for
sigmoid, tanh and ReLU with a small normal init (std 0.05), Xavier and He init, and for
sigmoid + Xavier with BatchNorm or with residual connections (f_l = f_{l-1} + phi(W_l f_{l-1})).
`grad_norm_ratio_first_last` = ||dL/dW_1|| / ||dL/dW_D|| between the first and the last hidden
layer (both width x width; the output layer is left out) per configuration, a geometric mean
over `seeds` draws: far below 1 is a vanishing gradient. A ratio near 1 is not enough: with the
small normal init every layer's gradient is tiny (the backward signal shrinks towards the input
as the forward signal shrinks towards the output), which the norms themselves show.
"""
from dataclasses import dataclass

import matplotlib.figure
import numpy as np

import deepgrad as dg
from deepgrad import nn

ACTIVATIONS = ("sigmoid", "tanh", "relu")
INITS = ("normal", "xavier", "he")
EXTRAS = ("sigmoid/xavier/batchnorm", "sigmoid/xavier/residual")


@dataclass
class VanishingGradientsResult:
    bound_holds: bool
    bound_max_ratio: float           # max over draws of |dy/dw_1| / bound (<= 1)
    chain_lengths: np.ndarray
    chain_mean_abs_grad: np.ndarray  # mean |dy/dw_1| over draws, per chain length
    configs: list
    grad_norms: dict                 # config -> ||dL/dW_l||_F per layer (input side first)
    grad_norm_ratio_first_last: dict
    histograms: dict                 # config -> samples of dL/dW_l entries for 3 layers
    histogram_layers: list
    depth: int
    width: int


def scalar_chain_gradients(w, x):
    """dy/dw_1 for each row of w (draws, L) and x (draws,): y = sigma(w_L ... sigma(w_1 x))."""
    def total(w1):
        h = dg.sigmoid(w1 * x)
        for l in range(1, w.shape[1]):
            h = dg.sigmoid(dg.tensor(w[:, l]) * h)
        return h.sum()          # draws are independent: d(sum)/dw1_i = dy_i/dw1_i
    return dg.grad(total)(dg.tensor(w[:, 0])).data


def build(config, depth, width, generator):
    """An MLP for "activation/init[/extra]" with `depth` hidden layers of `width` units."""
    act, init, *extra = config.split("/")
    widths = [width] * (depth + 1) + [1]
    if extra == ["batchnorm"]:
        layers = []
        for _ in range(depth):
            linear = nn.init.init_linear_(nn.Linear(width, width), init, act, generator)
            layers += [linear, nn.BatchNorm1d(width), nn.ACTIVATIONS[act]()]
        layers.append(nn.init.init_linear_(nn.Linear(width, 1), init, None, generator))
        return nn.Sequential(*layers)
    skip = "residual" if extra == ["residual"] else None
    model = nn.MLP(widths, activation=act, init="he" if init == "normal" else init, skip=skip,
                   generator=generator)
    if init == "normal":
        for p in model.parameters():
            if p.ndim == 2:
                nn.init.normal_(p, 0.0, 0.05, generator=generator)
    return model


def layer_gradients(model, x, y):
    """dL/dW_l for every weight matrix, input side first, L = mean squared error."""
    loss = nn.functional.mse_loss(model(dg.tensor(x)), dg.tensor(y))
    model.zero_grad()
    loss.backward()
    return [p.grad.data for p in model.parameters() if p.ndim == 2]


def run(*, quick: bool = False, seed: int = 0, depth: int = 15, width: int = 64,
        batch: int = 128, seeds: int = 0, chain_draws: int = 10000) -> VanishingGradientsResult:
    """seeds = 0: 1 draw of each network when quick, else 5."""
    seeds = seeds or (1 if quick else 5)
    rng = np.random.default_rng(seed)
    lengths = np.arange(1, 11)
    ratios, means = [], []
    for L in lengths:
        w, x = rng.standard_normal((chain_draws, L)), rng.standard_normal(chain_draws)
        g = scalar_chain_gradients(w, x)
        bound = 0.25**L * np.abs(w[:, 1:]).prod(axis=1) * np.abs(x)
        ratios.append((np.abs(g) / bound).max())
        means.append(np.abs(g).mean())
    configs = [f"{a}/{i}" for a in ACTIVATIONS for i in INITS] + list(EXTRAS)
    x = rng.standard_normal((batch, width)).astype(np.float32)
    y = rng.standard_normal((batch, 1)).astype(np.float32)
    norms, ratio, hists = {}, {}, {}
    shown = [0, depth // 2, depth - 1]          # hidden layers: first, middle, last
    for config in configs:
        per_seed = []
        for _ in range(seeds):
            grads = layer_gradients(build(config, depth, width, rng), x, y)
            per_seed.append([np.linalg.norm(g) for g in grads])
        per_seed = np.array(per_seed, dtype=np.float64)
        norms[config] = np.exp(np.log(per_seed).mean(axis=0))
        ratio[config] = float(norms[config][0] / norms[config][depth - 1])
        hists[config] = [grads[k].ravel()[:2000] for k in shown]
    return VanishingGradientsResult(
        bound_holds=bool(max(ratios) <= 1 + 1e-12), bound_max_ratio=float(max(ratios)),
        chain_lengths=lengths, chain_mean_abs_grad=np.array(means), configs=configs,
        grad_norms=norms, grad_norm_ratio_first_last=ratio, histograms=hists,
        histogram_layers=[k + 1 for k in shown], depth=depth, width=width)


def plot(result: VanishingGradientsResult) -> matplotlib.figure.Figure:
    fig = matplotlib.figure.Figure(figsize=(16, 8), layout="constrained")
    axes = fig.subplots(2, 3)
    layers = np.arange(1, result.depth + 2)
    for ax, act in zip(axes[0], ACTIVATIONS):
        for k, init in enumerate(INITS):
            ax.semilogy(layers, result.grad_norms[f"{act}/{init}"], "o-", ms=3, color=f"C{k}",
                        label=init)
        for k, extra in enumerate(EXTRAS):
            if extra.startswith(act):
                ax.semilogy(layers, result.grad_norms[extra], "s--", ms=3, color=f"C{k + 3}",
                            label=extra.split("/", 1)[1])
        ax.set_title(f"{act}: gradient norm per layer (depth {result.depth})", fontsize=10)
        ax.set_xlabel("layer (1 = input side)")
        ax.set_ylabel(r"$\|\partial L / \partial W_l\|_F$")
        ax.legend(fontsize=8)
    for ax, config in zip(axes[1, :2], ("sigmoid/normal", "relu/he")):
        # NOTE: on a shared linear axis the smallest layer's gradients fall in one bin and vanish
        # from the picture; on log10|g| each layer is a visible bump at its own magnitude.
        logs = [np.log10(np.abs(s[s != 0])) for s in result.histograms[config]]
        bins = np.linspace(min(l.min() for l in logs), max(l.max() for l in logs), 80)
        for l, layer in zip(logs, result.histogram_layers):
            ax.hist(l, bins=bins, histtype="step", lw=1.5, density=True, label=f"layer {layer}")
        ax.set(xlabel=r"$\log_{10} |\partial L / \partial W_l|$ (each entry)", ylabel="density")
        ax.set_title(f"{config}: back-propagated gradients (Glorot & Bengio)", fontsize=10)
        ax.legend(fontsize=8)
    ax = axes[1, 2]
    L = result.chain_lengths
    ax.semilogy(L, result.chain_mean_abs_grad, "o-",
                label=r"mean $|dy/dw_1|$, $w_l, x \sim N(0,1)$")
    ax.semilogy(L, 0.25**L * (2 / np.pi) ** ((L - 1) / 2) * np.sqrt(2 / np.pi), "k--",
                label=r"$(1/4)^L E[\prod_{l\geq2} |w_l|]\,E|x|$")
    ax.set_xlabel("chain length L")
    ax.set_ylabel(r"$|dy/dw_1|$")
    ax.set_title(f"sigmoid chain: bound holds on every draw: {result.bound_holds}", fontsize=10)
    ax.legend(fontsize=8)
    return fig
