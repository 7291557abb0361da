"""The model file's header: covered by the checksum, checked against the schema table before
anything is built, and every malformed header refused with ModelFileError naming the field."""

import json
import struct
import tracemalloc
from collections import OrderedDict

import numpy as np
import pytest

from deepgrad import nn
from deepgrad.nn.module import REGISTRY
from deepgrad.train import ModelFileError, load, read_metadata, save
from deepgrad.train.model_file import _digest, describe
from deepgrad.train.model_schema import ARCHITECTURES, module_shapes

META = {"task": "classification", "classes": [3, 5, 7], "features": ["a", "b", "c", "d"],
        "target": "label"}


def rewrite_header(path, change, rehash=True):
    """Edit the deepgrad header of a model file; rehash=True recomputes the checksum too, as
    anyone can, so the later checks are reached."""
    blob = path.read_bytes()
    (size,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + size])
    meta = header["__metadata__"]
    change(meta)
    if rehash:
        from safetensors.numpy import load as load_tensors
        meta["sha256"] = _digest(meta["architecture"], meta["metadata"], load_tensors(blob))
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + blob[8 + size:])
    return path


@pytest.fixture
def model_path(tmp_path):
    return save(nn.MLP([4, 8, 3]), tmp_path / "m.safetensors", metadata=META)


@pytest.mark.parametrize("old,new", [('"relu"', '"tanh"'), ('"he"', '"xavier"'),
                                     ("[3, 5, 7]", "[3, 7, 5]"), ('"a"', '"z"'),
                                     ('"label"', '"other"')])
def test_editing_the_header_fails_the_checksum(model_path, old, new):
    def edit(meta):
        key = "architecture" if old in meta["architecture"] else "metadata"
        assert old in meta[key]
        meta[key] = meta[key].replace(old, new)

    rewrite_header(model_path, edit, rehash=False)
    with pytest.raises(ModelFileError, match="do not match their checksum"):
        load(model_path)
    with pytest.raises(ModelFileError, match="checksum"):
        read_metadata(model_path)


