"""Module: the base class of layers and models (as torch.nn.Module).

Parameters, buffers and submodules are found by walking the instance's attributes, in the order
they were set: a Parameter is a parameter, a Module (or a list of Modules) a submodule, and a name
passed to `register_buffer` a buffer (a NumPy array saved with the weights but not trained, such as
BatchNorm's running statistics). Names are dotted paths, e.g. "layers.0.weight".

A Module that can be saved describes itself by `config()`: a JSON-able dict of its constructor
arguments (Modules inside it are described recursively), so `deepgrad.load` can rebuild it. A
user's own subclass gets one for free: the arguments it was constructed with are recorded (see
nn/config.py), so `deepgrad.save` / `deepgrad.load` work for it without pickle.
"""

from collections import OrderedDict, namedtuple

import numpy as np

from deepgrad.display import module_html
from deepgrad.engine import anomaly
from deepgrad.engine.hooks import effect
from deepgrad.engine.tensor import Tensor
from deepgrad.nn import config as config_protocol
from deepgrad.nn.hooks import RemovableHandle
from deepgrad.nn.parameter import Parameter

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

# Every Module subclass by name, so a model file names its classes without pickling them.
REGISTRY = {}


def registry_name(cls):
    """deepgrad's own classes by their short name, other Modules by module.qualname."""
    if cls.__module__.startswith("deepgrad."):
        return cls.__name__
    return f"{cls.__module__}.{cls.__qualname__}"


def as_array(value):
    """A state_dict value as an ndarray: a Tensor's data, a torch tensor (read by duck typing,
    so nothing here imports torch), an array or a number."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


class Module:
    """Base class. Subclasses set parameters and submodules in `__init__` and define `forward`."""

    training = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        REGISTRY[registry_name(cls)] = cls

    def __new__(cls, *args, **kwargs):
        module = super().__new__(cls)
        config_protocol.record(module, args, kwargs)
        return module

    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def __call__(self, *args, **kwargs):
        if anomaly.names is None and "_forward_hooks" not in self.__dict__:
            return self.forward(*args, **kwargs)  # no hooks, no anomaly mode: the common case
        if anomaly.names is not None:  # detect_anomaly on: its messages name this module
            with anomaly.module_scope(self):
                return self._call_with_hooks(args, kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        hooks = self.__dict__.get("_forward_hooks")
        if hooks is None:
            return self.forward(*args, **kwargs)
        for hook in list(hooks["pre"].values()):
            changed = hook(self, args)
            if changed is not None:
                args = changed if isinstance(changed, tuple) else (changed,)
        out = self.forward(*args, **kwargs)
        for hook in list(hooks["post"].values()):
            changed = hook(self, args, out)
            if changed is not None:
                out = changed
        return out

    # ------------------------------------------------------------------ hooks (as torch)
    def _hook_table(self):
        return self.__dict__.setdefault("_forward_hooks", {"pre": {}, "post": {}})

    def register_forward_pre_hook(self, hook):
        """hook(module, args) runs before forward; a returned value replaces args. Returns a
        handle whose remove() unregisters it."""
        return RemovableHandle(self._hook_table()["pre"], hook)

    def register_forward_hook(self, hook):
        """hook(module, args, output) runs after forward; a returned value replaces output."""
        return RemovableHandle(self._hook_table()["post"], hook)

    # ------------------------------------------------------------------ walking attributes
    def named_children(self):
        """(name, module) per direct submodule; a list attribute `layers` gives layers.0, ..."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)) and value and \
                    all(isinstance(item, Module) for item in value):
                for i, item in enumerate(value):
                    yield f"{name}.{i}", item

    def children(self):
        return (module for _, module in self.named_children())

    def apply(self, fn):
        """Call fn(module) on every submodule, then on self (as torch); returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def named_modules(self, prefix=""):
        """(dotted name, module) for self ("") and every submodule, depth first."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (module for _, module in self.named_modules())

    def named_parameters(self):
        """(dotted name, Parameter) for every parameter; a shared one is listed once."""
        seen = set()
        for prefix, module in self.named_modules():
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{prefix}.{name}" if prefix else name), value

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def register_buffer(self, name, array):
        """Set attribute `name` to a NumPy array that is saved in state_dict but not trained."""
        buffers = vars(self).setdefault("_buffer_names", [])
        if name not in buffers:
            buffers.append(name)
        setattr(self, name, np.asarray(array))

    def named_buffers(self):
        for prefix, module in self.named_modules():
            for name in vars(module).get("_buffer_names", ()):
                yield (f"{prefix}.{name}" if prefix else name), getattr(module, name)

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode=True):
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Evaluation mode, the same as train(False); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Switch gradients on or off for every parameter (freezing); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, *args, dtype=None, device=None):
        """Cast every parameter and floating buffer to a floating dtype in place, if one is given
        (to(dtype), to("cpu"), to(device, dtype)); the only device is the CPU. Returns self."""
        from deepgrad.engine import torch_names

        for arg in args:
            if not torch_names.is_device(arg):
                dtype = arg
        if device is not None:
            torch_names.device(device)
        if dtype is None:
            return self
        dtype = torch_names.as_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: only floating dtypes, got {dtype}")
        for p in self.parameters():
            p.data = p.data.astype(dtype)
        for module in self.modules():
            for name in vars(module).get("_buffer_names", ()):
                value = getattr(module, name)
                if value.dtype.kind == "f":
                    setattr(module, name, value.astype(dtype))
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def cpu(self):
        return self

    @effect  # replayed as a call by deepgrad.compile
    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    # ------------------------------------------------------------------ state
    def state_dict(self):
        """An ordered {name: array copy} of every parameter and buffer, module by module (each
        module's parameters, then its buffers), in torch's order."""
        state, seen = OrderedDict(), set()
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    state[dot + name] = value.data.copy()
            for name in vars(module).get("_buffer_names", ()):
                state[dot + name] = np.array(getattr(module, name), copy=True)
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays into the parameters and buffers in place (optimizers keep working).

        Every key and shape is checked before anything is copied, so a failed load changes
        nothing. strict=True: missing or unexpected keys are an error naming them. Returns
        (missing_keys, unexpected_keys).
        """
        state_dict = {key: as_array(value) for key, value in state_dict.items()}
        own = dict(self.named_parameters())
        own.update(self.named_buffers())
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        problems = [f"{key}: expected shape {np.shape(own[key])}, got "
                    f"{np.shape(state_dict[key])}" for key in own
                    if key in state_dict and np.shape(own[key]) != np.shape(state_dict[key])]
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if problems:
            raise ValueError(f"load_state_dict: the weights do not fit this "
                             f"{type(self).__name__}: " + "; ".join(problems))
        for key, target in own.items():
            if key in state_dict:
                (target.data if isinstance(target, Parameter) else target)[...] = state_dict[key]
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ description
    def config(self):
        """The JSON-able constructor arguments that rebuild this module (see deepgrad.save); by
        default the ones it was constructed with (nn/config.py)."""
        return config_protocol.recorded(self, Module)

    @classmethod
    def from_config(cls, config):
        """Rebuild a module from `config()` (submodules already rebuilt)."""
        return cls(**config)

    def extra_repr(self):
        return ""

    def __repr__(self):
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in children:
            lines.append("  (" + name + "): " + repr(child).replace("\n", "\n  "))
        return "\n".join(lines) + "\n)"

    _repr_html_ = module_html  # Jupyter's rich display (deepgrad/display.py)
