"""Training: fit / evaluate / predict, callbacks, History, metrics, learning curves, model files."""

from deepgrad.train.callbacks import Callback, EarlyStopping, ModelCheckpoint
from deepgrad.train.curves import plot_history
from deepgrad.train.fit import NonFiniteLossError, evaluate, fit, predict
from deepgrad.train.history import History
from deepgrad.train.metrics import accuracy, mse
from deepgrad.train.model_file import ModelFileError, load, read_metadata, save

__all__ = ["Callback", "EarlyStopping", "History", "ModelCheckpoint", "ModelFileError",
           "NonFiniteLossError", "accuracy", "evaluate",
           "fit", "load", "mse", "plot_history", "predict", "read_metadata", "save"]
