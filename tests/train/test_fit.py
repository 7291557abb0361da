"""fit / evaluate / predict: learning digits, History, schedulers, early stopping, Ctrl-C, seeds
and bad input."""

import signal

import numpy as np
import pytest
from fit_helpers import digits_split, mlp, same_weights, small_problem

import deepgrad as dg
from deepgrad import nn, optim, train
from deepgrad.data import DataLoader, load_dataset
from deepgrad.optim import lr_scheduler

CE = nn.functional.cross_entropy


def test_mlp_reaches_97_percent_on_digits_in_30_epochs():
    X_train, X_test, y_train, y_test = digits_split()
    model = nn.MLP([64, 128, 128, 10], generator=0)
    history = train.fit(model, CE, optim.Adam(model.parameters(), lr=1e-3), (X_train, y_train),
                        val=(X_test, y_test), epochs=30, batch_size=64, progress=False, seed=0)
    accuracy = train.accuracy(train.predict(model, X_test), y_test)
    assert accuracy >= 0.97
    assert history["val_accuracy"][-1] == pytest.approx(accuracy)
    assert history["loss"][-1] < history["loss"][0] / 10


def test_history_records_every_epoch():
    X, y = small_problem()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    history = train.fit(model, CE, opt, (X, y), val=(X, y), epochs=6, batch_size=32,
                        scheduler=lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
                        progress=False)
    assert len(history) == 6 and history["epoch"] == [1, 2, 3, 4, 5, 6]
    assert set(history.history) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                                    "lr", "time"}
    assert history["lr"] == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    assert not history.interrupted and not history.stopped_early
    final = train.evaluate(model, CE, (X, y))
    assert history["val_loss"][-1] == pytest.approx(final["loss"])
    assert history.to_dict()["epochs"] == 6


def test_per_batch_scheduler_is_stepped_every_batch():
    X, y = small_problem(n=100)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, epochs=3, steps_per_epoch=4)
    train.fit(model, CE, opt, (X, y), epochs=3, batch_size=25, scheduler=sched, progress=False)
    assert sched.last_epoch == 12  # 3 epochs x 4 batches


def test_reduce_on_plateau_gets_the_validation_loss():
    X, y = small_problem()
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    # only the first epoch counts as an improvement
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, threshold=10.0, threshold_mode="abs")
    history = train.fit(model, CE, opt, (X, y), val=(X, y), epochs=3, scheduler=sched,
                        progress=False)
    assert sched.best == pytest.approx(history["val_loss"][0])
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.01])


def test_early_stopping_stops_and_restores_the_best_weights():
    X, y = small_problem()
    model = mlp()
    stopper = train.EarlyStopping(patience=2, min_delta=1e9)  # nothing after epoch 1 counts
    history = train.fit(model, CE, optim.Adam(model.parameters(), lr=0.05), (X, y),
                        val=(X, y), epochs=20, callbacks=[stopper], progress=False)
    assert len(history) == 3 and history.stopped_early and history.best_epoch == 1
    assert train.evaluate(model, CE, (X, y))["loss"] == pytest.approx(history["val_loss"][0])


def test_early_stopping_keeps_the_minimum_of_the_validation_loss():
    X_train, X_val, y_train, y_val = digits_split()
    X_train, y_train = X_train[:150], y_train[:150]  # small, so it overfits
    model = mlp((64, 64, 10))
    history = train.fit(model, CE, optim.Adam(model.parameters(), lr=0.01), (X_train, y_train),
                        val=(X_val, y_val), epochs=40, batch_size=16, progress=False, seed=0,
                        callbacks=[train.EarlyStopping(patience=3)])
    best = int(np.argmin(history["val_loss"]))
    assert history.best_epoch == best + 1
    assert train.evaluate(model, CE, (X_val, y_val))["loss"] == pytest.approx(
        history["val_loss"][best])


def test_monitoring_a_missing_metric_is_a_clear_error():
    X, y = small_problem()
    model = mlp()
    with pytest.raises(KeyError, match="val_loss.*fit\\(val=...\\)"):
        train.fit(model, CE, optim.SGD(model.parameters()), (X, y), epochs=1, progress=False,
                  callbacks=[train.EarlyStopping()])


class InterruptingLoss:
    """cross_entropy that presses Ctrl-C (sends SIGINT to this process) `presses` times on call
    number `at`."""

    def __init__(self, at, presses=1):
        self.calls, self.at, self.presses = 0, at, presses

    def __call__(self, out, y):
        self.calls += 1
        if self.calls == self.at:
            for _ in range(self.presses):
                signal.raise_signal(signal.SIGINT)
        return CE(out, y)


