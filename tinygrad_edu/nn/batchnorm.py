"""Batch normalisation: ``BatchNorm1d`` ([N, C] or [N, C, L]) and ``BatchNorm2d`` ([N, C, H, W]).

Each channel is normalised to mean 0 and variance 1 over the batch (and the other dims), then scaled
by ``weight`` and shifted by ``bias``. In training the batch's own statistics are used, and running
averages of them are kept as buffers (``running_mean``, ``running_var``, ``num_batches_tracked``: they
go into ``state_dict`` but are not parameters); in ``eval()`` those running averages are used instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import as_dtype, default_float
from ..function import ShapeError
from ..tensor import Tensor
from . import functional as F
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ in the input dims they accept."""

    input_dims: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None, dtype: Any = None,
                 *, bias: bool = True) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) \
                or num_features < 1:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer, "
                             f"got {num_features!r}")
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = as_dtype(dtype) or default_float
        ones, zeros = np.ones(self.num_features, dtype), np.zeros(self.num_features, dtype)
        self.register_parameter("weight", Parameter(ones) if affine else None)
        self.register_parameter("bias", Parameter(zeros) if affine and bias else None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(np.zeros(self.num_features, dtype)))
            self.register_buffer("running_var", Tensor._make(np.ones(self.num_features, dtype)))
            self.register_buffer("num_batches_tracked", Tensor._make(np.zeros((), np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def forward(self, input: Tensor) -> Tensor:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in self.input_dims:
            wanted = " or ".join(f"{n}-D" for n in self.input_dims)
            raise ShapeError(f"{name}: expected {wanted} input, got shape {tuple(input.shape)}")
        if input.shape[1] != self.num_features:
            raise ShapeError(f"{name}: expected {self.num_features} channels (dim 1), got input of shape "
                             f"{tuple(input.shape)}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average: the n-th batch counts 1/n
                momentum = 1.0 / self.num_batches_tracked.item()
        # the batch's statistics in training, and in eval() too when there are no running ones
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if track else None, self.running_var if track else None,
                            self.weight, self.bias, use_batch, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """(x - mean) / √(var + eps) · weight + bias per feature, for [N, C] or [N, C, L] inputs."""

    input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """(x - mean) / √(var + eps) · weight + bias per channel, for [N, C, H, W] inputs."""

    input_dims = (4,)
