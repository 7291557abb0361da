"""DenseBlock: each layer sees the input and all earlier layers' outputs (DenseNet, Huang et al.,
2017, for fully connected layers)."""

import deepgrad as dg
from deepgrad.nn.activation import make_activation
from deepgrad.nn.init import init_linear_
from deepgrad.nn.linear import Linear
from deepgrad.nn.module import Module


class DenseBlock(Module):
    """h_0 = x,  h_k = phi(W_k [h_0, ..., h_{k-1}] + b_k),  output [h_0, h_1, ..., h_K].

    x: (N, in_features); layer k: Linear(in_features + widths[0] + ... + widths[k-1], widths[k]);
    output: (N, in_features + sum(widths)). `init` as in `nn.init.init_linear_`.
    """

    def __init__(self, in_features, widths, activation="relu", bias=True, init="he",
                 generator=None):
        self.in_features, self.widths = int(in_features), [int(w) for w in widths]
        self.activation_name, self.bias, self.init = activation, bias, init
        self.activation = make_activation(activation)
        self.layers, fan_in = [], self.in_features
        for width in self.widths:
            layer = Linear(fan_in, width, bias=bias)
            init_linear_(layer, init, activation, generator)
            self.layers.append(layer)
            fan_in += width
        self.out_features = fan_in

    def forward(self, x):
        features = x
        for layer in self.layers:
            features = dg.concatenate([features, self.activation(layer(features))], axis=-1)
        return features

    def config(self):
        return {"in_features": self.in_features, "widths": self.widths,
                "activation": self.activation_name, "bias": self.bias, "init": self.init}
