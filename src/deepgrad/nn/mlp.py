"""MLP: the multilayer perceptron, by the lectures' recursive definition, with optional skips."""

import numpy as np

from deepgrad.nn.activation import make_activation
from deepgrad.nn.dense import DenseBlock
from deepgrad.nn.init import INIT_SCHEMES, init_linear_
from deepgrad.nn.linear import Linear
from deepgrad.nn.module import Module
from deepgrad.nn.residual import Residual
from deepgrad.nn.sequential import Sequential

SKIPS = (None, "residual", "dense")


class MLP(Module):
    """f_0(x) = x,  f_l(x) = phi(W_l f_{l-1}(x) + b_l) for l = 1..L-1,  f(x) = W_L f_{L-1}(x) + b_L
    (then `output_activation` if given).

    widths = [d_0, d_1, ..., d_L] includes the input and output sizes; W_l: (d_l, d_{l-1}).
    `.layers` is the ordered list of modules applied: Linear, activation, ..., Linear[, output
    activation]. skip="residual" wraps each hidden layer with d_{l-1} = d_l as
    Residual(Sequential(Linear, activation)), i.e. f_l = f_{l-1} + phi(W_l f_{l-1} + b_l);
    skip="dense" replaces the hidden layers by one DenseBlock, so every layer (the output layer
    too) sees x and all earlier hidden outputs. init: "he" (default), "xavier", "lecun",
    "orthogonal" or "pytorch" (see `nn.init.init_linear_`; the output layer gets the linear gain).
    """

    def __init__(self, widths, activation="relu", output_activation=None, bias=True, init="he",
                 skip=None, generator=None):
        widths = list(widths)
        if len(widths) < 2 or any(isinstance(w, bool) or not isinstance(w, (int, np.integer))
                                  or w <= 0 for w in widths):
            raise ValueError(f"MLP: widths must be at least two positive integers (input and "
                             f"output sizes), got {widths}")
        if skip not in SKIPS:
            raise ValueError(f"MLP: skip must be one of {SKIPS}, got {skip!r}")
        if init not in INIT_SCHEMES:
            raise ValueError(f"MLP: unknown init {init!r}; known: {', '.join(INIT_SCHEMES)}")
        self.widths = [int(w) for w in widths]
        self.activation, self.output_activation = activation, output_activation
        self.bias, self.init, self.skip = bias, init, skip
        make_activation(activation)  # fail early on an unknown name

        def linear(d_in, d_out, act):
            return init_linear_(Linear(d_in, d_out, bias=bias), init, act, generator)

        hidden, layers = self.widths[1:-1], []
        if skip == "dense" and hidden:
            block = DenseBlock(self.widths[0], hidden, activation, bias, init, generator)
            layers.append(block)
            last = block.out_features
        else:
            last = self.widths[0]
            for width in hidden:
                pair = [linear(last, width, activation), make_activation(activation)]
                if skip == "residual" and width == last:
                    layers.append(Residual(Sequential(*pair)))
                else:
                    layers.extend(pair)
                last = width
        layers.append(linear(last, self.widths[-1], None))
        if output_activation is not None:
            layers.append(make_activation(output_activation))
        self.layers = layers

    @property
    def in_features(self):
        return self.widths[0]

    @property
    def out_features(self):
        return self.widths[-1]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def config(self):
        return {"widths": self.widths, "activation": self.activation,
                "output_activation": self.output_activation, "bias": self.bias,
                "init": self.init, "skip": self.skip}
