"""fit, evaluate, predict: the training loop and its two companions.

One step of fit is the lectures' minibatch gradient descent: loss on a batch, backward pass,
optimizer step (the update rule is the optimizer's). Every epoch is logged in a History.
"""

import math
import time
from contextlib import nullcontext

import numpy as np

import deepgrad as dg
from deepgrad.data.dataloader import DataLoader
from deepgrad.data.validate import as_float_array, check_arrays, check_finite
from deepgrad.engine.tensor import Tensor
from deepgrad.optim.lr_scheduler import ReduceLROnPlateau
from deepgrad.random import manual_seed
from deepgrad.train.history import History
from deepgrad.train.interrupt import StopOnInterrupt
from deepgrad.train.metrics import predicted_classes
from deepgrad.train.progress import format_logs, progress_bar

EVAL_BATCH = 4096
ON_NONFINITE = ("raise", "stop", "ignore")


class NonFiniteLossError(FloatingPointError):
    """fit's loss became NaN or inf (the run diverged); `history` holds what was trained, its
    `diverged` says where, and the model holds the weights of the last batch with a finite loss."""

    def __init__(self, message, history):
        super().__init__(message)
        self.history = history


class _Snapshot:
    """A copy of a model's parameters and buffers in preallocated arrays, taken and put back in
    place (one memory copy each way, no allocation per step)."""

    def __init__(self, model):
        self.arrays = [p.data for p in model.parameters()] + [b for _, b in model.named_buffers()]
        self.copies = [np.empty_like(a) for a in self.arrays]

    def take(self):
        for array, copy in zip(self.arrays, self.copies):
            np.copyto(copy, array)

    def restore(self):
        for array, copy in zip(self.arrays, self.copies):
            np.copyto(array, copy)

    def finite(self):
        return all(np.isfinite(a).all() for a in self.arrays if a.dtype.kind == "f")


