"""The config protocol that lets `deepgrad.save` / `deepgrad.load` rebuild a Module without pickle.

A model file stores each module as its class's registered name (every Module subclass registers
itself, by module.qualname for classes outside deepgrad) and its `config()`: the JSON-able
constructor arguments. Loading looks the class up (its code must be imported first) and calls
`from_config(config)`, by default `cls(**config)`, then loads the weights. A user's own subclass
needs no extra code: the arguments it was constructed with are recorded here when it is created,
so

    class Net(nn.Module):
        def __init__(self, width=64): ...
    deepgrad.save(Net(128), "net.safetensors"); deepgrad.load("net.safetensors")  # Net(width=128)

works as long as those arguments are numbers, strings, None, lists/dicts of them, or Modules. A
class whose arguments are anything else (arrays, functions) overrides `config()` and, if needed,
the classmethod `from_config`; deepgrad's own layers do so.
"""

import inspect

import numpy as np

_PLAIN = (str, int, float, bool, type(None))


def record(module, args, kwargs):
    """Remember the constructor arguments of `module` (called by Module.__new__)."""
    module.__dict__["_constructor_arguments"] = (args, kwargs)


def _check(value, where, module_class):
    if isinstance(value, (_PLAIN, module_class)) or isinstance(value, (np.integer, np.floating)):
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]", module_class)
        return
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        for key, item in value.items():
            _check(item, f"{where}[{key!r}]", module_class)
        return
    raise TypeError(f"argument {where} is a {type(value).__name__}, which a model file cannot "
                    "store (numbers, strings, lists, dicts and Modules can); define config() "
                    "and from_config() for this class")


def recorded(module, module_class):
    """The recorded constructor arguments of `module` as a {name: value} config; values may be
    plain JSON data or instances of `module_class` (nn.Module, passed in: no import circle)."""
    cls = type(module)
    args, kwargs = module.__dict__.get("_constructor_arguments", ((), {}))
    try:
        bound = inspect.signature(cls.__init__).bind(module, *args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{cls.__name__} cannot be saved: its constructor arguments were not "
                        f"recorded ({error}); define config()") from None
    config = dict(bound.arguments)
    config.pop(next(iter(config)))  # self
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if param.kind is param.VAR_POSITIONAL or param.kind is param.VAR_KEYWORD:
            raise TypeError(f"{cls.__name__} cannot be saved from its recorded arguments: its "
                            f"constructor takes *{name}; define config() and from_config()")
    try:
        for name, value in config.items():
            _check(value, name, module_class)
    except TypeError as error:
        raise TypeError(f"{cls.__name__} cannot be saved: {error}") from None
    return config
