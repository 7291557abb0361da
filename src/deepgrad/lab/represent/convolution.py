"""Why convolutions work: shared local filters, translation equivariance, growing receptive fields.

Lecture: UBC "Deep learning" review (convolutional networks apply several learned convolutions;
the same filter at every position). Paper: Greydanus, "Scaling down deep learning" (2020), whose
MNIST-1D signals are built from translated templates, so a model that knows about translation
needs far fewer parameters.

Four facts, each measured:
- parameters: the smallest CNN that matches the best of a set of MLPs on MNIST-1D, and that MLP;
- equivariance: conv(shift(x)) = shift(conv(x)) exactly away from the borders (stride 1), and
  only for shifts by multiples of the stride otherwise;
- receptive field: r_L = 1 + sum_l (k_l - 1) prod_{i<l} s_i, against the support of the gradient
  of one output with respect to the input (all-ones filters, so nothing cancels);
- the first-layer filters the CNN learned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.data import load_mnist1d
from deepgrad.engine import conv as F


def _train(model, data, steps, seed, flat):
    (x, y), (xt, yt) = data
    if flat:
        x, xt = x.reshape(len(x), -1), xt.reshape(len(xt), -1)
    opt = optim.Adam(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        idx = rng.integers(0, len(x), 100)
        opt.zero_grad()
        dg.cross_entropy(model(dg.tensor(x[idx])), y[idx]).backward()
        opt.step()
    with dg.no_grad():
        return 100.0 * float(np.mean(model(dg.tensor(xt)).data.argmax(1) == yt))


def _count(model):
    return int(sum(p.numel() for p in model.parameters()))


def receptive_field(kernels, strides):
    """Closed form: r_L = 1 + sum_l (k_l - 1) prod_{i<l} s_i."""
    r, jump = 1, 1
    for k, s in zip(kernels, strides):
        r += (k - 1) * jump
        jump *= s
    return r


def measured_receptive_field(kernels, strides, length=200):
    """Width of the input region that one central output depends on (gradient support)."""
    x = dg.tensor(np.zeros((1, 1, length)), requires_grad=True)
    h = x
    for k, s in zip(kernels, strides):
        h = F.conv1d(h, dg.tensor(np.ones((1, 1, k))), stride=s)
    dg.sum(h[0, 0, h.shape[2] // 2]).backward()
    support = np.nonzero(x.grad.data[0, 0])[0]
    return int(support[-1] - support[0] + 1)


def equivariance_errors(seed=0, length=60, shift=5, kernel=7, stride=1):
    """(max error away from the borders, max error at the borders) of conv(shift x) vs shift conv x.

    Shifts are circular (np.roll): only outputs whose window crosses the wrap point may differ.
    """
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=(1, 3, length)), rng.normal(size=(4, 3, kernel))
    y = F.conv1d(dg.tensor(x), dg.tensor(w), stride=stride).data
    ys = F.conv1d(dg.tensor(np.roll(x, shift, axis=2)), dg.tensor(w), stride=stride).data
    out_shift = shift // stride
    expected = np.roll(y, out_shift, axis=2)
    positions = np.arange(y.shape[2]) * stride  # first input sample of each window
    clean = (positions >= shift) & (positions + kernel <= length)  # windows that never wrap
    err = np.abs(ys - expected)
    return float(err[..., clean].max()), float(err[..., ~clean].max())


@dataclass
class ConvolutionResult:
    mlp_hidden: list[int]
    mlp_params: list[int]
    mlp_accuracy: list[float]
    cnn_channels: list[int]
    cnn_params: list[int]
    cnn_accuracy: list[float]
    matching_cnn_params: int | None  # smallest CNN at least as accurate as the best MLP
    best_mlp_params: int
    steps: int
    equivariance_interior: float  # stride 1: exact (0 up to round-off)
    equivariance_border: float  # windows that cross the wrap: large
    stride2_odd_shift_error: float  # stride 2, shift 5: not equivariant
    stride2_even_shift_error: float  # stride 2, shift 4: equivariant away from the borders
    depths: list[int]
    rf_closed_stride1: list[int]
    rf_measured_stride1: list[int]
    rf_closed_stride2: list[int]
    rf_measured_stride2: list[int]
    filters: np.ndarray  # (channels, kernel) first-layer filters of the largest CNN


def run(*, quick: bool = False, seed: int = 0, steps: int = 1500) -> ConvolutionResult:
    """Train MLPs and CNNs of growing size on MNIST-1D; measure equivariance and receptive fields."""
    steps = min(steps, 300) if quick else steps
    hidden = [32, 128] if quick else [32, 100, 300, 1000]
    channels = [4, 16] if quick else [2, 4, 8, 16, 32]
    data = load_mnist1d()
    mlps = [nn.Sequential(nn.Linear(40, h, generator=seed), nn.ReLU(),
                          nn.Linear(h, h, generator=seed + 1), nn.ReLU(),
                          nn.Linear(h, 10, generator=seed + 2)) for h in hidden]
    mlp_acc = [_train(m, data, steps, seed, flat=True) for m in mlps]
    cnns = [nn.ConvNet((1, 40), [c] * 3, [5, 3, 3], 10, padding=1, generator=seed)
            for c in channels]
    cnn_acc = [_train(m, data, steps, seed, flat=False) for m in cnns]
    best = int(np.argmax(mlp_acc))
    matching = [_count(m) for m, a in zip(cnns, cnn_acc) if a >= mlp_acc[best]]
    interior, border = equivariance_errors(seed)
    odd, _ = equivariance_errors(seed, shift=5, stride=2)
    even, _ = equivariance_errors(seed, shift=4, stride=2)
    depths = list(range(1, 7))
    return ConvolutionResult(
        mlp_hidden=hidden, mlp_params=[_count(m) for m in mlps], mlp_accuracy=mlp_acc,
        cnn_channels=channels, cnn_params=[_count(m) for m in cnns], cnn_accuracy=cnn_acc,
        matching_cnn_params=min(matching) if matching else None,
        best_mlp_params=_count(mlps[best]), steps=steps,
        equivariance_interior=interior, equivariance_border=border,
        stride2_odd_shift_error=odd, stride2_even_shift_error=even, depths=depths,
        rf_closed_stride1=[receptive_field([3] * d, [1] * d) for d in depths],
        rf_measured_stride1=[measured_receptive_field([3] * d, [1] * d) for d in depths],
        rf_closed_stride2=[receptive_field([3] * d, [2] * d) for d in depths],
        rf_measured_stride2=[measured_receptive_field([3] * d, [2] * d) for d in depths],
        filters=cnns[-1].convs[0].weight.data[:, 0].copy())


def plot(result: ConvolutionResult):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 3.8), layout="constrained")
    ax_p, ax_e, ax_r, ax_f = fig.subplots(1, 4)
    ax_p.semilogx(result.mlp_params, result.mlp_accuracy, "s-", label="MLP 40-h-h-10")
    ax_p.semilogx(result.cnn_params, result.cnn_accuracy, "o-", label="CNN, 3 conv layers")
    ax_p.set(title=f"MNIST-1D test accuracy ({result.steps} steps)", xlabel="parameters",
             ylabel="test accuracy (%)")
    ax_p.legend(fontsize=8)

    labels = ["stride 1\ninterior", "stride 1\nborder", "stride 2\nshift 4", "stride 2\nshift 5"]
    errors = [result.equivariance_interior, result.equivariance_border,
              result.stride2_even_shift_error, result.stride2_odd_shift_error]
    ax_e.bar(range(4), np.maximum(errors, 1e-17), color=["C2", "C3", "C2", "C3"])
    ax_e.set_yscale("log")
    ax_e.set_xticks(range(4), labels, fontsize=7)
    ax_e.set(title="|conv(shift x) - shift conv(x)|", xlabel="case", ylabel="max error (exact 0 drawn at 1e-17)")

    ax_r.plot(result.depths, result.rf_closed_stride1, "k:", label="closed form")
    ax_r.plot(result.depths, result.rf_measured_stride1, "o", label="measured, k=3 s=1")
    ax_r.plot(result.depths, result.rf_closed_stride2, "k:")
    ax_r.plot(result.depths, result.rf_measured_stride2, "s", label="measured, k=3 s=2")
    ax_r.set(title="receptive field vs depth", xlabel="conv layers", ylabel="input samples seen")
    ax_r.legend(fontsize=8)

    vmax = np.abs(result.filters).max()
    ax_f.imshow(result.filters, cmap="RdBu_r", vmin=-vmax, vmax=vmax, aspect="auto")
    ax_f.set(title="learned first-layer filters", xlabel="tap", ylabel="channel")
    return fig
