"""Optimisers (SGD, Adagrad, RMSprop, Adam, AdamW), learning-rate schedules, gradient clipping."""

from deepgrad.optim import lr_scheduler
from deepgrad.optim.adagrad import Adagrad
from deepgrad.optim.adam import Adam
from deepgrad.optim.adamw import AdamW
from deepgrad.optim.clip_grad import clip_grad_norm_
from deepgrad.optim.optimizer import Optimizer
from deepgrad.optim.rmsprop import RMSprop
from deepgrad.optim.sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "clip_grad_norm_",
           "lr_scheduler"]
