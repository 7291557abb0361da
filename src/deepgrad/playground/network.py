"""The playground's network and what the page shows about it: build, per-neuron maps, exact
linear regions (lab geometry), per-layer gradient norms and the top Hessian eigenvalue (Lanczos
on HVPs, lab hessian).

The model is Sequential(Features, block_1, ..., block_L, Linear) with block_l =
Sequential(Linear, [BatchNorm1d], activation), wrapped in Residual (a + block(a)) when skips are on
and the width does not change: plain deepgrad modules, so `deepgrad.save` writes it and
`deepgrad predict` loads it.
"""

import numpy as np

import deepgrad as dg
from deepgrad import nn
from deepgrad.lab.represent.geometry import linear_regions
from deepgrad.lab.autodiff.curvature import top_eigenvalues
from deepgrad.nn.init import init_linear_
from deepgrad.playground.datasets import BOX
from deepgrad.playground.features import LINEAR_FEATURES, Features

ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "identity"}


def build_model(features, hidden, activation, outputs, batchnorm, residual, rng):
    """The network for these settings; Xavier init for tanh/sigmoid/linear, He for ReLU, from rng."""
    act = ACTIVATIONS[activation]
    scheme = "he" if activation == "relu" else "xavier"
    layers, width = [Features(features)], len(features)
    for size in hidden:
        block = [init_linear_(nn.Linear(width, size), scheme, act, rng)]
        if batchnorm:
            block.append(nn.BatchNorm1d(size))
        block.append(nn.ACTIVATIONS[act]())
        block = nn.Sequential(*block)
        layers.append(nn.Residual(block) if residual and size == width else block)
        width = size
    layers.append(init_linear_(nn.Linear(width, outputs), scheme, None, rng))
    return nn.Sequential(*layers)


def linears(model):
    """The Linear layers of the model in order (one per layer of weights)."""
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def layer_outputs(model, points):
    """[hidden block outputs..., network output] on points (N, 2), evaluated without a graph."""
    outputs = []
    with dg.no_grad():
        x = dg.tensor(np.asarray(points, np.float32))
        for layer in model.layers:
            x = layer(x)
            outputs.append(x.data)
    return outputs[1:]  # the first is the feature layer


def grid(resolution):
    """Grid points (resolution^2, 2) over [-BOX, BOX]^2, row 0 at the top (x2 = +BOX)."""
    axis = np.linspace(-BOX, BOX, resolution)
    x1, x2 = np.meshgrid(axis, axis[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


# --- exact regions ----------------------------------------------------------------------------


def _fixed_linear(weight, bias):
    layer = nn.Linear(weight.shape[1], weight.shape[0])
    layer.weight.data[...] = weight
    layer.bias.data[...] = bias
    return layer


def piecewise_linear(module):
    """The same function from Linear, ReLU, Identity and Residual only (what lab geometry follows),
    or ValueError saying why it is not piecewise linear. BatchNorm1d uses its running statistics
    (as at evaluation), which makes it an affine map; linear features are a selection matrix."""
    if isinstance(module, Features):
        if any(name not in LINEAR_FEATURES for name in module.names):
            raise ValueError("exact regions need the features x1 and x2 only (x1^2, x1x2, sin are "
                             "curved, so the regions are not polygons)")
        return _fixed_linear(np.eye(2)[[LINEAR_FEATURES.index(n) for n in module.names]],
                             np.zeros(len(module.names)))
    if isinstance(module, nn.BatchNorm1d):
        scale = 1 / np.sqrt(module.running_var + module.eps)
        shift = -module.running_mean * scale
        if module.weight is not None:
            scale, shift = scale * module.weight.data, shift * module.weight.data + module.bias.data
        return _fixed_linear(np.diag(scale), shift)
    if isinstance(module, nn.Residual):
        return nn.Residual(piecewise_linear(module.block))
    if isinstance(module, nn.Sequential):
        return nn.Sequential(*[piecewise_linear(layer) for layer in module.layers])
    if isinstance(module, (nn.Linear, nn.ReLU, nn.Identity)):
        return module
    raise ValueError("exact regions need ReLU or linear activations (tanh and sigmoid are curved "
                     "everywhere: there are no linear regions)")


def regions(model):
    """lab geometry's exact linear regions of the model on the page's box [-BOX, BOX]^2."""
    return linear_regions(piecewise_linear(model), box=((-BOX, BOX), (-BOX, BOX)))


# --- gradients and curvature ------------------------------------------------------------------


def _slots(model):
    """(owner, attribute or index) of every parameter, in parameters() order, to swap them."""
    slots = []
    for name, _ in model.named_parameters():
        *path, last = name.split(".")
        owner = model
        for part in path:
            owner = owner[int(part)] if part.isdigit() else getattr(owner, part)
        slots.append((owner, last))
    return slots


def top_hessian_eigenvalue(model, objective, seed=0):
    """lambda_max of the Hessian of objective(model) (a scalar Tensor) in all parameters, by
    Lanczos on forward-over-reverse HVPs in float64; BatchNorm uses its running statistics."""
    slots = _slots(model)
    originals = [getattr(owner, name) for owner, name in slots]
    w0, unravel = dg.ravel_parameters([dg.tensor(np.asarray(p.data, np.float64)) for p in originals])

    def loss(w):
        for (owner, name), value in zip(slots, unravel(w)):
            setattr(owner, name, value)
        try:
            return objective(model)
        finally:
            for (owner, name), value in zip(slots, originals):
                setattr(owner, name, value)

    was_training = model.training
    model.eval()
    try:
        return float(top_eigenvalues(loss, w0.data, k=1, tol=1e-4, seed=seed)[0])
    finally:
        model.train(was_training)