def test_ctrl_c_finishes_the_step_and_returns_the_model_and_history():
    X, y = small_problem()
    model = mlp()
    before = model.state_dict()
    opt = optim.Adam(model.parameters(), lr=0.01)
    loss = InterruptingLoss(at=9)  # the 9th batch: epoch 3 of 4 batches each
    stopper = train.EarlyStopping(monitor="loss")
    handler = signal.getsignal(signal.SIGINT)
    history = train.fit(model, loss, opt, (X, y), epochs=10, batch_size=32, progress=False,
                        callbacks=[stopper])
    assert history.interrupted and len(history) == 3
    assert loss.calls == 9
    assert all(state["step"] == 9 for state in opt.state.values())  # the step completed
    assert not same_weights(model, mlp()) and not all(
        np.array_equal(v, model.state_dict()[k]) for k, v in before.items())
    assert history.best_epoch is not None
    assert signal.getsignal(signal.SIGINT) is handler


def test_second_ctrl_c_raises():
    X, y = small_problem()
    model = mlp()
    with pytest.raises(KeyboardInterrupt):
        train.fit(model, InterruptingLoss(at=2, presses=2), optim.SGD(model.parameters()), (X, y),
                  epochs=5, batch_size=32, progress=False)


def test_seed_makes_fit_reproducible():
    X, y = small_problem()
    models = []
    for _ in range(2):
        model = nn.Sequential(mlp((2, 16, 16)), nn.Dropout(0.3), nn.Linear(16, 3, generator=1))
        train.fit(model, CE, optim.SGD(model.parameters(), lr=0.1), (X, y), epochs=3,
                  batch_size=16, progress=False, seed=5)
        models.append(model)
    assert same_weights(*models)


def test_dataloaders_are_accepted():
    X, y = small_problem()
    model = mlp()
    loader = DataLoader((X, y), batch_size=40, shuffle=True, generator=0)
    history = train.fit(model, CE, optim.SGD(model.parameters(), lr=0.1), loader,
                        val=DataLoader((X, y), batch_size=32), epochs=2, progress=False)
    assert len(history) == 2 and "val_accuracy" in history


def test_regression_fit_on_sine():
    X, y = load_dataset("sine", n_samples=256)
    model = mlp((1, 32, 32, 1), activation="tanh")
    history = train.fit(model, nn.functional.mse_loss, optim.Adam(model.parameters(), lr=0.01),
                        (X, y), epochs=60, batch_size=32, progress=False, seed=0)
    assert "accuracy" not in history
    assert train.mse(train.predict(model, X), y) < 0.03  # noise variance is 0.01


def test_predict_batches_and_restores_the_mode():
    X, _ = small_problem()
    model = nn.Sequential(mlp(), nn.Dropout(0.5))
    with dg.no_grad():
        expected = model.eval()(dg.tensor(X)).numpy()
    model.train()
    np.testing.assert_allclose(train.predict(model, X, batch_size=7), expected, rtol=1e-6)
    assert model.training


@pytest.mark.parametrize("bad,error,message", [
    (dict(train=(np.zeros((10, 5), np.float32), np.zeros(10, np.int64))), ValueError,
     "expects 2 input features, got 5"),
    (dict(train=(np.zeros((10, 2), np.float32), np.full(10, 3))), ValueError,
     r"labels must be in \[0, 3\)"),
    (dict(train=(np.zeros((10, 2), np.float32), np.zeros(10, np.float32))), TypeError,
     "must be integers"),
    (dict(train=(np.zeros((0, 2), np.float32), np.zeros(0, np.int64))), ValueError, "empty"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(train=np.zeros((10, 2))), TypeError, r"\(X, y\) pair"),
    (dict(epochs=-1), ValueError, "epochs"),
])
def test_bad_input_is_a_clear_error(bad, error, message):
    X, y = small_problem()
    X[3, 1] = np.nan
    model = mlp()
    kwargs = {"train": (np.nan_to_num(X), y), "epochs": 1, "progress": False, **bad}
    with pytest.raises(error, match=message):
        train.fit(model, CE, optim.SGD(model.parameters()), **kwargs)
    with pytest.raises(ValueError, match="NaN or inf in 1 row.*: 3"):
        train.fit(model, CE, optim.SGD(model.parameters()), (X, y), progress=False)
