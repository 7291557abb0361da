"""`deepgrad train --arch cnn` end to end: digits as 1x8x8 images, saved, served by predict."""

import numpy as np

from deepgrad import cli, nn
from deepgrad.data import load_dataset
from deepgrad.train import load


def test_train_cnn_on_digits_and_predict(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "--data", "digits", "--arch", "cnn", "--channels", "8", "16",
                     "--kernel", "3", "--lr", "1e-2", "--epochs", "3", "--out", str(out),
                     "--no-progress"]) == 0
    assert "CNN channels [8, 16]" in capsys.readouterr().out
    model = load(out)
    convnet = model[1]
    assert isinstance(convnet, nn.ConvNet) and isinstance(convnet.convs[0], nn.Conv2d)
    assert convnet.convs[0].weight.shape == (8, 1, 3, 3)
    assert cli.main(["predict", "--model", str(out), "--data", "digits",
                     "--out", str(tmp_path / "p.csv")]) == 0
    accuracy = float(capsys.readouterr().err.split("accuracy=")[1])
    assert accuracy > 0.85  # 3 epochs of a small CNN on 8x8 digits
    predictions = np.loadtxt(tmp_path / "p.csv", skiprows=1)
    assert len(predictions) == len(load_dataset("digits")[1])
