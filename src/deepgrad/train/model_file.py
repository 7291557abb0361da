"""Model files: `save(module, path)` and `load(path)`, never pickle.

One safetensors file: the weights (state_dict) as tensors and, in its JSON header, the architecture
(each module's class name and `config()`, nested), optional user metadata and a SHA-256 over all of
them, so changing a byte of the header ("relu" to "tanh") or of the weights is caught. Loading
parses JSON and arrays only, so a file from a stranger cannot run code, and checks in this order,
each failure a ModelFileError: the header's size and JSON; the architecture against the schema of
`model_schema.py` (types, ranges, nesting; one entry there per architecture, see its docstring),
giving the parameter shapes it implies; those shapes against the tensors the file lists; only then
the weights are read and the checksum verified, and the module is built. So a small file that names
a huge architecture is refused before anything is allocated. Writes are atomic (train/atomic.py).
"""

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError

import deepgrad.nn  # noqa: F401  (registers deepgrad's Module classes)
from deepgrad.nn.module import REGISTRY, Module, registry_name
from deepgrad.train.atomic import write_bytes
from deepgrad.train.model_schema import UNKNOWN, ModelFileError, check_metadata, module_shapes

FORMAT = "deepgrad-model"
VERSION = "2"  # 2: the checksum covers the header too
DEFAULT_NAME = "model.safetensors"
MAX_HEADER_BYTES = 16 * 2**20

__all__ = ["ModelFileError", "build", "describe", "load", "read_metadata", "save"]


def describe(module):
    """{"module": class name, "config": config with submodules described the same way}."""
    return {"module": registry_name(type(module)), "config": _encode(module.config())}


def build(description):
    """The Module that `describe` described, with freshly initialised weights."""
    name = description.get("module") if isinstance(description, dict) else None
    if name not in REGISTRY:
        raise ModelFileError(f"model file names an unknown module class {name!r}; known: "
                             f"{', '.join(sorted(REGISTRY))} (import the code defining it first)")
    try:
        return REGISTRY[name].from_config(_decode(description["config"]))
    except (TypeError, KeyError, ValueError, RecursionError) as error:
        raise ModelFileError(f"model file: cannot build {name} from its config ({error})") \
            from None


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


def _digest(architecture, metadata, tensors):
    """SHA-256 over the header's texts and every tensor's name, dtype, shape and bytes."""
    h = hashlib.sha256(json.dumps([FORMAT, VERSION, architecture, metadata]).encode())
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
    tensors = {key: np.ascontiguousarray(value).reshape(np.shape(value))  # keeps 0-d
               for key, value in module.state_dict().items()}
    architecture, metadata = json.dumps(describe(module)), json.dumps(metadata or {})
    header = {"format": FORMAT, "version": VERSION, "architecture": architecture,
              "metadata": metadata, "sha256": _digest(architecture, metadata, tensors)}
    blob = safetensors.numpy.save(tensors, metadata=header)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, blob)
    return path


def _json(text, broken, what):
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError) as error:
        raise ModelFileError(f"{broken} ({what} is not valid JSON: {str(error)[:200]})") from None


def _read(path):
    """(architecture, metadata, tensors) of a deepgrad model file, checked as the module
    docstring says, or a ModelFileError."""
    path = _path(path)
    blob = path.read_bytes()
    broken = f"{path}: not a readable deepgrad model file"
    if len(blob) < 8:
        raise ModelFileError(f"{broken} (only {len(blob)} bytes: truncated)")
    (size,) = struct.unpack("<Q", blob[:8])
    if size > MAX_HEADER_BYTES:
        raise ModelFileError(f"{broken} (a header of {size} bytes; at most {MAX_HEADER_BYTES})")
    if 8 + size > len(blob):
        raise ModelFileError(f"{broken} (the header says {size} bytes, the file is shorter: "
                             "truncated)")
    header = _json(blob[8:8 + size], broken, "its header")
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{broken} (no deepgrad header; was it written by deepgrad.save?)")
    if meta.get("version") != VERSION:
        raise ModelFileError(f"{broken} (format version {meta.get('version')!r:.20}, this "
                             f"deepgrad reads {VERSION!r}; save the model again)")
    texts = [meta.get(key) for key in ("architecture", "metadata")]
    if not all(isinstance(text, str) for text in texts):
        raise ModelFileError(f"{broken} (the header lacks its architecture or metadata text)")
    architecture = _json(texts[0], broken, "the architecture")
    metadata = check_metadata(_json(texts[1], broken, "the metadata"))
    expected = module_shapes(architecture)
    if expected is not UNKNOWN:
        _check_shapes(expected, header, path)
    try:
        tensors = safetensors.numpy.load(blob)
    except SafetensorError as error:
        raise ModelFileError(f"{broken} (corrupt or truncated weights: {error})") from None
    if _digest(*texts, tensors) != meta.get("sha256"):
        raise ModelFileError(f"{broken} (the header or the weights do not match their checksum: "
                             "the file was modified or damaged)")
    return architecture, metadata, tensors


def _check_shapes(expected, header, path):
    """Compare the architecture's {key: shape} with the tensors listed in the file's header."""
    listed = {}
    for key, entry in header.items():
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if key != "__metadata__":
            if not isinstance(shape, list) or not all(
                    isinstance(d, int) and not isinstance(d, bool) for d in shape):
                raise ModelFileError(f"{path}: tensor {key!r:.60} has no valid shape")
            listed[key] = tuple(shape)
    problems = [f"{key}: expected shape {shape}, got {listed[key]}"
                for key, shape in expected.items() if key in listed and listed[key] != shape]
    missing = [key for key in expected if key not in listed]
    unexpected = [key for key in listed if key not in expected]
    if missing:
        problems.append("missing keys: " + ", ".join(missing[:10]))
    if unexpected:
        problems.append("unexpected keys: " + ", ".join(unexpected[:10]))
    if problems:
        raise ModelFileError(f"{path}: the weights do not fit the architecture in the header: "
                             + "; ".join(problems[:10]))


def load(path):
    """Rebuild the module saved at `path` and load its weights (strictly: a file whose weights
    do not fit its architecture is an error naming the keys). Nothing half-loaded is returned."""
    architecture, _, tensors = _read(path)
    module = build(architecture)
    try:
        module.load_state_dict(tensors)
    except ValueError as error:
        raise ModelFileError(f"{_path(path)}: {error}") from None
    return module


def read_metadata(path):
    """The `metadata` dict given to `save`."""
    return _read(path)[1]


def nonfinite_weights(module):
    """The state_dict keys of `module` whose arrays hold NaN or inf."""
    return [key for key, value in module.state_dict().items()
            if value.dtype.kind == "f" and not np.isfinite(value).all()]
