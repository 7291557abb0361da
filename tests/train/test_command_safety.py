"""`deepgrad train` and `predict` keep runs safe: a diverged run saves nothing, run folders are
locked and never silently overwritten, SIGTERM and a second Ctrl-C leave a complete folder."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import deepgrad
from deepgrad import cli, nn
from deepgrad.train import command, load, save
from deepgrad.train.run_folder import RunFolder

QUICK = ["--data", "moons", "--hidden", "8", "--epochs", "2", "--no-progress"]


def run(*argv):
    return cli.main([str(a) for a in argv])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_a_diverged_run_exits_nonzero_and_saves_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert run("train", *QUICK, "--optimizer", "sgd", "--lr", 1e8, "--out", out) == 1
    err = capsys.readouterr().err
    assert "training diverged: the loss became nan at epoch 1" in err
    assert "Try a smaller learning rate, e.g. --lr 1e+07" in err
    assert not out.exists()  # no model file, NaN or otherwise


def test_predict_refuses_nonfinite_weights(tmp_path, capsys):
    model = nn.MLP([2, 4, 2])
    model.layers[0].weight.data[1, 0] = np.nan
    save(model, tmp_path / "m.safetensors", metadata={"classes": [0, 1]})
    assert run("predict", "--model", tmp_path / "m.safetensors", "--data", "moons") == 2
    assert "weights hold NaN or inf (layers.0.weight)" in capsys.readouterr().err


@pytest.mark.parametrize("flag,value", [("--val-size", 1.0), ("--val-size", -0.1),
                                        ("--test-size", 1.0), ("--test-size", 0.0)])
def test_fractions_are_checked_by_flag(flag, value):
    args = cli.build_parser().parse_args(["train", *QUICK, flag, str(value)])
    with pytest.raises(ValueError, match=f"{flag} must be a fraction"):
        command.train_command(args)


def test_csv_errors_reach_the_user_naming_the_column(tmp_path, capsys):
    path = tmp_path / "dup.csv"
    path.write_text("a,a,label\n1,2,0\n3,4,1\n")
    assert run("train", "--data", path, "--target", "label", "--out", tmp_path / "r") == 2
    assert "duplicate column name(s) 'a'" in capsys.readouterr().err


def test_an_earlier_run_is_refused_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    assert run("train", *QUICK, "--out", out) == 0
    first = (out / "model.safetensors").read_bytes()
    assert run("train", *QUICK, "--seed", 1, "--out", out) == 2
    assert "already holds a finished run" in capsys.readouterr().err
    assert (out / "model.safetensors").read_bytes() == first
    assert run("train", *QUICK, "--seed", 1, "--out", out, "--overwrite") == 0
    assert (out / "model.safetensors").read_bytes() != first
    assert json.loads((out / "metrics.json").read_text())["settings"]["seed"] == 1
    assert sorted(p.name for p in out.iterdir()) == [
        "learning_curve.png", "metrics.json", "model.safetensors"]  # no lock, no temporaries


def test_a_folder_in_use_is_refused_and_a_stale_lock_recovered(tmp_path, capsys):
    out = tmp_path / "run"
    with RunFolder(out):
        assert run("train", *QUICK, "--out", out) == 2
        assert f"in use by another deepgrad run (pid {os.getpid()})" in capsys.readouterr().err
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out.mkdir()
    (out / ".lock").write_text(f"{dead.pid}\n")  # left by a run that was killed
    assert run("train", *QUICK, "--out", out) == 0
    assert f"took over the stale lock of run pid {dead.pid}" in capsys.readouterr().out
    assert load(out) is not None and not (out / ".lock").exists()


def test_ctrl_c_during_the_save_waits_for_a_complete_folder(tmp_path, monkeypatch, capsys):
    real_plot = command.plot_history

    def plot_and_press_ctrl_c_twice(history):
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)
        return real_plot(history)

    monkeypatch.setattr(command, "plot_history", plot_and_press_ctrl_c_twice)
    out = tmp_path / "run"
    assert run("train", *QUICK, "--out", out) == 130
    assert "SIGINT arrived while saving; the run was saved in full" in capsys.readouterr().err
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 2
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert isinstance(load(out)[1], nn.MLP)


def test_sigterm_finishes_the_step_saves_and_marks_the_run_interrupted(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(Path(deepgrad.__file__).parents[1]),
           "OPENBLAS_NUM_THREADS": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "deepgrad", "train", *QUICK[:-3], "--epochs", "100000",
         "--no-progress", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert "parameters" in process.stdout.readline()  # printed just before training
        time.sleep(1.0)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "(interrupted)" in stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["interrupted"] and 0 < metrics["epochs"] < 100000
    assert load(out) is not None and not (out / ".lock").exists()
