"""Module-level functions, as in ``torch``: making tensors, random numbers, and combining tensors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops as O
from .dims import axis as _axis
from .dims import shape_arg as _shape_arg
from .dtypes import as_dtype, default_float, to_array
from .function import ShapeError
from .tensor import Tensor
from .tensor_extras import promote as _promote

_generator = np.random.default_rng()


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, numpy arrays, tensors).

    Floats become float32 unless ``dtype`` says otherwise; ints int64; bools bool.
    """
    return Tensor._make(to_array(data, dtype, caller="tensor")).requires_grad_(requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and keeping its dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected a numpy array, got {type(array).__name__}")
    return Tensor._make(to_array(array, array.dtype, caller="from_numpy", copy=False))


def _filled(shape: tuple, value: Any, dtype: Any, requires_grad: bool, caller: str) -> Tensor:
    shape = _shape_arg(shape, f"{caller}()")
    if any(n < 0 for n in shape):
        raise ValueError(f"{caller}(): sizes must be non-negative integers, got {shape}")
    dtype = as_dtype(dtype) or (default_float if isinstance(value, float) else np.asarray(value).dtype)
    return Tensor._make(np.full(shape, value, dtype)).requires_grad_(requires_grad)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 0.0, dtype, requires_grad, "zeros")


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 1.0, dtype, requires_grad, "ones")


def full(size: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled((size,), fill_value, dtype, requires_grad, "full")


def zeros_like(other: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(other.shape, 0, dtype or other.dtype, requires_grad, "zeros_like")


def ones_like(other: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(other.shape, 1, dtype or other.dtype, requires_grad, "ones_like")


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    if end is None:
        start, end = 0, start
    values = np.arange(start, end, step)
    return Tensor(values, dtype=dtype, requires_grad=requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.linspace(start, end, steps), dtype=dtype, requires_grad=requires_grad)


# ---- random numbers ----------------------------------------------------------------------------


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator behind randn, rand, randint, randperm and nn's initialisation."""
    global _generator
    _generator = np.random.default_rng(seed)
    return _generator


def generator() -> np.random.Generator:
    """The current random generator (shared by everything random in tinygrad_edu)."""
    return _generator


def _random_dtype(dtype: Any) -> np.dtype:
    dtype = as_dtype(dtype) or default_float
    if dtype.kind != "f":
        raise TypeError(f"random floats need a floating-point dtype, not {dtype}")
    return dtype


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal distribution N(0, 1)."""
    values = _generator.standard_normal(_shape_arg(size, "randn()"), dtype=_random_dtype(dtype))
    return Tensor._make(values).requires_grad_(requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Samples of the uniform distribution on [0, 1)."""
    values = _generator.random(_shape_arg(size, "rand()"), dtype=_random_dtype(dtype))
    return Tensor._make(values).requires_grad_(requires_grad)


def randint(low: int, high: int | None = None, size: Sequence[int] = (), dtype: Any = None) -> Tensor:
    """Random integers in [low, high)."""
    if high is None:
        low, high = 0, low
    return Tensor._make(_generator.integers(low, high, size=tuple(size)).astype(as_dtype(dtype) or np.int64))


def randperm(n: int) -> Tensor:
    """A random permutation of 0 .. n-1."""
    return Tensor._make(_generator.permutation(n))


# ---- combining tensors ------------------------------------------------------------------------


def _as_tensors(tensors: Sequence[Any], caller: str) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not len(tensors):
        raise ValueError(f"{caller}(): expected a non-empty list of tensors")
    return [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]


def cat(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension."""
    tensors = _as_tensors(tensors, "cat")
    first = tensors[0]
    if first.ndim == 0:
        raise ShapeError("cat(): zero-dimensional tensors cannot be concatenated; use stack()")
    axis = _axis(dim, first.ndim, "cat()")
    outside = first.shape[:axis] + first.shape[axis + 1:]
    for i, t in enumerate(tensors[1:], 1):
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != outside:
            raise ShapeError(f"cat(): tensor {i} has shape {t.shape}, which does not fit tensor 0's "
                             f"{first.shape} outside dim {dim}")
    return O.Cat.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension (composed: unsqueeze each, then cat)."""
    tensors = _as_tensors(tensors, "stack")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise ShapeError(f"stack(): all tensors need the same shape; tensor 0 is {shape}, "
                             f"tensor {i} is {t.shape}")
    axis = _axis(dim, len(shape) + 1, "stack()")  # the new dimension's place in the result
    if not any(t.requires_grad for t in tensors):  # nothing to record: one numpy call
        return Tensor._make(np.stack([t._data for t in tensors], axis=axis))
    return cat([t.unsqueeze(axis) for t in tensors], dim=axis)


def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002 (PyTorch's name)
    """Pick ``input`` where ``condition`` is true and ``other`` elsewhere (elementwise, broadcasting)."""
    condition = condition if isinstance(condition, Tensor) else Tensor(condition)
    if condition.dtype.kind != "b":
        condition = condition != 0
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            other = Tensor(other)
        other, input = _promote(other, input)
    else:
        input, other = _promote(input, other)
    return O.Where.apply(condition, input, other)


def maximum(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    return input.maximum(other)


def minimum(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    return input.minimum(other)
