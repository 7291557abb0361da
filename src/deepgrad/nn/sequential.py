"""Sequential: apply modules one after another, f = f_L o ... o f_1."""

from collections import OrderedDict

from deepgrad.nn.module import Module


class Sequential(Module):
    """Sequential(*modules) or Sequential(OrderedDict(name=module)): x -> modules[-1](...
    modules[0](x)). Its children are named "0", "1", ... (or the dict's keys), so state_dict
    keys are PyTorch's ("0.weight"); the modules are in `.layers` (a list). It is iterable,
    indexable (a slice gives a Sequential) and has len."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            names, modules = list(modules[0]), tuple(modules[0].values())
        else:
            names = None
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, "
                                "not a Module")
        self.layers = list(modules)
        self._names = names

    def named_children(self):
        names = self._names or [str(i) for i in range(len(self.layers))]
        return zip(names, self.layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def append(self, module):
        if self._names is not None:
            self._names.append(str(len(self.layers)))
        self.layers.append(module)
        return self

    def __iter__(self):
        return iter(self.layers)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def config(self):
        return {"layers": list(self.layers), "names": [name for name, _ in self.named_children()]}

    @classmethod
    def from_config(cls, config):
        if "names" in config:
            return cls(OrderedDict(zip(config["names"], config["layers"])))
        return cls(*config["layers"])
