"""The functional forms of attention's building blocks, as ``torch.nn.functional``: ``embedding``,
``layer_norm``, ``dropout`` and ``gelu`` (``nn/functional.py`` imports them, so ``F.embedding`` works).

``embedding``, ``layer_norm`` and ``gelu`` are the fused ops of ``ops/nn.py``; ``dropout`` is composed: the
input times a random mask of zeros and 1 / (1 - p), drawn through ``sampling.dropout_mask``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import ops as O
from ..function import ShapeError
from ..random import Generator
from ..sampling import dropout_mask
from ..tensor import Tensor


def _tensor_arg(value: Any, caller: str, what: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{caller}: {what} must be a Tensor, got {type(value).__name__}")
    return value


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002 (PyTorch's names)
              max_norm: float | None = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Row ``input[...]`` of the table ``weight`` [V, D] for every index: shape input.shape + (D,).

    The row ``padding_idx`` gets no gradient. ``max_norm``, ``scale_grad_by_freq`` and ``sparse`` are not
    supported (NotImplementedError).
    """
    caller = "embedding()"
    input, weight = _tensor_arg(input, caller, "input"), _tensor_arg(weight, caller, "weight")
    unsupported = (("max_norm", max_norm, None), ("scale_grad_by_freq", scale_grad_by_freq, False),
                   ("sparse", sparse, False))
    for name, value, default in unsupported:
        if value != default:
            raise NotImplementedError(f"{caller}: {name}={value!r} is not supported by tinygrad_edu")
    if input.dtype.kind not in "iu":
        raise TypeError(f"{caller}: the indices must be integers (int64 or int32), got {input.dtype} "
                        "(use .long())")
    if weight.ndim != 2:
        raise ShapeError(f"{caller}: weight must be a 2-D table [num_embeddings, embedding_dim], got shape "
                         f"{tuple(weight.shape)}")
    rows = weight.shape[0]
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        bad = int(idx.min() if idx.min() < 0 else idx.max())
        raise IndexError(f"{caller}: index {bad} is out of range for a table of {rows} rows (0..{rows - 1})")
    if padding_idx is not None:
        padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
    return O.Embedding.apply(weight, input, padding_idx=padding_idx)


def layer_norm(input: Tensor, normalized_shape: Any, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """(x - mean) / √(var + eps) · weight + bias, with the mean and the (biased) variance taken over the last
    dims, those of ``normalized_shape``, for each sample on its own."""
    caller = "layer_norm()"
    input = _tensor_arg(input, caller, "input")
    shape = normalized_shape_arg(normalized_shape, caller)
    if input.dtype.kind != "f":
        raise TypeError(f"{caller}: input must be a floating-point tensor, got {input.dtype}")
    if tuple(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise ShapeError(f"{caller}: normalized_shape={list(shape)} expects an input of shape [*, "
                         f"{', '.join(map(str, shape))}], got {tuple(input.shape)}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != shape:
            raise ShapeError(f"{caller}: {name} must have shape {shape} (normalized_shape), got "
                             f"{tuple(value.shape)}")
    if weight is None and bias is not None:
        weight = Tensor._make(np.ones(shape, input.dtype))  # a constant: scale 1
    affine = [t if t.dtype == input.dtype else t.to(input.dtype) for t in (weight, bias) if t is not None]
    return O.LayerNorm.apply(input, *affine, ndim=len(shape), eps=eps)


def normalized_shape_arg(normalized_shape: Any, caller: str) -> tuple:
    """An int or a sequence of positive ints → a tuple."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else normalized_shape
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{caller}: normalized_shape must be an int or a tuple of ints, got "
                        f"{normalized_shape!r}") from None
    if not shape or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0
                            for n in shape):
        raise ValueError(f"{caller}: normalized_shape must be positive ints, got {normalized_shape!r}")
    return tuple(int(n) for n in shape)


def dropout_probability(p: Any, caller: str) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{caller}: dropout probability has to be between 0 and 1, but got {p!r}")
    return float(p)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,  # noqa: A002
            generator: Generator | None = None) -> Tensor:
    """While ``training``: each element zeroed with probability ``p``, the others scaled by 1 / (1 - p) (so
    the expected value is unchanged); otherwise (and for p = 0) the input itself. The random numbers come
    from the default generator, or ``generator`` (a tinygrad_edu addition: PyTorch's F.dropout has none)."""
    caller = "dropout()"
    input, p = _tensor_arg(input, caller, "input"), dropout_probability(p, caller)
    if not training or p == 0 or input.numel() == 0:
        return input
    if input.dtype.kind != "f":
        raise TypeError(f"{caller}: input must be a floating-point tensor, got {input.dtype}")
    mask = dropout_mask(input._data.shape, p, input.dtype, generator)
    return input.mul_(mask) if inplace else input * mask


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """x · Φ(x), Φ the standard normal's cumulative distribution; ``approximate='tanh'``: its tanh form."""
    input = _tensor_arg(input, "gelu()", "input")
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    return O.Gelu.apply(input._as_float(), approximate=approximate)
