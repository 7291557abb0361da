"""Weight initialisation (as torch.nn.init): each fills `tensor.data` in place and returns it.

Every function takes `generator` (a numpy Generator or an int seed; None = the global generator
set by `deepgrad.manual_seed`). For a weight of shape (out, in, ...): fan_in = in * prod(...),
fan_out = out * prod(...).
"""

import math

import numpy as np

from deepgrad.random import get_generator

_GAINS = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0),
          "selu": 3.0 / 4}


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through `nonlinearity` (PyTorch's
    table): 1 for linear/sigmoid, 5/3 tanh, sqrt(2) relu, sqrt(2 / (1 + slope^2)) leaky_relu."""
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; known: "
                         f"{', '.join([*_GAINS, 'leaky_relu'])}")
    return _GAINS[nonlinearity]


def _fans(tensor):
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got "
                         f"shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fill(tensor, values):
    tensor.data[...] = values
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """w ~ U(a, b)."""
    return _fill(tensor, get_generator(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """w ~ N(mean, std^2)."""
    return _fill(tensor, get_generator(generator).normal(mean, std, size=tensor.shape))


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def constant_(tensor, val):
    """w = val everywhere."""
    return _fill(tensor, val)


def eye_(tensor):
    """The identity matrix (rectangular: ones on the main diagonal), for a 2-D tensor."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_ needs a 2-D tensor, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot and Bengio (2010): w ~ U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot and Bengio (2010): w ~ N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He et al. (2015): w ~ U(-b, b), b = sqrt(3) * gain / sqrt(fan); a: the leaky_relu slope."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He et al. (2015): w ~ N(0, std^2), std = gain / sqrt(fan); a: the leaky_relu slope."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def lecun_normal_(tensor, generator=None):
    """LeCun et al. (1998): w ~ N(0, 1 / fan_in) (not truncated)."""
    fan_in, _ = _fans(tensor)
    return normal_(tensor, 0.0, 1.0 / math.sqrt(fan_in), generator)


def orthogonal_(tensor, gain=1.0, generator=None):
    """Saxe et al. (2014): a (semi-)orthogonal matrix times gain, from the QR decomposition of a
    Gaussian matrix with the signs of R's diagonal folded into Q (so Q is Haar-distributed)."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got shape {tensor.shape}")
    rows, cols = tensor.shape[0], tensor.numel() // tensor.shape[0]
    flat = get_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))


_GAIN_NAMES = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "sigmoid": "sigmoid",
               "identity": "linear", None: "linear"}
INIT_SCHEMES = ("he", "xavier", "lecun", "orthogonal", "pytorch")


def init_linear_(layer, scheme, activation="relu", generator=None):
    """Initialise a Linear layer followed by `activation` (a name, None for none) by `scheme`:

        "he"          kaiming_normal_ with that activation's gain (ReLU-like ones: sqrt(2))
        "xavier"      xavier_uniform_ with that gain
        "lecun"       lecun_normal_
        "orthogonal"  orthogonal_ with that gain
        "pytorch"     Linear's own default (weights and biases uniform)
    Biases start at zero, except for "pytorch".
    """
    if scheme not in INIT_SCHEMES:
        raise ValueError(f"unknown init {scheme!r}; known: {', '.join(INIT_SCHEMES)}")
    if scheme == "pytorch":
        layer.reset_parameters(generator)
        return layer
    gain_name = _GAIN_NAMES.get(activation, "relu")
    if scheme == "he":
        kaiming_normal_(layer.weight, nonlinearity=gain_name, generator=generator)
    elif scheme == "xavier":
        xavier_uniform_(layer.weight, gain=calculate_gain(gain_name), generator=generator)
    elif scheme == "lecun":
        lecun_normal_(layer.weight, generator=generator)
    else:
        orthogonal_(layer.weight, gain=calculate_gain(gain_name), generator=generator)
    if layer.bias is not None:
        zeros_(layer.bias)
    return layer
