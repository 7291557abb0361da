"""Model files: `save(module, path)` and `load(path)`, never pickle.

One safetensors file: the weights (state_dict) as tensors, and in its JSON header the architecture
(each module's class name and `config()`, nested), a SHA-256 of the weights and optional user
metadata. Loading parses JSON and arrays only, so a file from a stranger cannot run code; it
rebuilds the registered Module classes from their configs and loads the weights strictly. Writes go
to a temporary file that is renamed into place, so a crash never leaves half a file.
"""

import hashlib
import json
import os
import struct
from pathlib import Path

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError

import deepgrad.nn  # noqa: F401  (registers deepgrad's Module classes)
from deepgrad.nn.module import REGISTRY, Module, registry_name

FORMAT = "deepgrad-model"
VERSION = "1"
DEFAULT_NAME = "model.safetensors"


def describe(module):
    """{"module": class name, "config": config with submodules described the same way}."""
    return {"module": registry_name(type(module)), "config": _encode(module.config())}


def build(description):
    """The Module that `describe` described, with freshly initialised weights."""
    name = description.get("module") if isinstance(description, dict) else None
    if name not in REGISTRY:
        raise ValueError(f"model file names an unknown module class {name!r}; known: "
                         f"{', '.join(sorted(REGISTRY))} (import the code defining it first)")
    try:
        return REGISTRY[name].from_config(_decode(description["config"]))
    except (TypeError, KeyError) as error:
        raise ValueError(f"model file: cannot build {name} from its config ({error})") from None


def _encode(value):
    if isinstance(value, Module):
        return describe(value)
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    return value


def _decode(value):
    if isinstance(value, dict) and set(value) == {"module", "config"}:
        return build(value)
    if isinstance(value, dict):
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _digest(tensors):
    h = hashlib.sha256()
    for key in sorted(tensors):
        array = np.ascontiguousarray(tensors[key])
        h.update(f"{key}:{array.dtype.str}:{array.shape};".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def _path(path):
    path = Path(path)
    return path / DEFAULT_NAME if path.is_dir() else path


def save(module, path, metadata=None):
    """Write `module` to `path` (a file; a directory gets model.safetensors inside). `metadata`:
    an optional JSON-able dict stored alongside (read it back with `read_metadata`). A fitted
    deepgrad.sklearn estimator is saved as its network (`module_`)."""
    module = getattr(module, "module_", module)
    path = _path(path)
    tensors = {key: np.ascontiguousarray(value) for key, value in module.state_dict().items()}
    header = {"format": FORMAT, "version": VERSION,
              "architecture": json.dumps(describe(module)), "sha256": _digest(tensors),
              "metadata": json.dumps(metadata or {})}
    blob = safetensors.numpy.save(tensors, metadata=header)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _read(path):
    """(header metadata, tensors) of a deepgrad model file, or a clear ValueError."""
    path = _path(path)
    blob = path.read_bytes()
    broken = f"{path}: not a readable deepgrad model file"
    if len(blob) < 8:
        raise ValueError(f"{broken} (only {len(blob)} bytes: truncated)")
    (size,) = struct.unpack("<Q", blob[:8])
    if 8 + size > len(blob):
        raise ValueError(f"{broken} (the header says {size} bytes, the file is shorter: "
                         "truncated)")
    try:
        meta = json.loads(blob[8:8 + size]).get("__metadata__") or {}
    except (ValueError, AttributeError) as error:
        raise ValueError(f"{broken} (its header is not valid JSON: {error})") from None
    if meta.get("format") != FORMAT:
        raise ValueError(f"{broken} (no deepgrad header; was it written by deepgrad.save?)")
    if meta.get("version") != VERSION:
        raise ValueError(f"{broken} (format version {meta.get('version')!r}, this deepgrad "
                         f"reads {VERSION!r})")
    try:
        tensors = safetensors.numpy.load(blob)
    except SafetensorError as error:
        raise ValueError(f"{broken} (corrupt or truncated weights: {error})") from None
    if _digest(tensors) != meta.get("sha256"):
        raise ValueError(f"{broken} (the weights do not match their checksum: the file was "
                         "modified or damaged)")
    return meta, tensors


def load(path):
    """Rebuild the module saved at `path` and load its weights (strictly: a file whose weights
    do not fit its architecture is an error naming the keys). Nothing half-loaded is returned."""
    meta, tensors = _read(path)
    try:
        description = json.loads(meta["architecture"])
    except (KeyError, ValueError) as error:
        raise ValueError(f"{path}: the architecture in the header is unreadable ({error})") \
            from None
    module = build(description)
    module.load_state_dict(tensors)
    return module


def read_metadata(path):
    """The `metadata` dict given to `save`."""
    return json.loads(_read(path)[0].get("metadata", "{}"))