def test_a_small_file_naming_a_huge_mlp_is_refused_before_allocating(model_path):
    huge = {"module": "MLP", "config": {**nn.MLP([4, 8, 3]).config(),
                                        "widths": [6000, 6000, 6000]}}
    rewrite_header(model_path, lambda meta: meta.update(architecture=json.dumps(huge)))
    assert model_path.stat().st_size < 1500  # the 1.2 KB file
    tracemalloc.start()
    with pytest.raises(ModelFileError, match=r"layers.0.weight: expected shape \(6000, 6000\), "
                                             r"got \(8, 4\)"):
        load(model_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2**20  # building it would allocate 6000 * 6000 * 4 * 2 bytes = 275 MiB


def test_a_file_for_another_architecture_names_the_mismatched_keys(model_path):
    other = describe(nn.MLP([4, 16, 3]))
    rewrite_header(model_path, lambda meta: meta.update(architecture=json.dumps(other)))
    with pytest.raises(ModelFileError,
                       match=r"layers.0.weight: expected shape \(16, 4\), got \(8, 4\)"):
        load(model_path)
    deeper = describe(nn.MLP([4, 8, 8, 3]))
    rewrite_header(model_path, lambda meta: meta.update(architecture=json.dumps(deeper)))
    with pytest.raises(ModelFileError, match="missing keys: layers.4.weight, layers.4.bias"):
        load(model_path)


def mlp_config(**change):
    return json.dumps({"module": "MLP", "config": {**nn.MLP([4, 8, 3]).config(), **change}})


def nested(depth):
    description = describe(nn.MLP([4, 8, 3]))
    for _ in range(depth):
        description = {"module": "Sequential", "config": {"layers": [description], "names": ["0"]}}
    return json.dumps(description)


@pytest.mark.parametrize("architecture,message", [
    ("[" * 100_000 + "]" * 100_000, "architecture is not valid JSON"),
    (nested(40), "nests modules deeper than 32"),
    ('"MLP"', "architecture must be an object with keys 'module' and 'config'"),
    (json.dumps({"module": "os.system", "config": {}}), "unknown module class 'os.system'"),
    (json.dumps({"module": 5, "config": {}}), "unknown module class 5"),
    (json.dumps({"module": "MLP", "config": [4, 8, 3]}), "config must be an object"),
    (mlp_config(evil=1), "config of MLP must have the fields widths, .*got .*evil"),
    (mlp_config(widths="4,8,3"), r"config.widths must be a list of at least 2 items"),
    (mlp_config(widths=[4, True, 3]), r"config.widths\[1\] must be an integer, got bool"),
    (mlp_config(widths=[4, 8.0, 3]), r"config.widths\[1\] must be an integer, got float"),
    (mlp_config(widths=[4, 10**30, 3]), r"config.widths\[1\] must be an integer in \[1, "),
    (mlp_config(widths=[4, -8, 3]), r"config.widths\[1\] must be an integer in \[1, "),
    (mlp_config(widths=[4, 1e400, 3]), r"config.widths\[1\] must be an integer, got float inf"),
    ('{"module": "MLP", "config": {"widths": [4, 1' + "0" * 5000 + ', 3]}}',
     "architecture is not valid JSON"),
    (mlp_config(activation="os.system"), "config.activation must be one of 'relu'"),
    (mlp_config(bias="yes"), "config.bias must be one of True, False"),
    (mlp_config(skip=1), "config.skip must be one of None, 'residual', 'dense'"),
    (json.dumps({"module": "Sequential", "config": {"layers": [
        {"module": "BatchNorm1d", "config": {"num_features": 4, "eps": float("nan"),
                                             "momentum": 0.1, "affine": True}}], "names": ["0"]}}),
     r"layers\[0\].config.eps must be a finite number"),
])
def test_malformed_architectures_are_refused(model_path, architecture, message):
    rewrite_header(model_path, lambda meta: meta.update(architecture=architecture))
    with pytest.raises(ModelFileError, match=message):
        load(model_path)


@pytest.mark.parametrize("metadata,message", [
    ("[1, 2]", "metadata must be an object, got list"),
    ('{"classes": "abc"}', "metadata.classes must be a list"),
    ('{"classes": [1, [2]]}', r"metadata.classes\[1\] must be a number, got list"),
    ('{"features": [1, 2]}', r"metadata.features\[0\] must be a string, got int"),
    ('{"task": "clustering"}', "metadata.task must be one of 'classification'"),
    ('{"target": {"a": 1}}', "metadata.target must be a string"),
    ("{" * 50_000, "metadata is not valid JSON"),
])
def test_malformed_metadata_is_refused(model_path, metadata, message):
    rewrite_header(model_path, lambda meta: meta.update(metadata=metadata))
    for read in (load, read_metadata):
        with pytest.raises(ModelFileError, match=message):
            read(model_path)


@pytest.mark.parametrize("change,message", [
    (lambda meta: meta.update(version="1"), "format version '1', this deepgrad reads '2'"),
    (lambda meta: meta.pop("architecture"), "lacks its architecture"),
    (lambda meta: meta.update(format="other"), "no deepgrad header"),
])
def test_malformed_deepgrad_headers_are_refused(model_path, change, message):
    rewrite_header(model_path, change, rehash=False)
    with pytest.raises(ModelFileError, match=message):
        load(model_path)


def test_a_huge_safetensors_header_is_refused(tmp_path):
    path = tmp_path / "big.safetensors"
    path.write_bytes(struct.pack("<Q", 2**40) + b"{}")
    with pytest.raises(ModelFileError, match="a header of 1099511627776 bytes"):
        load(path)


X = np.zeros((3, 4), np.float32)
EXAMPLES = [  # at least one per ARCHITECTURES entry, with each option that changes the keys
    nn.Linear(4, 3), nn.Linear(4, 3, bias=False),
    nn.MLP([4, 3]), nn.MLP([4, 8, 8, 3], bias=False, output_activation="softplus"),
    nn.MLP([4, 4, 4, 6, 6, 2], skip="residual"), nn.MLP([4, 5, 6, 2], skip="dense"),
    nn.MLP([4, 2], skip="dense"), nn.DenseBlock(4, [3, 2], bias=False),
    nn.Sequential(nn.Standardize(4), nn.Residual(nn.Sequential(nn.Linear(4, 4), nn.Tanh())),
                  nn.BatchNorm1d(4), nn.BatchNorm1d(4, affine=False), nn.LayerNorm([4]),
                  nn.LayerNorm(4, elementwise_affine=False), nn.Dropout(0.2),
                  nn.LeakyReLU(0.1), *[cls() for cls in (nn.ReLU, nn.Sigmoid, nn.Softplus,
                                                         nn.GELU, nn.SiLU, nn.Identity,
                                                         nn.Step, nn.Sign)]),
    nn.Sequential(OrderedDict(scale=nn.Standardize(4), head=nn.Linear(4, 2))),
    nn.ModuleList([nn.Linear(4, 3), nn.ReLU()]), nn.ModuleDict({"a": nn.Linear(4, 3)}),
    nn.Sequential(nn.Unflatten(1, (2, 6)), nn.Conv1d(2, 4, 3, padding="same"),
                  nn.MaxPool1d(2), nn.AvgPool1d(3, stride=1, padding=1), nn.AdaptiveAvgPool1d(2),
                  nn.Flatten(), nn.Linear(8, 2)),
    nn.Sequential(nn.Unflatten(1, (2, 4, 4)), nn.Conv2d(2, 4, (3, 2), stride=(1, 2), groups=2,
                                                         bias=False, init="he"),
                  nn.MaxPool2d(2), nn.AvgPool2d((1, 1)), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten()),
    nn.ConvNet((1, 40), [5, 5], [5, 3], 10, padding=1), nn.ConvNet((1, 8, 8), [3], 3, 4),
    nn.Sequential(nn.Unflatten(1, (1, 2, 2)), nn.BatchNorm2d(1, momentum=None),
                  nn.BatchNorm2d(1, track_running_stats=False), nn.Flatten(),
                  nn.BatchNorm1d(4, momentum=None, track_running_stats=False, affine=False)),
]


@pytest.mark.parametrize("model", EXAMPLES, ids=lambda m: type(m).__name__)
def test_the_schema_gives_the_shapes_the_module_has(model, tmp_path):
    expected = {key: value.shape for key, value in model.state_dict().items()}
    assert module_shapes(describe(model)) == expected
    load(save(model, tmp_path / "m.safetensors"))  # and the file passes every check


def test_every_saveable_nn_module_has_a_schema_entry():
    named = {type(m).__name__ for example in EXAMPLES for _, m in example.named_modules()}
    # loss modules are no part of an architecture: saved, they are checked once built
    classes = {name for name, cls in REGISTRY.items() if cls.__module__.startswith("deepgrad.nn")
               and cls.__module__ != "deepgrad.nn.loss" and not name.startswith("_")}
    assert classes - set(ARCHITECTURES) == set(), "add an entry to model_schema.ARCHITECTURES"
    assert set(ARCHITECTURES) - named == set(), "add an example of it to EXAMPLES"


def test_user_modules_without_an_entry_are_checked_once_built(tmp_path):
    from test_model_file import Scaled
    path = save(nn.Sequential(Scaled(4)), tmp_path / "s.safetensors")
    rewrite_header(path, lambda meta: meta.update(
        architecture=meta["architecture"].replace('"width": 4', '"width": 5')))
    with pytest.raises(ModelFileError, match=r"inner.weight: expected shape \(5, 5\), got"):
        load(path)
