"""The model file's header schema: what each architecture's config may hold, and the parameter
shapes that config implies, so a file is checked before anything is built or allocated.

ARCHITECTURES maps a Module class name (as `registry_name` gives it) to an Architecture: its
config fields, each with a check, and a function from the checked config to {state_dict key:
shape}. A field that holds a submodule is checked with MODULE (or MODULES for a list) and reaches
the shapes function as that submodule's own {key: shape}. To add an architecture, add one entry:

    ARCHITECTURES["Conv1d"] = Architecture(
        {"in_channels": POSITIVE, "out_channels": POSITIVE, "kernel_size": POSITIVE, ...},
        lambda c: {"weight": (c["out_channels"], c["in_channels"], c["kernel_size"]), ...})

A registered Module without an entry (a user's own class) is still loaded, but its shapes are
only known once it is built: the weights are then checked against the built module.
"""

import math
from dataclasses import dataclass, field
from typing import Callable

from deepgrad.nn.activation import ACTIVATIONS
from deepgrad.nn.init import INIT_SCHEMES
from deepgrad.nn.mlp import SKIPS
from deepgrad.nn.module import REGISTRY

MAX_SIZE = 2**31 - 1  # the largest width, feature count or other size a config may name
MAX_DEPTH = 32  # the deepest nesting of modules inside modules
UNKNOWN = object()  # the shapes of a module without an entry, known only once it is built


class ModelFileError(ValueError):
    """A model file that cannot be loaded: truncated, modified, malformed or inconsistent."""


@dataclass(frozen=True)
class Architecture:
    """One Module class's header schema: {field: check} and config -> {state_dict key: shape};
    `defaults`: fields a file may omit (added after files were written), with their value."""

    fields: dict
    shapes: Callable = lambda config: {}
    defaults: dict = field(default_factory=dict)


def _fail(where, what):
    raise ModelFileError(f"model file header: {where} {what}")


def integer(low, high=MAX_SIZE):
    """A check: a JSON integer in [low, high]."""
    def check(value, where, depth):
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(where, f"must be an integer, got {type(value).__name__} {value!r:.40}")
        if not low <= value <= high:
            _fail(where, f"must be an integer in [{low}, {high}], got {value:.3g}")
        return value
    return check


def number(low=-math.inf, high=math.inf):
    """A check: a finite JSON number in [low, high]."""
    def check(value, where, depth):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(where, f"must be a number, got {type(value).__name__} {value!r:.40}")
        if not (math.isfinite(value) and low <= value <= high):
            _fail(where, f"must be a finite number in [{low}, {high}], got {value!r:.40}")
        return value
    return check


def choice(options):
    """A check: one of `options` (strings, or None)."""
    options = tuple(options)

    def check(value, where, depth):
        if not any(value is option or (isinstance(value, str) and value == option)
                   for option in options):
            _fail(where, f"must be one of {', '.join(map(repr, options))}, got {value!r:.40}")
        return value
    return check


def list_of(item, min_length=0):
    """A check: a JSON list of at least `min_length` items, each passing `item`."""
    def check(value, where, depth):
        if not isinstance(value, list) or len(value) < min_length:
            _fail(where, f"must be a list of at least {min_length} items, got {value!r:.40}")
        return [item(v, f"{where}[{i}]", depth) for i, v in enumerate(value)]
    return check


def optional(check):
    """A check: null, or a value passing `check`."""
    return lambda value, where, depth: None if value is None else check(value, where, depth)


def STRING(value, where, depth):
    """A check: a JSON string."""
    if not isinstance(value, str):
        _fail(where, f"must be a string, got {type(value).__name__} {value!r:.40}")
    return value


def MODULE(value, where, depth):
    """A check: a nested module description; gives its {key: shape} (or UNKNOWN)."""
    return module_shapes(value, where, depth + 1)


def MODULES(value, where, depth):
    """A check: a list of module descriptions; gives their {key: shape}s (or UNKNOWN)."""
    shapes = list_of(MODULE)(value, where, depth)
    return UNKNOWN if any(s is UNKNOWN for s in shapes) else shapes


def NAMED_MODULES(value, where, depth):
    """A check: an object {name: module description}; gives {name: {key: shape}} (or UNKNOWN)."""
    if not isinstance(value, dict):
        _fail(where, f"must be an object of modules, got {type(value).__name__}")
    shapes = {name: MODULE(v, f"{where}.{name}", depth) for name, v in value.items()}
    return UNKNOWN if any(s is UNKNOWN for s in shapes.values()) else shapes


def sizes(low):
    """A check: an integer >= low, or a list of them (PyTorch's int-or-tuple size arguments)."""
    one = integer(low)
    return lambda value, where, depth: (list_of(one, 1) if isinstance(value, list) else one)(
        value, where, depth)


BOOL = choice((True, False))
POSITIVE = integer(1)


