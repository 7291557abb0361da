"""The network behind the scikit-learn estimators: nn.MLP, or Linear/norm/activation/Dropout blocks.

With neither `norm` nor `dropout` the estimator trains a plain `nn.MLP` (skip connections
included); otherwise each hidden layer is Linear -> norm -> activation -> Dropout, wrapped in a
Residual when skip="residual" and the widths match. Weights start Xavier-uniform with the
activation's gain (scikit-learn uses Glorot-uniform too), biases at zero.
"""

from deepgrad import nn
from deepgrad.nn.init import init_linear_

# scikit-learn's activation names -> deepgrad's (deepgrad's own names are accepted as they are)
ACTIVATION_NAMES = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}
NORMS = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}


def build_network(widths, activation, skip, dropout, norm, generator):
    """The module mapping inputs (N, widths[0]) to output scores (N, widths[-1])."""
    activation = ACTIVATION_NAMES.get(activation, activation)
    if norm is None and dropout == 0:
        return nn.MLP(widths, activation=activation, init="xavier", skip=skip, generator=generator)
    if skip == "dense":
        raise ValueError("skip='dense' cannot be combined with norm or dropout: a DenseBlock has "
                         "no place for them; use skip='residual' or None")
    layers, last = [], widths[0]
    for width in widths[1:-1]:
        block = [init_linear_(nn.Linear(last, width), "xavier", activation, generator)]
        if norm is not None:
            block.append(NORMS[norm](width))
        block.append(nn.ACTIVATIONS[activation]())
        if dropout > 0:
            block.append(nn.Dropout(dropout, generator=generator))
        if skip == "residual" and width == last:
            layers.append(nn.Residual(nn.Sequential(*block)))
        else:
            layers.extend(block)
        last = width
    layers.append(init_linear_(nn.Linear(last, widths[-1]), "xavier", None, generator))
    return nn.Sequential(*layers)


def linear_layers(module):
    """The network's Linear layers in the order data flows through them."""
    return [m for m in module.modules() if isinstance(m, nn.Linear)]
