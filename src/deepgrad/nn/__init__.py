"""Neural-network building blocks: Module, layers, activations, init, norms, dropout, losses."""

from deepgrad.nn import functional, init
from deepgrad.nn.activation import (
                                    ACTIVATIONS,
                                    GELU,
                                    Identity,
                                    LeakyReLU,
                                    ReLU,
                                    SiLU,
                                    Sigmoid,
                                    Sign,
                                    Softplus,
                                    Step,
                                    Tanh,
)
from deepgrad.nn.batchnorm import BatchNorm1d
from deepgrad.nn.containers import ModuleDict, ModuleList
from deepgrad.nn.dense import DenseBlock
from deepgrad.nn.dropout import Dropout
from deepgrad.nn.layernorm import LayerNorm
from deepgrad.nn.linear import Linear
from deepgrad.nn.loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss,
)
from deepgrad.nn.mlp import MLP
from deepgrad.nn.module import Module
from deepgrad.nn.parameter import Parameter
from deepgrad.nn.residual import Residual
from deepgrad.nn.sequential import Sequential
from deepgrad.nn.standardize import Standardize

__all__ = ["ACTIVATIONS", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "CrossEntropyLoss",
           "HuberLoss", "L1Loss", "MSELoss", "ModuleDict", "ModuleList", "NLLLoss", "SiLU",
           "SmoothL1Loss", "DenseBlock", "Dropout", "GELU", "Identity",
           "LayerNorm", "LeakyReLU", "Linear", "MLP", "Module", "Parameter", "ReLU", "Residual",
           "Sequential", "Sigmoid", "Sign", "Softplus", "Standardize", "Step", "Tanh",
           "functional", "init"]