def _prefixed(prefix, shapes):
    return {f"{prefix}.{key}": shape for key, shape in shapes.items()}


def _linear(d_in, d_out, bias):
    return {"weight": (d_out, d_in), **({"bias": (d_out,)} if bias else {})}


def _dense_block(c):
    shapes, fan_in = {}, c["in_features"]
    for k, width in enumerate(c["widths"]):
        shapes.update(_prefixed(f"layers.{k}", _linear(fan_in, width, c["bias"])))
        fan_in += width
    return shapes


def _mlp(c):
    """The keys MLP.__init__ creates: Linear, activation, ..., Linear; see nn/mlp.py."""
    widths, bias, shapes, index = c["widths"], c["bias"], {}, 0
    hidden, last = widths[1:-1], widths[0]
    if c["skip"] == "dense" and hidden:
        shapes.update(_prefixed("layers.0", _dense_block(
            {"in_features": last, "widths": hidden, "bias": bias})))
        last, index = last + sum(hidden), 1
    else:
        for width in hidden:
            layer = _linear(last, width, bias)
            if c["skip"] == "residual" and width == last:
                shapes.update(_prefixed(f"layers.{index}.block.0", layer))
                index += 1
            else:
                shapes.update(_prefixed(f"layers.{index}", layer))
                index += 2
            last = width
    shapes.update(_prefixed(f"layers.{index}", _linear(last, widths[-1], bias)))
    return shapes


def _children(named_shapes):
    """{child name: its {key: shape}} -> the parent's {key: shape} (PyTorch's dotted keys)."""
    return {key: shape for name, child in named_shapes.items()
            for key, shape in _prefixed(name, child).items()}


