"""The playground's session and protocol without a browser: settings bounds, replay by seed, the
exported script, curvature against a dense Hessian, regions against lab geometry, bad messages."""

import json
import runpy

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.lab.represent.geometry import linear_regions
from deepgrad.playground import network
from deepgrad.playground.datasets import BOX, DATASETS, make
from deepgrad.playground.session import Session, parse_points
from deepgrad.playground.settings import MAX_POINTS
from deepgrad.train.model_file import load


def _errors(replies):
    return [r["message"] for r in replies if r["type"] == "error"]


@pytest.mark.parametrize("name", DATASETS)
def test_datasets_lie_in_the_box_and_replay_by_seed(name):
    X, y = make(name, 200, 0.2, np.random.default_rng(3))
    X2, y2 = make(name, 200, 0.2, np.random.default_rng(3))
    assert X.shape == (200, 2) and (X == X2).all() and (y == y2).all()
    assert np.abs(X).max() <= BOX + 1  # spiral noise may step just outside 6
    assert set(np.unique(y)) <= {0.0, 1.0} if name in ("circle", "xor", "gauss", "spiral") else \
        np.abs(y).max() <= 2  # plane: (x1 + x2 + noise) / 10, as TensorFlow Playground


def test_xor_labels_follow_the_quadrants_without_noise():
    X, y = make("xor", 300, 0.0, np.random.default_rng(0))
    assert ((X[:, 0] * X[:, 1] >= 0) == (y == 1)).all() and np.abs(X).min() >= 0.3


@pytest.mark.parametrize("settings, words", [
    ({"learning_rate": 100}, "learning_rate must be between"),
    ({"learning_rate": "fast"}, "learning_rate must be a number"),
    ({"hidden": [4] * 7}, "at most 6 hidden layer widths"),
    ({"hidden": [9]}, "turn on wide layers"),
    ({"hidden": [65], "wide": True}, "between 1 and 64"),
    ({"features": []}, "non-empty list"),
    ({"activation": "swish"}, "activation must be one of"),
    ({"noise": 51}, "noise must be between 0 and 50"),
    ({"train_ratio": 5}, "train_ratio must be between 10 and 90"),
    ({"bogus": 1}, "unknown setting 'bogus'"),
])
def test_out_of_range_settings_are_refused_and_nothing_changes(settings, words):
    session = Session()
    before = dict(session.settings)
    (message,) = _errors(session.handle({"type": "set", "settings": settings}))
    assert words in message and session.settings == before


@pytest.mark.parametrize("message, words", [
    ([1, 2], 'JSON object with a "type"'), ({"type": "launch"}, "unknown message type"),
    ({"type": "show", "what": "regions"}, "on"), ({"type": "export", "kind": "pickle"}, "export"),
    ({"type": "add_point", "x": 7, "y": 0, "label": 1}, "must lie in"),
    ({"type": "add_point", "x": 1, "y": 0, "label": 0.5}, "class label"),
    ({"type": "upload", "text": "x" * 300_000}, "the limit is 200000"),
    ({"type": "upload", "text": "1,2\n"}, "row 1"), ({"type": "upload", "text": "9,0,1\n"}, "[-6, 6]"),
])
def test_malformed_messages_get_an_error_reply(message, words):
    (error,) = _errors(Session().handle(message))
    assert words in error


def test_a_seed_replays_a_run_exactly_and_another_seed_differs():
    runs = []
    for seed in (4, 4, 5):
        session = Session(seed=seed, dataset="spiral", hidden=[6, 6], optimizer="adam",
                          regularization="l2", reg_rate=0.001, batchnorm=True)
        for _ in range(3):
            session.train_epoch()
        runs.append(np.concatenate([p.data.ravel() for p in session.model.parameters()]))
    assert (runs[0] == runs[1]).all() and not np.allclose(runs[0], runs[2])


@pytest.mark.parametrize("settings", [
    {"dataset": "xor", "activation": "relu", "optimizer": "nesterov", "residual": True,
     "hidden": [4, 4], "regularization": "l1", "reg_rate": 0.001},
    {"dataset": "gauss_regression", "features": ["x1", "x2", "sin(x1)"], "optimizer": "adamw",
     "batchnorm": True, "batch_size": 7},
])
def test_the_exported_script_replays_the_session_weights(settings, tmp_path, monkeypatch):
    session = Session(**settings)
    session.handle({"type": "add_point", "x": 1.0, "y": -2.0, "label": 1})
    for _ in range(3):
        session.train_epoch()
    (reply,) = session.handle({"type": "export", "kind": "script"})
    script = tmp_path / reply["filename"]
    script.write_text(reply["text"])
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(script), run_name="__main__")
    replayed = load(tmp_path / "model.safetensors")
    for (name, mine), theirs in zip(session.model.state_dict().items(),
                                    replayed.state_dict().values()):
        np.testing.assert_allclose(theirs, mine, rtol=1e-6, atol=1e-7, err_msg=name)


