"""fit's divergence guard: a NaN or inf loss stops (or raises), puts back the weights of the last
batch whose loss was finite, and says where in the History."""

import numpy as np
import pytest

from deepgrad import nn, optim, train
from fit_helpers import mlp, small_problem

CE = nn.functional.cross_entropy
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow is the point


class RecordingLoss:
    """A loss that records the weights each batch was computed with, and the loss's value."""

    def __init__(self, model, loss_fn=CE):
        self.model, self.loss_fn, self.calls = model, loss_fn, []

    def __call__(self, out, y):
        loss = self.loss_fn(out, y)
        self.calls.append((self.model.state_dict(), loss.item()))
        return loss


def diverging_fit(on_nonfinite, **kwargs):
    """Regression by SGD with lr=10: the output layer grows geometrically, the loss reaches inf
    in epoch 3 (cross-entropy's logsumexp would stay finite far longer)."""
    X, y = small_problem()
    model = mlp((2, 16, 1), activation="tanh")
    loss = RecordingLoss(model, nn.functional.mse_loss)
    y = y.astype(np.float32).reshape(-1, 1)
    run = lambda: train.fit(model, loss, optim.SGD(model.parameters(), lr=10.0), (X, y),
                            epochs=5, batch_size=32, progress=False, seed=0,
                            on_nonfinite=on_nonfinite, **kwargs)
    return model, loss, run


def test_a_nonfinite_loss_raises_and_keeps_the_last_finite_weights():
    model, loss, run = diverging_fit("raise")
    with pytest.raises(train.NonFiniteLossError, match="smaller learning rate") as info:
        run()
    values = [value for _, value in loss.calls]
    assert not np.isfinite(values[-1]) and np.isfinite(values[:-1]).all()
    last_finite = loss.calls[-2][0]
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, last_finite[key])
    diverged = info.value.history.diverged
    assert (diverged["epoch"] - 1) * 4 + diverged["batch"] == len(values)  # 4 batches an epoch
    assert len(info.value.history) == diverged["epoch"] - 1  # only whole epochs are logged


def test_stop_returns_the_history_and_runs_the_callbacks():
    ends = []

    class End(train.Callback):
        def on_train_end(self, model, history):
            ends.append(history.diverged)

    model, loss, run = diverging_fit("stop", callbacks=[End()])
    history = run()
    assert history.diverged is not None and ends == [history.diverged]
    assert history.to_dict()["diverged"] == history.diverged
    assert all(np.isfinite(v).all() for v in model.state_dict().values())


def test_ignore_trains_on_as_before():
    model, loss, run = diverging_fit("ignore")
    history = run()
    assert len(loss.calls) == 20 and history.diverged is None
    assert not np.isfinite(history["loss"][-1])


class PoisonedSGD(optim.SGD):
    """SGD whose `poison_at`-th step leaves a NaN in the first parameter."""

    def __init__(self, params, poison_at, **kwargs):
        super().__init__(params, **kwargs)
        self.poison_at, self.steps = poison_at, 0

    def step(self):
        super().step()
        self.steps += 1
        if self.steps == self.poison_at:
            self.param_groups[0]["params"][0].data[0, 0] = np.nan


def test_nonfinite_weights_after_the_last_step_are_caught():
    X, y = small_problem()
    model = mlp()
    loss = RecordingLoss(model)
    opt = PoisonedSGD(model.parameters(), poison_at=8, lr=0.1)
    history = train.fit(model, loss, opt, (X, y), epochs=2, batch_size=32, progress=False,
                        on_nonfinite="stop")
    assert history.diverged == {"epoch": 2, "batch": None, "loss": None}
    for key, value in model.state_dict().items():  # the weights the 8th batch was computed with
        np.testing.assert_array_equal(value, loss.calls[-1][0][key])


@pytest.mark.parametrize("bad", ["warn", None, True])
def test_on_nonfinite_is_validated(bad):
    X, y = small_problem()
    model = mlp()
    with pytest.raises(ValueError, match="on_nonfinite must be one of 'raise', 'stop', 'ignore'"):
        train.fit(model, CE, optim.SGD(model.parameters()), (X, y), progress=False,
                  on_nonfinite=bad)
