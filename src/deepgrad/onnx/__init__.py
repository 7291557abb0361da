"""ONNX export of nn modules: `deepgrad.onnx.export(model, example_input, path)` (extra [onnx])."""

from deepgrad.onnx.export import CONVERTERS, export

__all__ = ["CONVERTERS", "export"]
