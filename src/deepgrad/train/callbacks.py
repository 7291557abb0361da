"""Callbacks: code that `fit` runs at the start, after every epoch, and at the end of training."""

import math

from deepgrad.train.model_file import save


class Callback:
    """Base class. `on_epoch_end` returns True to stop training after this epoch."""

    def on_train_begin(self, model):
        pass

    def on_epoch_end(self, model, epoch, logs):
        return False

    def on_train_end(self, model, history):
        pass


class _Monitor(Callback):
    """Tracks the best value of one logged metric ("min" for losses, "max" for accuracies)."""

    def __init__(self, monitor, mode, min_delta):
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min', 'max' or 'auto', got {mode!r}")
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)

    def on_train_begin(self, model):
        self.best, self.best_epoch = math.inf if self.mode == "min" else -math.inf, None

    def _improved(self, logs):
        if self.monitor not in logs:
            raise KeyError(f"{type(self).__name__} monitors {self.monitor!r} but the logs only "
                           f"have {', '.join(logs)} (val_* metrics need fit(val=...))")
        value = logs[self.monitor]
        better = value < self.best - self.min_delta if self.mode == "min" else \
            value > self.best + self.min_delta
        if better:
            self.best, self.best_epoch = value, logs["epoch"]
        return better


class EarlyStopping(_Monitor):
    """Stop when `monitor` has not improved by more than min_delta for `patience` epochs; with
    restore_best, put back the weights of the best epoch at the end (also after Ctrl-C)."""

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto",
                 restore_best=True):
        if patience < 1:
            raise ValueError(f"EarlyStopping: patience must be >= 1, got {patience}")
        super().__init__(monitor, mode, min_delta)
        self.patience, self.restore_best = patience, restore_best

    def on_train_begin(self, model):
        super().on_train_begin(model)
        self.wait, self.best_state = 0, None

    def on_epoch_end(self, model, epoch, logs):
        if self._improved(logs):
            self.wait = 0
            if self.restore_best:
                self.best_state = model.state_dict()
            return False
        self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self, model, history):
        history.best_epoch = self.best_epoch
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)


class ModelCheckpoint(_Monitor):
    """Save the model (`deepgrad.save`) to `path` whenever `monitor` improves, or after every
    epoch when save_best_only=False."""

    def __init__(self, path, monitor="val_loss", mode="auto", save_best_only=True):
        super().__init__(monitor, mode, 0.0)
        self.path, self.save_best_only = path, save_best_only

    def on_epoch_end(self, model, epoch, logs):
        if self._improved(logs) or not self.save_best_only:
            save(model, self.path)
        return False
