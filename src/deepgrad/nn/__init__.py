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
from deepgrad.nn.batchnorm import BatchNorm1d, BatchNorm2d
from deepgrad.nn.containers import ModuleDict, ModuleList
from deepgrad.nn.conv import Conv1d, Conv2d
from deepgrad.nn.convnet import ConvNet
from deepgrad.nn.dense import DenseBlock
from deepgrad.nn.dropout import Dropout
from deepgrad.nn.flatten import Flatten, Unflatten
from deepgrad.nn.layernorm import LayerNorm
from deepgrad.nn.linear import Linear
from deepgrad.nn.loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss,
)
from deepgrad.nn.mlp import MLP
from deepgrad.nn.module import Module
from deepgrad.nn.parameter import Parameter
from deepgrad.nn.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d,
                                 MaxPool1d, MaxPool2d)
from deepgrad.nn.residual import Residual
from deepgrad.nn.sequential import Sequential
from deepgrad.nn.standardize import Standardize

__all__ = ["ACTIVATIONS", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d",
           "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d", "ConvNet",
           "CrossEntropyLoss", "Flatten", "HuberLoss", "L1Loss", "MSELoss", "MaxPool1d", "MaxPool2d",
           "ModuleDict", "ModuleList", "NLLLoss", "SiLU", "SmoothL1Loss", "Unflatten",
           "DenseBlock", "Dropout", "GELU", "Identity",
           "LayerNorm", "LeakyReLU", "Linear", "MLP", "Module", "Parameter", "ReLU", "Residual",
           "Sequential", "Sigmoid", "Sign", "Softplus", "Standardize", "Step", "Tanh",
           "functional", "init"]
