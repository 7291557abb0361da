"""Features: the playground's input features of a 2-D point (x1, x2, x1^2, x2^2, x1 x2, sin x1,
sin x2), as a Module so a model exported from the page takes raw (x1, x2) rows."""

import deepgrad as dg
from deepgrad.nn.module import Module

FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: dg.sin(x1),
    "sin(x2)": lambda x1, x2: dg.sin(x2),
}
LINEAR_FEATURES = ("x1", "x2")


class Features(Module):
    """(N, 2) points -> (N, len(names)) features, in the order of `names` (keys of FEATURES)."""

    def __init__(self, names):
        unknown = [name for name in names if name not in FEATURES]
        if not names or unknown:
            raise ValueError(f"Features: names must be a non-empty list of {', '.join(FEATURES)}; "
                             f"got {list(names)}")
        self.names = list(names)

    def forward(self, x):
        x = x if isinstance(x, dg.Tensor) else dg.tensor(x)
        x1, x2 = x[:, 0:1], x[:, 1:2]
        return dg.concatenate([FEATURES[name](x1, x2) for name in self.names], axis=1)

    def config(self):
        return {"names": self.names}

    def extra_repr(self):
        return ", ".join(self.names)
