"""Checking ``dim`` and size arguments: one place for every op that takes them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .function import ShapeError


def axes(dim: Any, ndim: int, caller: str) -> tuple | None:
    """``dim`` (None, an int or a tuple of ints, negatives allowed) → a tuple of axes, checked.

    As in PyTorch, a 0-d tensor accepts dim 0 and -1, which name the tensor itself: no axis.
    """
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    result = []
    for d in dims:
        if not isinstance(d, (int, np.integer)):
            raise TypeError(f"{caller}: dim must be an int or a tuple of ints, not {dim!r}")
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{caller}: dim {d} is out of range for a tensor with {ndim} dimensions")
        if ndim:
            result.append(d % ndim)
    return tuple(result)


def axis(dim: Any, ndim: int, caller: str) -> int | None:
    """A single ``dim`` → its axis, checked; None for a 0-d tensor."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{caller}: dim must be one int, not {dim!r}")
    found = axes(dim, ndim, caller)
    return found[0] if found else None


def shape_arg(shape: tuple, caller: str) -> tuple:
    """Accept ``view(2, 3)`` and ``view((2, 3))`` alike; sizes must be ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"{caller}: sizes must be ints, got {tuple(shape)}")
    return tuple(shape)


def resolve_shape(shape: tuple, current: tuple) -> tuple:
    """Fill in a single -1 and check that the element count is unchanged."""
    count = math.prod(current)
    known = math.prod([n for n in shape if n != -1])
    if shape.count(-1) == 1 and known and count % known == 0:
        shape = tuple(count // known if n == -1 else n for n in shape)
    if shape.count(-1) or any(n < 0 for n in shape) or math.prod(shape) != count:
        raise ShapeError(f"view: shape {shape} is invalid for a tensor of shape {tuple(current)} "
                         f"({count} elements)")
    return tuple(int(n) for n in shape)


def reduction_axes(dim: Any, ndim: int, caller: str) -> tuple | None:
    """The axes a reduction runs over: None for every axis, when ``dim`` is None or empty (as PyTorch)."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return None
    found = axes(dim, ndim, caller)
    if len(set(found)) < len(found):
        raise RuntimeError(f"{caller}: dim {dim!r} names one dimension more than once")
    return found


def correction(unbiased: Any, correction: Any, caller: str) -> int | float:
    """``var``/``std``'s divisor n - c: ``correction`` c, or the older ``unbiased`` (True: c = 1)."""
    if unbiased is not None and correction is not None:
        raise TypeError(f"{caller}: give unbiased or correction, not both")
    if correction is None:
        return 0 if unbiased is False else 1
    if isinstance(correction, bool) or not isinstance(correction, (int, float, np.integer, np.floating)):
        raise TypeError(f"{caller}: correction must be a number, not {correction!r}")
    return correction


def keepdim(keepdim: bool, keepdims: bool | None, caller: str) -> bool:
    """A reduction's ``keepdim``, also spelled ``keepdims`` (numpy's name, which PyTorch accepts too)."""
    if keepdims is None:
        return bool(keepdim)
    if keepdim:
        raise TypeError(f"{caller}: give keepdim or keepdims, not both")
    return bool(keepdims)
