"""``Parameter``: a Tensor that a ``Module`` registers as something to train, as ``torch.nn.Parameter``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import default_float, to_array
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a ``Module`` registers as one of its parameters; requires grad by default.

    ``Parameter(t)`` shares ``t``'s storage (as PyTorch); numbers, lists and arrays are converted
    (floats to float32).
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.empty(0, default_float)
        elif isinstance(data, Tensor):
            array = data._data
        elif isinstance(data, np.ndarray):  # shared, dtype kept (as from_numpy)
            array = to_array(data, data.dtype, caller="Parameter", copy=False)
        else:
            array = to_array(data, caller="Parameter", copy=False)
        self._data = array
        self._requires_grad = False
        self.grad = None
        self.grad_fn = None
        if requires_grad:
            self.requires_grad_()

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:  # copy.deepcopy / pickle keep the class and flag
        return _rebuild_parameter, (self._data, self._requires_grad, self.grad)


def _rebuild_parameter(data: np.ndarray, requires_grad: bool, grad: Tensor | None) -> Parameter:
    p = Parameter(data, requires_grad)
    p.grad = grad
    return p
