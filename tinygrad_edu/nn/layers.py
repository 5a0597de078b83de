"""Layers: ``Linear``, the activations (``ReLU``, ``Sigmoid``, ``Tanh``), ``Identity`` and ``Flatten``.

Each is a small ``Module`` whose ``forward`` calls ``nn.functional``; only ``Linear`` has parameters.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..dtypes import as_dtype, default_float
from ..function import ShapeError
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """y = x @ Wᵀ + b, with W of shape [out_features, in_features] and b of shape [out_features].

    Initialised as PyTorch: every weight and bias uniform in [-1/√in_features, 1/√in_features],
    drawn from ``tinygrad_edu.creation.generator()`` (so ``manual_seed`` makes it reproducible).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"Linear: {name} must be a non-negative integer, got {value!r}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dtype = as_dtype(dtype) or default_float
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """kaiming_uniform_(W, a=√5) and U(-1/√fan_in, 1/√fan_in) for b: both are U(±1/√in_features)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{self!r}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim == 0 or input.shape[-1] != self.in_features:
            last = input.shape[-1] if input.ndim else "none (a 0-d tensor)"
            hint = ""
            if input.ndim >= 2 and math.prod(input.shape[1:]) == self.in_features:
                hint = f"; flatten each sample first, e.g. x.view(-1, {self.in_features})"
            raise ShapeError(f"{self!r}: input of shape {tuple(input.shape)} has last dimension {last}, "
                             f"but this layer expects {self.in_features} (weight shape "
                             f"{tuple(self.weight.shape)}){hint}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        has_bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"


class ReLU(Module):
    """max(x, 0), elementwise. (``inplace`` is accepted for PyTorch compatibility; it changes nothing.)"""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^-x), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Joins dims ``start_dim`` .. ``end_dim`` into one: [N, 28, 28] → [N, 784] by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
