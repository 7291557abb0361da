"""deepgrad.save / load: identical predictions after a round trip, no pickle, clear errors for
truncated, tampered and mismatched files, atomic writes."""

import pickle

import numpy as np
import pytest
import safetensors.numpy

from deepgrad import nn
from deepgrad.nn.module import Module
from deepgrad.train import load, predict, read_metadata, save

X = np.random.default_rng(0).standard_normal((20, 4)).astype(np.float32)

MODELS = {
    "mlp": lambda: nn.MLP([4, 8, 8, 3], activation="gelu", output_activation="sigmoid"),
    "residual": lambda: nn.MLP([4, 8, 8, 8, 2], skip="residual", init="orthogonal"),
    "dense": lambda: nn.MLP([4, 5, 6, 2], skip="dense", activation="tanh", bias=False),
    "sequential": lambda: nn.Sequential(
        nn.Standardize(4, X.mean(0), X.std(0)), nn.Linear(4, 6), nn.BatchNorm1d(6),
        nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.LayerNorm(6), nn.Residual(nn.Linear(6, 6)),
        nn.Softplus(), nn.Linear(6, 1), nn.Standardize(1, [3.0], [2.0], inverse=True)),
}


@pytest.mark.parametrize("name", MODELS)
def test_save_load_gives_identical_predictions(tmp_path, name):
    model = MODELS[name]()
    if name == "sequential":  # move BatchNorm's running statistics away from their init
        model(X * 3 + 1)
    path = save(model, tmp_path / "model.safetensors")
    loaded = load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    np.testing.assert_array_equal(predict(loaded, X), predict(model, X))
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[key], value)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    save(MODELS["mlp"](), tmp_path / "m.safetensors")

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    load(tmp_path / "m.safetensors")


def test_a_folder_gets_model_safetensors_and_metadata_round_trips(tmp_path):
    save(MODELS["mlp"](), tmp_path, metadata={"task": "classification", "classes": [3, 5]})
    assert (tmp_path / "model.safetensors").exists()
    assert read_metadata(tmp_path) == {"task": "classification", "classes": [3, 5]}
    assert isinstance(load(tmp_path), nn.MLP)


def test_truncated_file_is_a_clear_error(tmp_path):
    path = save(MODELS["mlp"](), tmp_path / "m.safetensors")
    blob = path.read_bytes()
    for cut in (4, 100, len(blob) - 10):
        path.write_bytes(blob[:cut])
        with pytest.raises(ValueError, match="truncated"):
            load(path)


def test_tampered_weights_fail_the_checksum(tmp_path):
    path = save(MODELS["mlp"](), tmp_path / "m.safetensors")
    blob = bytearray(path.read_bytes())
    blob[-3] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(ValueError, match="checksum"):
        load(path)


def test_plain_safetensors_files_are_not_models(tmp_path):
    path = tmp_path / "plain.safetensors"
    path.write_bytes(safetensors.numpy.save({"w": np.ones(3, np.float32)}))
    with pytest.raises(ValueError, match="no deepgrad header"):
        load(path)
    (tmp_path / "junk").write_bytes(b"\xff" * 64)
    with pytest.raises(ValueError, match="not a readable deepgrad model file"):
        load(tmp_path / "junk")


def test_writes_are_atomic(tmp_path):
    path = save(nn.MLP([4, 8, 3]), tmp_path / "m.safetensors")
    before = path.read_bytes()

    class Unsaveable(Module):
        def __init__(self, fn):
            self.w = nn.Parameter(np.ones(2, np.float32))

    with pytest.raises(TypeError, match="cannot be saved"):
        save(Unsaveable(np.sin), path)
    assert path.read_bytes() == before
    save(nn.MLP([4, 2]), path)
    assert isinstance(load(path), nn.MLP) and list(tmp_path.iterdir()) == [path]


class Scaled(Module):
    """A user-defined module: saved by its config, rebuilt by class name."""

    def __init__(self, width, factor=2.0):
        self.inner, self.factor, self.width = nn.Linear(width, width), factor, width

    def forward(self, x):
        return self.inner(x) * self.factor

    def config(self):
        return {"width": self.width, "factor": self.factor}


def test_user_modules_round_trip(tmp_path):
    model = nn.Sequential(Scaled(4, factor=3.0), nn.ReLU())
    loaded = load(save(model, tmp_path / "s.safetensors"))
    assert loaded[0].factor == 3.0
    np.testing.assert_array_equal(predict(loaded, X), predict(model, X))

