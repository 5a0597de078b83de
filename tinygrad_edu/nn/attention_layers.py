"""The layers of a transformer, as ``torch.nn``: ``Embedding``, ``LayerNorm``, ``Dropout``, ``GELU``,
``Softmax`` and ``LogSoftmax``. Each ``forward`` calls ``nn.functional`` (``functional_attention.py``)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..dtypes import as_dtype, default_float
from ..function import ShapeError, no_grad
from ..random import Generator
from ..tensor import Tensor
from . import functional as F
from . import init
from .functional_attention import dropout_probability, normalized_shape_arg
from .module import Module
from .parameter import Parameter


def _count(value: Any, owner: str, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{owner}: {name} must be a non-negative integer, got {value!r}")
    return int(value)


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``: ``forward(idx)`` looks up row
    ``idx`` for every index (shape idx.shape + (embedding_dim,)); its gradient adds up into the rows used.

    Initialised as PyTorch: every entry from N(0, 1), drawn from the default generator (``manual_seed``), and
    the row ``padding_idx`` (if any; negative counts from the end) zeros, never trained.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Tensor | None = None, _freeze: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = _count(num_embeddings, "Embedding", "num_embeddings")
        self.embedding_dim = _count(embedding_dim, "Embedding", "embedding_dim")
        if padding_idx is not None:
            if not -self.num_embeddings <= padding_idx < self.num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                                 f"({self.num_embeddings} rows)")
            padding_idx = padding_idx % self.num_embeddings
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim),
                                             as_dtype(dtype) or default_float), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (self.num_embeddings, self.embedding_dim):
                raise ShapeError(f"Embedding: _weight of shape {tuple(_weight.shape)} does not match "
                                 f"({self.num_embeddings}, {self.embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None,
                        **kwargs: Any) -> Embedding:
        """An Embedding whose table is ``embeddings`` [V, D] (shared, not copied); frozen (not trained) if
        ``freeze``."""
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ShapeError("Embedding.from_pretrained: embeddings must be a 2-D tensor [num_embeddings, "
                             "embedding_dim]")
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, _weight=embeddings, _freeze=freeze, **kwargs)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")


class LayerNorm(Module):
    """Normalizes each sample over its last dims (``normalized_shape``) to mean 0 and variance 1, then
    scales by ``weight`` (ones at first) and shifts by ``bias`` (zeros), if ``elementwise_affine``."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = normalized_shape_arg(normalized_shape, "LayerNorm")
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = as_dtype(dtype) or default_float
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class Dropout(Module):
    """While training: zeroes each element with probability ``p`` and scales the others by 1 / (1 - p);
    after ``eval()``: the identity. ``generator=`` (a tinygrad_edu addition) draws the mask from a
    ``Generator`` of its own instead of the default one."""

    def __init__(self, p: float = 0.5, inplace: bool = False, *, generator: Generator | None = None) -> None:
        super().__init__()
        self.p = dropout_probability(p, "Dropout")
        self.inplace, self.generator = inplace, generator

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class GELU(Module):
    """x · Φ(x) elementwise (``approximate='tanh'``: its tanh approximation); see ``functional.gelu``."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    """e^xᵢ / Σⱼ e^xⱼ along ``dim`` (left out: PyTorch's old implicit choice, with a warning)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log softmax along ``dim``: xᵢ - log Σⱼ e^xⱼ, computed without overflow."""

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim)