def _conv(c):
    weight = (c["out_channels"], c["in_channels"] // c["groups"], *c["kernel_size"])
    return {"weight": weight, **({"bias": (c["out_channels"],)} if c["bias"] else {})}


def _convnet(c):
    """The keys ConvNet.__init__ creates: convs.i (stride, padding k // 2 by default), linear."""
    spatial, widths, shapes = c["input_shape"][1:], [c["input_shape"][0], *c["channels"]], {}
    if len(c["kernel_size"]) != len(c["channels"]):
        _fail("architecture", "of ConvNet needs one kernel_size per channel count")
    for i, (a, b, k) in enumerate(zip(widths, widths[1:], c["kernel_size"])):
        shapes.update(_prefixed(f"convs.{i}", {"weight": (b, a) + (k,) * len(spatial),
                                               "bias": (b,)}))
        pad = k // 2 if c["padding"] is None else c["padding"]
        spatial = [(n + 2 * pad - k) // c["stride"] + 1 for n in spatial]
        if min(spatial) < 1:
            _fail("architecture", "of ConvNet shrinks its input to nothing")
    features = widths[-1] * math.prod(spatial)
    return {**shapes, **_prefixed("linear", _linear(features, c["outputs"], True))}


def _affine(shape, present):
    return {"weight": shape, "bias": shape} if present else {}


def _batchnorm(c):
    n = c["num_features"]
    buffers = {"running_mean": (n,), "running_var": (n,), "num_batches_tracked": ()}
    return {**_affine((n,), c["affine"]), **(buffers if c["track_running_stats"] else {})}


ARCHITECTURES = {
    "Linear": Architecture({"in_features": POSITIVE, "out_features": POSITIVE, "bias": BOOL},
                           lambda c: _linear(c["in_features"], c["out_features"], c["bias"])),
    "MLP": Architecture({"widths": list_of(POSITIVE, 2), "activation": choice(ACTIVATIONS),
                         "output_activation": choice((None, *ACTIVATIONS)), "bias": BOOL,
                         "init": choice(INIT_SCHEMES), "skip": choice(SKIPS)}, _mlp),
    "DenseBlock": Architecture({"in_features": POSITIVE, "widths": list_of(POSITIVE),
                                "activation": choice(ACTIVATIONS), "bias": BOOL,
                                "init": choice(INIT_SCHEMES)}, _dense_block),
    "Sequential": Architecture({"layers": MODULES, "names": list_of(STRING)}, lambda c: _children(
        dict(zip(c["names"], c["layers"])))),
    "ModuleList": Architecture({"modules": MODULES}, lambda c: _children(
        {str(i): child for i, child in enumerate(c["modules"])})),
    "ModuleDict": Architecture({"modules": NAMED_MODULES}, lambda c: _children(c["modules"])),
    "Residual": Architecture({"block": MODULE}, lambda c: _prefixed("block", c["block"])),
    **{name: Architecture({"in_channels": POSITIVE, "out_channels": POSITIVE,
                           "kernel_size": list_of(POSITIVE, 1), "stride": list_of(POSITIVE, 1),
                           "padding": lambda v, w, d: choice(("same", "valid"))(v, w, d)
                           if isinstance(v, str) else list_of(integer(0), 1)(v, w, d),
                           "dilation": list_of(POSITIVE, 1), "groups": POSITIVE, "bias": BOOL,
                           "init": choice(("pytorch", "he"))}, _conv)
       for name in ("Conv1d", "Conv2d")},
    "ConvNet": Architecture({"input_shape": list_of(POSITIVE, 2), "channels": list_of(POSITIVE, 1),
                             "kernel_size": list_of(POSITIVE, 1), "outputs": POSITIVE,
                             "stride": POSITIVE, "padding": optional(integer(0)),
                             "init": choice(("pytorch", "he"))}, _convnet),
    **{name: Architecture({"kernel_size": sizes(1), "stride": optional(sizes(1)),
                           "padding": sizes(0)})
       for name in ("MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d")},
    **{name: Architecture({"output_size": sizes(1)})
       for name in ("AdaptiveAvgPool1d", "AdaptiveAvgPool2d")},
    "Flatten": Architecture({"start_dim": integer(-MAX_DEPTH, MAX_DEPTH),
                             "end_dim": integer(-MAX_DEPTH, MAX_DEPTH)}),
    "Unflatten": Architecture({"dim": integer(-MAX_DEPTH, MAX_DEPTH),
                               "unflattened_size": list_of(integer(-1), 1)}),
    "Standardize": Architecture({"num_features": POSITIVE, "inverse": BOOL}, lambda c: {
        "mean": (c["num_features"],), "std": (c["num_features"],)}),
    **{name: Architecture(
        {"num_features": POSITIVE, "eps": number(0), "momentum": optional(number(0, 1)),
         "affine": BOOL, "track_running_stats": BOOL}, _batchnorm,
        defaults={"track_running_stats": True})  # files written before the option existed
       for name in ("BatchNorm1d", "BatchNorm2d")},
    "LayerNorm": Architecture(
        {"normalized_shape": list_of(POSITIVE, 1), "eps": number(0), "elementwise_affine": BOOL},
        lambda c: _affine(tuple(c["normalized_shape"]), c["elementwise_affine"])),
    "Dropout": Architecture({"p": number(0, 1)}),
    "LeakyReLU": Architecture({"negative_slope": number()}),
    "Step": Architecture({"at_zero": number()}),
    **{name: Architecture({}) for name in
       ("ReLU", "Sigmoid", "Tanh", "Softplus", "GELU", "SiLU", "Identity", "Sign")},
}


def module_shapes(description, where="architecture", depth=0):
    """Check a module description {"module": name, "config": {...}} against its entry and return
    the {state_dict key: shape} it implies (UNKNOWN for a registered class without an entry)."""
    if depth > MAX_DEPTH:
        _fail(where, f"nests modules deeper than {MAX_DEPTH} levels")
    if not isinstance(description, dict) or set(description) != {"module", "config"}:
        _fail(where, f"must be an object with keys 'module' and 'config', got {description!r:.60}")
    name, config = description["module"], description["config"]
    if not isinstance(name, str) or name not in REGISTRY:
        _fail(f"{where}.module", f"names an unknown module class {name!r:.60}; known: "
              f"{', '.join(sorted(REGISTRY))} (import the code defining it first)")
    if not isinstance(config, dict):
        _fail(f"{where}.config", f"must be an object, got {type(config).__name__}")
    if name not in ARCHITECTURES:
        return UNKNOWN
    fields = ARCHITECTURES[name].fields
    config = {**ARCHITECTURES[name].defaults, **config}
    if set(config) != set(fields):
        _fail(f"{where}.config", f"of {name} must have the fields {', '.join(fields) or 'none'}; "
              f"got {', '.join(map(str, config)) or 'none'}")
    checked = {key: check(config[key], f"{where}.config.{key}", depth)
               for key, check in fields.items()}
    if any(value is UNKNOWN for value in checked.values()):
        return UNKNOWN
    return ARCHITECTURES[name].shapes(checked)


def LABEL(value, where, depth):
    """A check: a class label, a JSON string or a finite number."""
    return STRING(value, where, depth) if isinstance(value, str) else number()(value, where, depth)


# The keys of `deepgrad train`'s metadata; other keys of a user's metadata pass unchecked.
METADATA = {"task": choice(("classification", "regression")),
            "classes": optional(list_of(LABEL, 2)), "features": optional(list_of(STRING)),
            "target": optional(STRING)}


def check_metadata(metadata):
    """Check the user metadata stored with a model (an object; known keys as METADATA says)."""
    if not isinstance(metadata, dict):
        _fail("metadata", f"must be an object, got {type(metadata).__name__}")
    for key, check in METADATA.items():
        if key in metadata:
            check(metadata[key], f"metadata.{key}", 0)
    return metadata
