"""`deepgrad export --model runs/x --format onnx [--out model.onnx]`: a saved model to ONNX."""

from pathlib import Path

import numpy as np


def _in_features(model):
    for module in model.modules():
        for attr in ("in_features", "num_features", "normalized_shape"):
            value = getattr(module, attr, None)
            if value is not None:
                return tuple(value) if isinstance(value, tuple) else (int(value),)
    raise ValueError("export: cannot tell the model's input size (no Linear or norm layer)")


def run(args):
    from deepgrad.onnx.export import export
    from deepgrad.train.model_file import load

    model = load(args.model)
    source = Path(args.model)
    out = Path(args.out) if args.out else (source if source.is_dir() else source.parent) / \
        "model.onnx"
    dtype = next(iter(model.parameters())).dtype if any(True for _ in model.parameters()) \
        else np.float32
    export(model, np.zeros((1, *_in_features(model)), dtype), out)
    print(f"wrote {out}")
    return 0


def add_commands(sub):
    parser = sub.add_parser("export", help="export a saved model (ONNX)",
                            description="Write a model saved by deepgrad (a run folder or a "
                            ".safetensors file) as an ONNX graph, checked by onnx.checker.")
    parser.add_argument("--model", required=True, help="run folder or model file")
    parser.add_argument("--format", default="onnx", choices=["onnx"])
    parser.add_argument("--out", help="output path (default: model.onnx beside the model)")
    parser.set_defaults(func=run)
