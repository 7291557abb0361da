"""cnn_vs_mlp at quick settings: the CNN's lead on MNIST-1D, and its loss on shuffled positions."""

import numpy as np
import torch

from deepgrad.lab.learn import cnn_vs_mlp


def test_models_are_the_papers():
    counts = {m: sum(p.numel() for p in cnn_vs_mlp.make_model(m).parameters())
              for m in cnn_vs_mlp.MODELS}
    assert counts == {"logistic": 410, "mlp": 40 * 100 + 100 + 100 * 100 + 100 + 1010,
                      "cnn": 150 + 1900 + 1900 + 1260}
    x = torch.zeros(2, 1, 40)
    net = torch.nn.Sequential(torch.nn.Conv1d(1, 25, 5, 2, 1), torch.nn.Conv1d(25, 25, 3, 2, 1),
                              torch.nn.Conv1d(25, 25, 3, 2, 1), torch.nn.Flatten())
    assert net(x).shape == (2, 125)


def test_quick_run_reproduces_the_gap_and_its_loss():
    r = cnn_vs_mlp.run(quick=True, with_torch=False)
    default, shuffled = r.mean["default"], r.mean["shuffled"]
    assert default["cnn"] > default["mlp"] + 15
    assert shuffled["cnn"] - shuffled["mlp"] < 5  # the lead is gone (paper: 56 vs 68)
    assert abs(default["mlp"] - shuffled["mlp"]) < 6  # the MLP does not care about positions
    assert 25 < default["logistic"] < 40
    fig = cnn_vs_mlp.plot(r)
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and ax.get_legend()
    assert np.isfinite(r.sd["default"]["cnn"])
