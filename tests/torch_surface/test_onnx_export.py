"""deepgrad.onnx.export: every nn layer, checked by onnx.checker and run by onnxruntime to the
same outputs as deepgrad in eval mode (float32: 1e-5 absolute, 1e-4 relative); and `deepgrad export` on the CLI."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.cli import main

ort = pytest.importorskip("onnxruntime")
from deepgrad.onnx import CONVERTERS, export  # noqa: E402

X = np.random.default_rng(0).normal(size=(7, 6)).astype(np.float32)


def models():
    yield "mlp", nn.MLP([6, 8, 3])
    yield "residual", nn.MLP([6, 8, 8, 8, 3], skip="residual", activation="tanh")
    yield "dense", nn.MLP([6, 5, 4, 3], skip="dense", activation="gelu")
    yield "norms", nn.Sequential(nn.Standardize(6, X.mean(0), X.std(0)), nn.Linear(6, 8),
                                 nn.BatchNorm1d(8), nn.LeakyReLU(0.2), nn.Dropout(0.5),
                                 nn.LayerNorm(8), nn.SiLU(), nn.Linear(8, 4), nn.Softplus(),
                                 nn.Sigmoid(), nn.Standardize(4, np.ones(4), np.full(4, 2.0),
                                                              inverse=True))
    yield "step sign", nn.Sequential(nn.Linear(6, 4), nn.Identity(), nn.Sign(), nn.Linear(4, 4),
                                     nn.Step())
    yield "cnn1d", nn.Sequential(nn.Unflatten(1, (2, 3)), nn.Conv1d(2, 4, 2, padding="same"),
                                 nn.ReLU(), nn.MaxPool1d(2, stride=1), nn.AvgPool1d(2, padding=1),
                                 nn.Conv1d(4, 4, 1, groups=2, bias=False), nn.AdaptiveAvgPool1d(1),
                                 nn.Flatten(), nn.Linear(4, 2))
    yield "cnn2d", nn.Sequential(nn.Unflatten(1, (1, 2, 3)), nn.Conv2d(1, 3, (2, 2), padding=1,
                                                                       dilation=(1, 2)),
                                 nn.MaxPool2d(2, padding=1), nn.AvgPool2d((1, 2)),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten())
    yield "batchnorm options", nn.Sequential(
        nn.Linear(6, 8), nn.BatchNorm1d(8, momentum=None), nn.Unflatten(1, (2, 2, 2)),
        nn.BatchNorm2d(2), nn.BatchNorm2d(2, track_running_stats=False, affine=False),
        nn.Flatten(), nn.Unflatten(1, (2, 4)), nn.BatchNorm1d(2, track_running_stats=False),
        nn.Flatten(), nn.BatchNorm1d(8, track_running_stats=False))
    yield "convnet", nn.Sequential(nn.Standardize(6, X.mean(0), X.std(0)),
                                   nn.ConvNet((1, 6), [3, 4], [3, 3], 2, padding=1))


@pytest.mark.parametrize("name,model", list(models()), ids=[m[0] for m in models()])
def test_onnxruntime_gives_the_same_outputs(name, model, tmp_path):
    model.train()
    model(X * 2 + 1)  # BatchNorm's running statistics move away from (0, 1)
    export(model, X, tmp_path / "m.onnx")
    assert model.training  # export leaves the mode as it found it
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    (out,) = session.run(None, {"input": X[:3]})  # a different batch size: N is symbolic
    model.eval()
    # float32: the batch-statistics norms divide by the std of 3 samples, which amplifies
    # round-off to ~1e-5 on outputs near 0.3 (1.1e-5 seen once in CI), so rtol as well as atol
    np.testing.assert_allclose(out, model(X[:3]).numpy(), rtol=1e-4, atol=1e-5)
    assert out.shape == model(X[:3]).shape


def test_every_layer_in_nn_has_a_converter_or_is_a_loss():
    layers = {cls for cls in vars(nn).values() if isinstance(cls, type) and
              issubclass(cls, nn.Module) and cls is not nn.Module and "Loss" not in cls.__name__
              and cls not in (nn.ModuleDict, nn.ModuleList)}  # containers without forward
    assert layers <= set(CONVERTERS), sorted(c.__name__ for c in layers - set(CONVERTERS))


def test_unknown_modules_and_bad_inputs_are_named(tmp_path):
    class Mine(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="no ONNX converter for Mine"):
        export(nn.Sequential(nn.Linear(6, 2), Mine()), X, tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="example_input must be a floating array"):
        export(nn.Linear(6, 2), np.arange(6), tmp_path / "m.onnx")


def test_cli_exports_a_run_folder(tmp_path, capsys):
    model = nn.MLP([6, 8, 3])
    dg.save(model, tmp_path / "run" / "model.safetensors")
    assert main(["export", "--model", str(tmp_path / "run"), "--format", "onnx"]) == 0
    session = ort.InferenceSession(str(tmp_path / "run" / "model.onnx"))
    np.testing.assert_allclose(session.run(None, {"input": X})[0], model(X).numpy(), atol=1e-5)
    assert main(["export", "--model", str(tmp_path / "missing")]) == 2
    assert "error" in capsys.readouterr().err
