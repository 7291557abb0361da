"""`deepgrad.save` / `deepgrad.load` as torch.save / torch.load are used: a whole Module, or a
state_dict (any {name: array or tensor}), to one safetensors file; never pickle.

save(module, path) writes a model file (train/model_file.py: architecture + weights). save(dict,
path) writes the arrays as a plain safetensors file, whatever the file's name ("model.pth"
too). load(path) returns a Module for a model file and a {name: Tensor} dict for any other
safetensors file, including one written by torch's safetensors; a pickled torch file is refused.
"""

import json
import struct
from pathlib import Path

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError

from deepgrad.engine.tensor import Tensor
from deepgrad.nn.module import Module, as_array
from deepgrad.train import model_file
from deepgrad.train.atomic import write_bytes


def save(obj, path, metadata=None):
    """Write a Module (as a model file; a fitted deepgrad.sklearn estimator writes its network)
    or a {name: array} state_dict to `path`, atomically."""
    obj = getattr(obj, "module_", obj)
    if isinstance(obj, Module):
        return model_file.save(obj, path, metadata)
    if not isinstance(obj, dict) or not all(isinstance(k, str) for k in obj):
        raise TypeError(f"save: expected a Module or a {{name: tensor}} state_dict, got "
                        f"{type(obj).__name__} (deepgrad never pickles arbitrary objects)")
    arrays = {key: np.ascontiguousarray(as_array(v)).reshape(np.shape(as_array(v)))
              for key, v in obj.items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, safetensors.numpy.save(arrays, metadata={"format": "deepgrad-state"}))
    return path


def load(path, weights_only=True, map_location=None):
    """A Module (model files) or a {name: Tensor} state_dict (other safetensors files).
    weights_only and map_location are accepted for torch's signature (nothing else is read)."""
    path = Path(path)
    blob = path.read_bytes()
    # safetensors: an 8-byte length, then JSON; its first byte is \x80 for a 128-byte header
    if blob[8:9] != b"{" and (blob[:2] == b"PK" or blob[:1] == b"\x80"):
        raise ValueError(f"{path}: a pickled torch file; deepgrad never unpickles (write it "
                         "with safetensors.torch.save_file(model.state_dict(), path) instead)")
    try:
        (size,) = struct.unpack("<Q", blob[:8])
        meta = json.loads(blob[8:8 + size]).get("__metadata__") or {}
    except (struct.error, ValueError, AttributeError):
        raise ValueError(f"{path}: not a safetensors file") from None
    if meta.get("format") == model_file.FORMAT:
        return model_file.load(path)
    try:
        arrays = safetensors.numpy.load(blob)
    except SafetensorError as error:
        raise ValueError(f"{path}: corrupt safetensors file ({error})") from None
    return {key: Tensor(value) for key, value in arrays.items()}