def test_model_export_round_trips():
    session = Session(dataset="circle", features=["x1", "x2", "x1^2", "x2^2"])
    session.train_epoch()
    (reply,) = session.handle({"type": "export", "kind": "model"})
    assert reply["filename"].endswith(".safetensors") and len(reply["base64"]) > 100


def test_curvature_matches_the_dense_hessian_by_finite_differences():
    """lambda_max from Lanczos on HVPs against numpy's eigvalsh of a central-difference Hessian
    of the same loss in float64."""
    session = Session(dataset="gauss", hidden=[3], activation="tanh", regularization="l2",
                      reg_rate=0.01)
    session.train_epoch()
    X, y = session.train_xy
    slots = network._slots(session.model)
    w0 = np.concatenate([np.asarray(getattr(o, n).data, np.float64).ravel() for o, n in slots])
    shapes = [getattr(o, n).shape for o, n in slots]
    originals = [getattr(o, n) for o, n in slots]

    def loss(w):
        offset = 0
        for (owner, name), shape in zip(slots, shapes):
            size = int(np.prod(shape))
            setattr(owner, name, dg.tensor(w[offset:offset + size].reshape(shape)))
            offset += size
        return float((session.data_loss(session.model, X.astype(np.float64), y)
                      + session.penalty(session.model)).item())

    eps, P = 1e-4, len(w0)
    H = np.zeros((P, P))
    for i in range(P):
        for j in range(P):
            e_i, e_j = np.eye(P)[i] * eps, np.eye(P)[j] * eps
            H[i, j] = (loss(w0 + e_i + e_j) - loss(w0 + e_i - e_j) - loss(w0 - e_i + e_j)
                       + loss(w0 - e_i - e_j)) / (4 * eps**2)
    for (owner, name), value in zip(slots, originals):
        setattr(owner, name, value)
    expected = np.linalg.eigvalsh((H + H.T) / 2)[-1]
    assert session.lambda_max() == pytest.approx(expected, rel=1e-4)


def test_regions_in_a_frame_are_lab_geometry_of_the_same_weights_with_batchnorm_folded():
    session = Session(dataset="xor", activation="relu", hidden=[5, 5], batchnorm=True,
                      residual=True)
    for _ in range(2):
        session.train_epoch()
    session.handle({"type": "show", "what": "regions", "on": True})
    frame = session.frame()
    pieces = network.piecewise_linear(session.model)
    grid = network.grid(30)
    session.model.eval()
    with dg.no_grad():
        np.testing.assert_allclose(pieces(grid.astype(np.float32)).data,
                                   session.model(grid.astype(np.float32)).data, atol=1e-4)
    assert frame["regions"]["count"] == linear_regions(pieces, ((-BOX, BOX), (-BOX, BOX))).count
    tanh = Session(activation="tanh")
    tanh.show_regions = True
    assert "ReLU or linear" in tanh.frame()["regions"]["error"]


def test_points_clicked_and_uploaded_and_the_point_cap():
    session = Session()
    n = len(session.train_xy[0])
    session.handle({"type": "add_point", "x": 0.5, "y": 0.5, "label": 0})
    assert len(session.train_xy[0]) == n + 1
    rows = "x1,x2,label\n" + "".join(f"{i % 5},{-(i % 3)},{i % 2 * 2 - 1}\n" for i in range(40))
    replies = session.handle({"type": "upload", "text": rows})
    assert replies[0]["custom"] and replies[0]["classification"]
    assert len(session.train_xy[0]) + len(session.test_xy[0]) == 40
    X, y, classification = parse_points("0,0,0.5\n1,1,-0.25\n")
    assert not classification and list(y) == [0.5, -0.25]
    too_many = "".join("0,0,1\n" for _ in range(MAX_POINTS + 1))
    assert f"limit is {MAX_POINTS}" in _errors(session.handle({"type": "upload", "text": too_many}))[0]


def test_every_reply_is_json():
    session = Session(activation="relu")
    session.show_regions = session.show_curvature = True
    for message in ({"type": "step"}, {"type": "reset"}, {"type": "regenerate"},
                    {"type": "set", "settings": {"learning_rate": 0.1, "optimizer": "adam"}}):
        for reply in session.handle(message):
            json.dumps(reply)
