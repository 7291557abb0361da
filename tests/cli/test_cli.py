"""The deepgrad command's dispatcher: every sub-command is registered and errors are clean."""

import subprocess
import sys

import pytest

from deepgrad.cli import build_parser, main


def test_every_subcommand_is_registered():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"train", "predict", "lab", "report"} <= set(sub.choices)


def test_missing_subcommand_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as e:
        main([])
    assert e.value.code == 2
    assert "usage: deepgrad" in capsys.readouterr().err


def test_lab_list_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "deepgrad", "lab", "list"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "sawtooth" in out.stdout


def test_unknown_dataset_is_a_clean_error(capsys):
    code = main(["train", "--data", "no-such-data", "--epochs", "1"])
    assert code != 0
    err = capsys.readouterr().err
    assert "no-such-data" in err and "digits" in err
