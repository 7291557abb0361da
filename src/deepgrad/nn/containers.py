"""ModuleList and ModuleDict: hold submodules by position or by name (as torch.nn's), so their
parameters are found and their state_dict keys read "0.weight" or "name.weight"."""

from deepgrad.nn.module import Module


def _check(name, key, module):
    if not isinstance(module, Module):
        raise TypeError(f"{name}: entry {key!r} is a {type(module).__name__}, not a Module")
    return module


class ModuleList(Module):
    """A list of Modules; it has no forward (iterate over it in yours)."""

    def __init__(self, modules=()):
        self._items = [_check("ModuleList", i, m) for i, m in enumerate(modules)]

    def named_children(self):
        return ((str(i), m) for i, m in enumerate(self._items))

    def append(self, module):
        self._items.append(_check("ModuleList", len(self._items), module))
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        self._items.insert(index, _check("ModuleList", index, module))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return ModuleList(self._items[index])
        return self._items[index]

    def __setitem__(self, index, module):
        self._items[index] = _check("ModuleList", index, module)

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def config(self):
        return {"modules": list(self._items)}


class ModuleDict(Module):
    """An ordered {name: Module}; it has no forward."""

    def __init__(self, modules=None):
        self._items = {}
        for key, module in dict(modules or {}).items():
            self[key] = module

    def named_children(self):
        return iter(list(self._items.items()))

    def __getitem__(self, key):
        return self._items[key]

    def __setitem__(self, key, module):
        if not isinstance(key, str) or not key or "." in key:
            raise KeyError(f"ModuleDict: keys must be non-empty strings without '.', got {key!r}")
        self._items[key] = _check("ModuleDict", key, module)

    def __delitem__(self, key):
        del self._items[key]

    def __contains__(self, key):
        return key in self._items

    def __len__(self):
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        return self._items.keys()

    def values(self):
        return self._items.values()

    def items(self):
        return self._items.items()

    def update(self, modules):
        for key, module in dict(modules).items():
            self[key] = module

    def config(self):
        return {"modules": dict(self._items)}