def fit(model, loss_fn, optimizer, train, val=None, epochs=10, batch_size=32, scheduler=None,
        callbacks=(), progress=True, seed=None, on_nonfinite="raise", detect_anomaly=False):
    """Train `model` to minimise `loss_fn(model(x), y)` (a mean over the batch) with `optimizer`.

    train, val: (X, y) pairs of arrays, or DataLoaders (then batch_size does not apply). Each
    epoch logs loss (the mean over the epoch's batches), accuracy when y holds integer class
    labels, the same for val as val_loss / val_accuracy, lr and time. scheduler: stepped after
    every epoch (or every batch if its step_every is "batch"); ReduceLROnPlateau gets val_loss
    (loss without val). seed: calls deepgrad.manual_seed(seed) first, so shuffling and dropout
    repeat. Ctrl-C finishes the current step and returns the History so far (interrupted=True);
    callbacks still run their on_train_end (EarlyStopping restores the best weights); SIGTERM
    is handled the same way.

    on_nonfinite: what a NaN or inf training loss does (also weights left non-finite by the last
    step). "raise" (default) and "stop" put back the weights of the last batch whose loss was
    finite (so each step first copies the weights; the optimizer's state is not rolled back),
    record where in `history.diverged` and end training; "raise" then raises
    NonFiniteLossError, "stop" returns the History. "ignore" trains on regardless, as PyTorch
    does. Callbacks run their on_train_end either way.
    detect_anomaly: train under deepgrad.detect_anomaly() (the first NaN/inf raises, saying where).
    """
    if on_nonfinite not in ON_NONFINITE:
        raise ValueError(f"on_nonfinite must be one of {', '.join(map(repr, ON_NONFINITE))}, "
                         f"got {on_nonfinite!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if seed is not None:
        manual_seed(seed)
    loader = train if isinstance(train, DataLoader) else DataLoader(
        tuple(_pair(train, "train")), batch_size=batch_size, shuffle=True)
    if val is not None and not isinstance(val, DataLoader):
        val = check_arrays(*_pair(val, "val"))
    classify = loader.y is not None and loader.y.dtype.kind == "i"
    per_batch = getattr(scheduler, "step_every", "epoch") == "batch"
    history = History()
    for callback in callbacks:
        callback.on_train_begin(model)
    snapshot = None if on_nonfinite == "ignore" else _Snapshot(model)
    if snapshot is not None:
        snapshot.take()
    lr = optimizer.param_groups[0]["lr"]
    bar = progress_bar(epochs, progress)
    with StopOnInterrupt() as interrupt, dg.detect_anomaly() if detect_anomaly else nullcontext():
        for epoch in range(1, epochs + 1):
            start, lr = time.perf_counter(), optimizer.param_groups[0]["lr"]
            model.train()
            total, correct, count = 0.0, 0, 0
            for batch, (xb, yb) in enumerate(loader, 1):
                out = model(xb)
                loss = loss_fn(out, yb)
                value = loss.item()
                if snapshot is not None:
                    if not math.isfinite(value):
                        history.diverged = {"epoch": epoch, "batch": batch, "loss": value}
                        break
                    snapshot.take()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if per_batch:
                    scheduler.step()
                total += value * len(yb)
                count += len(yb)
                if classify:
                    correct += int(np.sum(predicted_classes(out.data) == yb.data))
                if interrupt.requested:
                    break
            if history.diverged:
                break
            logs = {"epoch": epoch, "loss": total / max(count, 1)}
            if classify:
                logs["accuracy"] = correct / max(count, 1)
            if val is not None:
                logs.update({f"val_{k}": v for k, v in evaluate(model, loss_fn, val).items()})
            logs.update(lr=lr, time=time.perf_counter() - start)
            if isinstance(scheduler, ReduceLROnPlateau):
                scheduler.step(logs.get("val_loss", logs["loss"]))
            elif scheduler is not None and not per_batch:
                scheduler.step()
            history.append(logs)
            stop = [callback.on_epoch_end(model, epoch, logs) for callback in callbacks]
            bar.set_postfix_str(format_logs(logs))
            bar.update()
            if interrupt.requested or any(stop):
                history.interrupted = interrupt.requested
                history.stopped_early = any(stop) and not interrupt.requested
                break
        if snapshot is not None and not history.diverged and not snapshot.finite():
            history.diverged = {"epoch": len(history), "batch": None, "loss": None}
    bar.close()
    if history.diverged:
        snapshot.restore()
    for callback in callbacks:
        callback.on_train_end(model, history)
    if history.diverged and on_nonfinite == "raise":
        raise NonFiniteLossError(divergence_message(history.diverged, lr), history)
    return history


def divergence_message(diverged, lr):
    """What went wrong and what to try, for a NonFiniteLossError or `deepgrad train`."""
    what = f"the loss became {diverged['loss']} at epoch {diverged['epoch']}, batch " \
        f"{diverged['batch']}" if diverged["batch"] else \
        f"the last step of epoch {diverged['epoch']} left non-finite weights"
    return (f"training diverged: {what} (lr={lr:g}); the weights of the last batch "
            f"with a finite loss were kept. Try a smaller learning rate (e.g. {lr / 10:g}), "
            "gradient clipping, or fit(..., on_nonfinite='ignore') to train on regardless")


def evaluate(model, loss_fn, data, batch_size=EVAL_BATCH):
    """{"loss": mean loss, "accuracy": ... (integer labels only)} of the model in eval mode on
    data, an (X, y) pair or a DataLoader; the model's train/eval mode is restored afterwards."""
    X, y = (data.X, data.y) if isinstance(data, DataLoader) else check_arrays(*_pair(data, "data"))
    outputs = predict(model, X, batch_size)
    with dg.no_grad():
        loss = loss_fn(Tensor(outputs), Tensor(y)).item()
    result = {"loss": loss}
    if y.dtype.kind == "i":
        result["accuracy"] = float(np.mean(predicted_classes(outputs) == y))
    return result


def predict(model, X, batch_size=EVAL_BATCH):
    """The model's outputs for X as a NumPy array, in eval mode, without recording a graph."""
    X = as_float_array(X)
    if len(X) == 0:
        raise ValueError("X is empty (0 rows): there is nothing to predict")
    check_finite(X, "X")
    was_training = model.training
    model.eval()
    try:
        with dg.no_grad():
            parts = [np.asarray(model(Tensor(X[i:i + batch_size])).data)
                     for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(parts)


def _pair(data, name):
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be an (X, y) pair of arrays or a DataLoader, got "
                        f"{type(data).__name__}")
    return data
