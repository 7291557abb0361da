"""History: what `fit` records, one value per epoch for each metric."""


class History:
    """`history["loss"]`, `history["val_accuracy"]`, ... are lists with one entry per epoch
    (also "epoch", "lr", "time" in seconds). `interrupted` is True when Ctrl-C ended the fit,
    `stopped_early` when a callback did, and `best_epoch` is set by EarlyStopping. `diverged`
    is None, or {"epoch", "batch", "loss"} where a non-finite loss ended the fit (the epoch it
    cut short is not logged)."""

    def __init__(self):
        self.history = {}
        self.interrupted = False
        self.stopped_early = False
        self.best_epoch = None
        self.diverged = None

    def append(self, logs):
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    def __getitem__(self, key):
        return self.history[key]

    def __contains__(self, key):
        return key in self.history

    def __len__(self):
        return len(self.history.get("epoch", ()))

    @property
    def last(self):
        """The logs of the last epoch, as a dict."""
        return {key: values[-1] for key, values in self.history.items()}

    def to_dict(self):
        """A JSON-able dict (for metrics.json)."""
        return {"history": self.history, "epochs": len(self), "interrupted": self.interrupted,
                "stopped_early": self.stopped_early, "best_epoch": self.best_epoch, "diverged": self.diverged}

    def __repr__(self):
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last.items() if k != "epoch")
        return f"History({len(self)} epochs{': ' + last if last else ''})"
