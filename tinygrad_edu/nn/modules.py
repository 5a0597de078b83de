"""The old home of every module class, kept so that old imports and pickles still work.

``nn.Module`` and friends used to live in this one file; they are now in ``parameter.py``, ``module.py``,
``layers.py``, ``containers.py`` and ``loss.py``. A model pickled before the split names its classes
(and ``_rebuild_parameter``) as ``tinygrad_edu.nn.modules.X``: these aliases let such files load.
"""

from .containers import ModuleList, Sequential
from .layers import Flatten, Identity, Linear, ReLU, Sigmoid, Tanh
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter, _rebuild_parameter

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Flatten", "Identity", "L1Loss", "Linear",
    "MSELoss", "Module", "ModuleList", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid", "Tanh",
    "_rebuild_parameter",
]
