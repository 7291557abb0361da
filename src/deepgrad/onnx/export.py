"""Write an nn module as an ONNX graph (opset 17), in evaluation mode, checked by onnx.checker.

Each layer class has one entry in CONVERTERS: a function (builder, module, x) -> output name that
appends the layer's nodes and initialisers. Containers (Sequential, MLP, Residual, DenseBlock)
recurse; Dropout is the identity and BatchNorm uses its running statistics, as in eval(). A new
layer (Conv, pooling) needs one entry. Inputs have a symbolic batch dimension "N".
"""

import math

import numpy as np

from deepgrad.nn import activation as A
from deepgrad.nn.batchnorm import BatchNorm1d
from deepgrad.nn.dense import DenseBlock
from deepgrad.nn.dropout import Dropout
from deepgrad.nn.layernorm import LayerNorm
from deepgrad.nn.linear import Linear
from deepgrad.nn.mlp import MLP
from deepgrad.nn.residual import Residual
from deepgrad.nn.sequential import Sequential
from deepgrad.nn.standardize import Standardize

OPSET = 17


def _onnx():
    try:
        import onnx
        from onnx import helper, numpy_helper
    except ImportError:
        raise ImportError("deepgrad.onnx needs the onnx package: pip install 'deepgrad[onnx]'") \
            from None
    return onnx, helper, numpy_helper


class Builder:
    """Collects nodes and initialisers with fresh names."""

    def __init__(self, dtype):
        self.onnx, self.helper, self.numpy_helper = _onnx()
        self.nodes, self.initializers, self.dtype, self._count = [], [], dtype, 0

    def name(self, hint):
        self._count += 1
        return f"{hint}_{self._count}"

    def constant(self, hint, array):
        name = self.name(hint)
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(self.dtype)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type, *inputs, **attributes):
        out = self.name(op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], **attributes))
        return out


def _linear(b, m, x):
    w = b.constant("weight", m.weight.data.T)
    y = b.op("MatMul", x, w)
    return y if m.bias is None else b.op("Add", y, b.constant("bias", m.bias.data))


def _gelu(b, m, x):  # x Phi(x) = x (1 + erf(x / sqrt 2)) / 2
    erf = b.op("Erf", b.op("Div", x, b.constant("sqrt2", np.array(math.sqrt(2.0)))))
    one_plus = b.op("Add", erf, b.constant("one", np.array(1.0)))
    return b.op("Mul", b.op("Mul", x, one_plus), b.constant("half", np.array(0.5)))


def _batchnorm(b, m, x):
    n = m.num_features
    scale = m.weight.data if m.weight is not None else np.ones(n)
    shift = m.bias.data if m.bias is not None else np.zeros(n)
    return b.op("BatchNormalization", x, b.constant("scale", scale), b.constant("shift", shift),
                b.constant("mean", m.running_mean), b.constant("var", m.running_var),
                epsilon=float(m.eps))


def _layernorm(b, m, x):
    shape = m.normalized_shape
    scale = m.weight.data if m.weight is not None else np.ones(shape)
    shift = m.bias.data if m.bias is not None else np.zeros(shape)
    return b.op("LayerNormalization", x, b.constant("scale", scale), b.constant("shift", shift),
                axis=-len(shape), epsilon=float(m.eps))


def _standardize(b, m, x):
    if m.inverse:
        return b.op("Add", b.op("Mul", x, b.constant("std", m.std)), b.constant("mean", m.mean))
    return b.op("Div", b.op("Sub", x, b.constant("mean", m.mean)), b.constant("std", m.std))


def _chain(b, modules, x):
    for module in modules:
        x = convert(b, module, x)
    return x


def _dense(b, m, x):
    features = x
    for layer in m.layers:
        h = convert(b, m.activation, convert(b, layer, features))
        features = b.op("Concat", features, h, axis=-1)
    return features


def _step(b, m, x):
    return b.op("Cast", b.op("Greater", x, b.constant("zero", np.array(0.0))),
                to=b.helper.np_dtype_to_tensor_dtype(np.dtype(b.dtype)))


CONVERTERS = {
    Linear: _linear,
    A.ReLU: lambda b, m, x: b.op("Relu", x),
    A.LeakyReLU: lambda b, m, x: b.op("LeakyRelu", x, alpha=m.negative_slope),
    A.Sigmoid: lambda b, m, x: b.op("Sigmoid", x),
    A.Tanh: lambda b, m, x: b.op("Tanh", x),
    A.Softplus: lambda b, m, x: b.op("Softplus", x),
    A.GELU: _gelu,
    A.SiLU: lambda b, m, x: b.op("Mul", x, b.op("Sigmoid", x)),
    A.Identity: lambda b, m, x: b.op("Identity", x),
    A.Sign: lambda b, m, x: b.op("Sign", x),
    A.Step: _step,
    Dropout: lambda b, m, x: b.op("Identity", x),
    BatchNorm1d: _batchnorm,
    LayerNorm: _layernorm,
    Standardize: _standardize,
    Sequential: lambda b, m, x: _chain(b, m.layers, x),
    MLP: lambda b, m, x: _chain(b, m.layers, x),
    Residual: lambda b, m, x: b.op("Add", x, convert(b, m.block, x)),
    DenseBlock: _dense,
}


def convert(builder, module, x):
    """Append `module`'s nodes reading tensor `x`; returns the output's name."""
    rule = CONVERTERS.get(type(module))
    if rule is None:
        raise TypeError(f"onnx.export: no ONNX converter for {type(module).__name__}; known: "
                        f"{', '.join(sorted(c.__name__ for c in CONVERTERS))} (add one to "
                        "deepgrad.onnx.CONVERTERS)")
    return rule(builder, module, x)


def export(model, example_input, path):
    """Write `model` (evaluated as in eval()) to `path` as ONNX; example_input fixes the dtype
    and feature shape (the batch dimension is symbolic). Returns the checked onnx.ModelProto."""
    onnx, helper, _ = _onnx()
    x = np.asarray(getattr(example_input, "data", example_input))
    if x.ndim < 1 or x.dtype.kind != "f":
        raise ValueError(f"onnx.export: example_input must be a floating array with a batch "
                         f"dimension, got dtype {x.dtype} and shape {x.shape}")
    builder = Builder(x.dtype)
    out = convert(builder, model, "input")
    elem = helper.np_dtype_to_tensor_dtype(x.dtype)
    was_training = model.training
    model.eval()
    try:
        y = np.asarray(model(x).data)
    finally:
        model.train(was_training)
    graph = helper.make_graph(
        builder.nodes, type(model).__name__,
        [helper.make_tensor_value_info("input", elem, ["N", *x.shape[1:]])],
        [helper.make_tensor_value_info(out, elem, ["N", *y.shape[1:]])],
        builder.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="deepgrad")
    proto.ir_version = min(proto.ir_version, 10)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, str(path))
    return proto
