"""`deepgrad train` and `deepgrad predict` end to end, through the CLI entry point."""

import json

import numpy as np
import pytest

from deepgrad import cli, nn
from deepgrad.data import load_dataset, save_csv
from deepgrad.train import load, read_metadata


def run(*argv):
    return cli.main([str(a) for a in argv])


def test_train_on_a_dataset_writes_the_run_folder(tmp_path, capsys):
    out = tmp_path / "run"
    assert run("train", "--data", "moons", "--hidden", 16, 16, "--epochs", 5, "--batch-size", 32,
               "--schedule", "cosine", "--out", out, "--no-progress") == 0
    printed = capsys.readouterr().out
    assert "test: loss=" in printed and "accuracy=" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 5 and 0 <= metrics["test"]["accuracy"] <= 1
    assert metrics["settings"]["hidden"] == [16, 16]
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    model = load(out)
    assert model[1].widths == [2, 16, 16, 2]


def test_train_and_predict_on_a_csv(tmp_path, capsys):
    X, y = load_dataset("iris")
    names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    csv = tmp_path / "iris.csv"
    save_csv(csv, X, y + 1, names, target="species")  # labels 1..3, mapped back by predict
    out = tmp_path / "run"
    assert run("train", "--data", csv, "--target", "species", "--hidden", 32, "--epochs", 40,
               "--lr", 0.01, "--optimizer", "adamw", "--patience", 5, "--out", out,
               "--no-progress") == 0
    assert read_metadata(out)["classes"] == [1, 2, 3]
    capsys.readouterr()
    predictions = tmp_path / "p.csv"
    assert run("predict", "--model", out, "--data", csv, "--out", predictions) == 0
    assert "150 rows; accuracy=" in capsys.readouterr().err
    lines = predictions.read_text().split()
    assert lines[0] == "prediction" and len(lines) == 151
    predicted = np.array(lines[1:], dtype=int)
    assert set(predicted) <= {1, 2, 3} and np.mean(predicted == y + 1) > 0.8


def test_regression_and_skip_connections(tmp_path, capsys):
    assert run("train", "--data", "sine", "--hidden", 8, 8, "--skip", "residual",
               "--activation", "tanh", "--epochs", 2, "--out", tmp_path / "r",
               "--no-progress") == 0
    assert "test: loss=" in capsys.readouterr().out
    model = load(tmp_path / "r")
    assert isinstance(model[-1], nn.Standardize) and model[-1].inverse
    assert run("predict", "--model", tmp_path / "r", "--data", "sine") == 0
    assert "mse=" in capsys.readouterr().err


@pytest.mark.parametrize("argv,message", [
    (["--data", "mnist"], "neither a known dataset"),
    (["--data", "{csv}"], "--target"),
    (["--data", "{csv}", "--target", "label"], "no target column 'label'"),
])
def test_bad_input_is_reported(tmp_path, capsys, argv, message):
    csv = tmp_path / "a.csv"
    csv.write_text("a,b\n1,2\n3,4\n")
    argv = [str(a).replace("{csv}", str(csv)) for a in argv]
    assert run("train", *argv, "--epochs", 1, "--out", tmp_path / "x", "--no-progress") == 2
    assert message in capsys.readouterr().err


def test_predict_checks_the_columns(tmp_path, capsys):
    run("train", "--data", "moons", "--epochs", 1, "--out", tmp_path / "m", "--no-progress")
    csv = tmp_path / "wrong.csv"
    csv.write_text("p,q,r\n1,2,3\n")
    assert run("predict", "--model", tmp_path / "m", "--data", csv) == 2
    assert "trained on columns x0, x1; " in capsys.readouterr().err


def test_bad_numbers_are_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run("train", "--data", "moons", "--batch-size", 0)
    assert exit_info.value.code == 2
    assert "--batch-size: must be an integer >= 1, got 0" in capsys.readouterr().err
