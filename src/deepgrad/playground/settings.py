"""The page's settings: each one's type, range and default, checked in one place (a bad value is
refused with a message naming the setting and what it accepts), and the caps on a session."""

from deepgrad.playground.datasets import DATASETS
from deepgrad.playground.features import FEATURES
from deepgrad.playground.network import ACTIVATIONS

MAX_LAYERS = 6         # hidden layers, as TensorFlow Playground
MAX_NEURONS = 8        # per layer, as TensorFlow Playground ...
MAX_WIDE_NEURONS = 64  # ... or this many with "wide layers" on
MAX_POINTS = 2000      # data points in a session (generated, clicked and uploaded)
N_SAMPLES = 500        # generated points, as TensorFlow Playground
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")

# name: (kind, choices or (low, high), default, rebuilds the network when changed)
SPEC = {
    "dataset": ("choice", DATASETS, "circle", True),
    "noise": ("int", (0, 50), 0, True),
    "train_ratio": ("int", (10, 90), 50, True),
    "features": ("subset", tuple(FEATURES), ["x1", "x2"], True),
    "hidden": ("widths", (0, MAX_LAYERS), [4, 2], True),
    "wide": ("bool", None, False, False),
    "activation": ("choice", tuple(ACTIVATIONS), "tanh", True),
    "batchnorm": ("bool", None, False, True),
    "residual": ("bool", None, False, True),
    "seed": ("int", (0, 2**31 - 1), 0, True),
    "learning_rate": ("float", (1e-5, 10.0), 0.03, False),
    "batch_size": ("int", (1, MAX_POINTS), 10, False),
    "regularization": ("choice", ("none", "l1", "l2"), "none", False),
    "reg_rate": ("float", (0.0, 10.0), 0.0, False),
    "optimizer": ("choice", OPTIMIZERS, "sgd", False),
}


class SettingError(ValueError):
    """A setting the page sent is unknown or out of range (the message is shown on the page)."""


def defaults():
    return {name: (list(spec[2]) if isinstance(spec[2], list) else spec[2])
            for name, spec in SPEC.items()}


def _number(name, value, kind, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise SettingError(f"{name} must be a number, got {value!r}")
    if kind == "int" and value != int(value):
        raise SettingError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise SettingError(f"{name} must be between {low:g} and {high:g}, got {value:g}")
    return int(value) if kind == "int" else float(value)


def check(name, value, wide):
    """The value of setting `name` as the session stores it, or SettingError."""
    if name not in SPEC:
        raise SettingError(f"unknown setting {name!r}; known: {', '.join(SPEC)}")
    kind, allowed, _, _ = SPEC[name]
    if kind in ("int", "float"):
        return _number(name, value, kind, *allowed)
    if kind == "bool":
        if not isinstance(value, bool):
            raise SettingError(f"{name} must be true or false, got {value!r}")
        return value
    if kind == "choice":
        if value not in allowed:
            raise SettingError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value
    if kind == "subset":
        if (not isinstance(value, list) or not value or len(set(map(str, value))) != len(value)
                or any(v not in allowed for v in value)):
            raise SettingError(f"{name} must be a non-empty list of distinct names from "
                               f"{', '.join(allowed)}, got {value!r}")
        return [v for v in allowed if v in value]  # the page's order
    cap = MAX_WIDE_NEURONS if wide else MAX_NEURONS
    if not isinstance(value, list) or len(value) > allowed[1]:
        raise SettingError(f"{name}: a list of at most {allowed[1]} hidden layer widths, "
                           f"got {value!r}")
    hint = "" if wide else " (turn on wide layers for up to 64)"
    return [_number(f"neurons in hidden layer {i + 1}{hint}", v, "int", 1, cap)
            for i, v in enumerate(value)]
