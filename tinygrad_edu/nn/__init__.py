"""Neural-network building blocks, as ``torch.nn``: ``from tinygrad_edu import nn``.

``nn.Module`` / ``nn.Parameter`` (registering parameters), layers (``Linear``, ``ReLU``, ...), containers
(``Sequential``, ``ModuleList``), loss modules, a transformer's layers (``Embedding``, ``LayerNorm``,
``Dropout``, ...), ``nn.functional`` and ``nn.init``.
"""

from . import functional, init
from .attention_layers import GELU, Dropout, Embedding, LayerNorm, LogSoftmax, Softmax
from .batchnorm import BatchNorm1d, BatchNorm2d
from .containers import ModuleList, Sequential
from .conv import AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, MaxPool2d
from .layers import Flatten, Identity, Linear, ReLU, Sigmoid, Tanh
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Flatten", "Identity", "L1Loss", "Linear",
    "MSELoss", "Module", "ModuleList", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "Tanh",
    "functional", "init",
]
__all__ += ["AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d", "MaxPool2d"]
__all__ += ["Dropout", "Embedding", "GELU", "LayerNorm", "LogSoftmax", "Softmax"]
