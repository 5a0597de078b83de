"""Neural-network building blocks, as ``torch.nn``: ``from tinygrad_edu import nn``.

``nn.Module`` / ``nn.Parameter`` (registering parameters), layers (``Linear``, ``ReLU``, ...), containers
(``Sequential``, ``ModuleList``), loss modules, ``nn.functional`` and ``nn.init``.
"""

from . import functional, init
from .modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Flatten,
    Identity,
    L1Loss,
    Linear,
    Module,
    ModuleList,
    MSELoss,
    NLLLoss,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Flatten", "Identity", "L1Loss", "Linear",
    "MSELoss", "Module", "ModuleList", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "Tanh",
    "functional", "init",
]
