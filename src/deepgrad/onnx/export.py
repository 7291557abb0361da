"""Write an nn module as an ONNX graph (opset 17), in evaluation mode, checked by onnx.checker.

Each layer class has one entry in CONVERTERS: a function (builder, module, x) -> output name that
appends the layer's nodes and initialisers. Containers (Sequential, MLP, Residual, DenseBlock)
recurse; Dropout is the identity and BatchNorm uses its running statistics, as in eval() (the
batch's own with track_running_stats=False, as torch). A new layer needs one entry. Inputs have
a symbolic batch dimension "N". Adaptive average pooling exports when each output bin is a
whole window (global, or sizes that divide evenly).
"""

import math

import numpy as np

from deepgrad.engine import conv as C
from deepgrad.nn import activation as A
from deepgrad.nn import pooling as P
from deepgrad.nn.batchnorm import BatchNorm1d, BatchNorm2d
from deepgrad.nn.conv import Conv1d, Conv2d
from deepgrad.nn.convnet import ConvNet
from deepgrad.nn.dense import DenseBlock
from deepgrad.nn.dropout import Dropout
from deepgrad.nn.flatten import Flatten, Unflatten
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

    def __init__(self, dtype, rank):
        self.onnx, self.helper, self.numpy_helper = _onnx()
        self.nodes, self.initializers, self.dtype, self._count = [], [], dtype, 0
        self.rank = rank  # of the model's input: ConvNet reshapes flat (N, F) rows as its forward

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
    if not m.track_running_stats:  # the batch's own statistics, as its eval() does
        return _batch_statistics_norm(b, m, x, scale, shift)
    return b.op("BatchNormalization", x, b.constant("scale", scale), b.constant("shift", shift),
                b.constant("mean", m.running_mean), b.constant("var", m.running_var),
                epsilon=float(m.eps))


def _batch_statistics_norm(b, m, x, scale, shift):
    """(x - mean) / sqrt(var + eps) * scale + shift, mean and biased var over all but axis 1:
    on x seen as (N, C, -1), so one graph serves (N, C), (N, C, L) and (N, C, H, W)."""
    flat = b.op("Reshape", x, b.constant("shape", np.array([0, m.num_features, -1], np.int64)))
    centred = b.op("Sub", flat, b.op("ReduceMean", flat, axes=[0, 2], keepdims=1))
    var = b.op("ReduceMean", b.op("Mul", centred, centred), axes=[0, 2], keepdims=1)
    std = b.op("Sqrt", b.op("Add", var, b.constant("eps", np.array(m.eps))))
    y = b.op("Mul", b.op("Div", centred, std), b.constant("scale", scale.reshape(1, -1, 1)))
    y = b.op("Add", y, b.constant("shift", shift.reshape(1, -1, 1)))
    return b.op("Reshape", y, b.op("Shape", x))


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


def _step(b, m, x):  # 1 where x > 0, at_zero where x == 0
    to = b.helper.np_dtype_to_tensor_dtype(np.dtype(b.dtype))
    zero = b.constant("zero", np.array(0.0))
    at_zero = b.op("Mul", b.op("Cast", b.op("Equal", x, zero), to=to),
                   b.constant("at_zero", np.array(m.at_zero)))
    return b.op("Add", b.op("Cast", b.op("Greater", x, zero), to=to), at_zero)


def _pads(pairs):
    """[(before, after) per spatial dim] -> ONNX's pads: every before, then every after."""
    return [lo for lo, _ in pairs] + [hi for _, hi in pairs]


def _conv(b, m, x):
    pads = C._conv_padding(m.padding, m.kernel_size, m.stride, m.dilation, type(m).__name__)
    inputs = [x, b.constant("weight", m.weight.data)]
    if m.bias is not None:
        inputs.append(b.constant("bias", m.bias.data))
    return b.op("Conv", *inputs, kernel_shape=list(m.kernel_size), strides=list(m.stride),
                dilations=list(m.dilation), group=m.groups, pads=_pads(pads))


def _pool(op_type, dims, **attributes):
    def rule(b, m, x):
        kernel = C._tuple(m.kernel_size, dims, "kernel_size")
        stride = kernel if m.stride is None else C._tuple(m.stride, dims, "stride")
        pads = _pads(C._pairs(m.padding, dims))
        return b.op(op_type, x, kernel_shape=list(kernel), strides=list(stride), pads=pads,
                    **attributes)
    return rule


def _adaptive(dims):
    def rule(b, m, x):
        sizes = C._tuple(m.output_size, dims, "output_size")
        if all(s == 1 for s in sizes):
            return b.op("GlobalAveragePool", x)
        raise TypeError(f"onnx.export: {type(m).__name__}(output_size={m.output_size}) exports "
                        "only as global pooling (output_size 1); use AvgPool with a window")
    return rule


def _flatten(b, m, x):
    if (m.start_dim, m.end_dim) != (1, -1):
        raise TypeError(f"onnx.export: Flatten exports with start_dim=1, end_dim=-1, got "
                        f"{m.start_dim}, {m.end_dim}")
    return b.op("Flatten", x, axis=1)


def _unflatten(b, m, x):  # (N, F) -> (N, *sizes): the rows ConvNet and CSV files give
    if m.dim not in (1, -1):
        raise TypeError(f"onnx.export: Unflatten exports for dim 1 of (N, F) rows, got dim {m.dim}")
    return b.op("Reshape", x, b.constant("shape", np.array([0, *m.unflattened_size], np.int64)))


def _convnet(b, m, x):
    if b.rank == 2:
        x = b.op("Reshape", x, b.constant("shape", np.array([0, *m.input_shape], np.int64)))
    for layer in m.convs:
        x = b.op("Relu", _conv(b, layer, x))
    return _linear(b, m.linear, b.op("Flatten", x, axis=1))


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
    BatchNorm2d: _batchnorm,
    LayerNorm: _layernorm,
    Standardize: _standardize,
    Sequential: lambda b, m, x: _chain(b, m.layers, x),
    MLP: lambda b, m, x: _chain(b, m.layers, x),
    Residual: lambda b, m, x: b.op("Add", x, convert(b, m.block, x)),
    DenseBlock: _dense,
    Conv1d: _conv,
    Conv2d: _conv,
    P.MaxPool1d: _pool("MaxPool", 1),
    P.MaxPool2d: _pool("MaxPool", 2),
    P.AvgPool1d: _pool("AveragePool", 1, count_include_pad=1),
    P.AvgPool2d: _pool("AveragePool", 2, count_include_pad=1),
    P.AdaptiveAvgPool1d: _adaptive(1),
    P.AdaptiveAvgPool2d: _adaptive(2),
    Flatten: _flatten,
    Unflatten: _unflatten,
    ConvNet: _convnet,
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
    builder = Builder(x.dtype, x.ndim)
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
