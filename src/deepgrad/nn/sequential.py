"""Sequential: apply modules one after another, f = f_L o ... o f_1."""

from deepgrad.nn.module import Module


class Sequential(Module):
    """Sequential(*modules): x -> modules[-1](... modules[0](x)). Its children are in `.layers`
    (a list); it is iterable, indexable (a slice gives a Sequential) and has len."""

    def __init__(self, *modules):
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: argument {i} is a {type(module).__name__}, "
                                "not a Module")
        self.layers = list(modules)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def append(self, module):
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
        return {"layers": list(self.layers)}

    @classmethod
    def from_config(cls, config):
        return cls(*config["layers"])
