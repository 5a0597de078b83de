"""Module-level functions, as in ``torch``: making tensors and combining them.

Every function that makes a tensor checks its arguments and names itself and the argument when one is
wrong (a negative size, a step of 0, a string as a fill value), instead of passing numpy's own error on.
Each accepts ``device=`` for PyTorch code that names one; the CPU is the only device (``devices.py``).
The random ones (``randn``, ``rand``, ``randint``, ...) are in ``sampling.py``, their generators in
``random.py``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops as O
from .devices import as_device
from .dims import axis as _axis
from .dims import shape_arg as _shape_arg
from .dtypes import as_dtype, default_float, to_array
from .function import ShapeError
from .random import manual_seed as manual_seed  # re-exported: train.py and viz import it from here
from .random import numpy_generator
from .tensor import Tensor
from .tensor_extras import promote as _promote


def generator() -> np.random.Generator:
    """The default generator's numpy generator (nn.init and DataLoader draw from it)."""
    return numpy_generator(None, "generator()")


# ---- checking arguments ---------------------------------------------------------------------------


def size_arg(size: tuple, caller: str) -> tuple:
    """``f(2, 3)`` or ``f((2, 3))`` → (2, 3): non-negative ints (not bools), else an error naming
    ``caller``."""
    shape = _shape_arg(size, caller)
    if any(n < 0 for n in shape):
        raise ValueError(f"{caller}: sizes must be non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def count_arg(value: Any, caller: str, name: str) -> int:
    """A non-negative int argument such as ``linspace``'s steps or ``eye``'s n."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{caller}: {name} must be an int, got {value!r}")
    if value < 0:
        raise ValueError(f"{caller}: {name} must be non-negative, got {value}")
    return int(value)


def number_arg(value: Any, caller: str, name: str, finite: bool = False) -> Any:
    """A real number (Python, numpy or a one-element tensor), else an error naming ``caller`` and ``name``."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{caller}: {name} must be a number, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if not isinstance(value, (numbers.Real, np.bool_)):
        raise TypeError(f"{caller}: {name} must be a number, got {value!r}")
    if finite and not math.isfinite(value):
        raise ValueError(f"{caller}: {name} must be finite, got {value}")
    return value


def made(array: np.ndarray, device: Any, requires_grad: bool, caller: str) -> Tensor:
    """The last step of every creation function: check ``device``, wrap ``array``, set requires_grad."""
    as_device(device, caller)
    return Tensor._make(array).requires_grad_(requires_grad)


# ---- tensors from data and filled tensors ------------------------------------------------------------


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, numpy arrays, tensors).

    Floats become float32 unless ``dtype`` says otherwise; ints int64; bools bool.
    """
    return made(to_array(data, dtype, caller="tensor"), device, requires_grad, "tensor()")


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and keeping its dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy(): expected a numpy array, got {type(array).__name__}")
    return Tensor._make(to_array(array, array.dtype, caller="from_numpy", copy=False))


def _filled(size: tuple, value: Any, dtype: Any, device: Any, requires_grad: bool, caller: str) -> Tensor:
    shape = size_arg(size, f"{caller}()")
    value = number_arg(value, f"{caller}()", "fill_value")
    dtype = as_dtype(dtype) or (default_float if isinstance(value, float) else np.asarray(value).dtype)
    return made(np.full(shape, value, dtype), device, requires_grad, f"{caller}()")


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 0.0, dtype, device, requires_grad, "zeros")


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 1.0, dtype, device, requires_grad, "ones")


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor to be overwritten. PyTorch leaves its memory uninitialised; here it holds zeros, so that
    a program that reads it by mistake still gives the same result each run."""
    return _filled(size, 0.0, dtype, device, requires_grad, "empty")


def full(size: Sequence[int], fill_value: Any, dtype: Any = None, requires_grad: bool = False, *,
         device: Any = None) -> Tensor:
    return _filled((size,), fill_value, dtype, device, requires_grad, "full")


def _like(input: Any, value: Any, dtype: Any, device: Any, requires_grad: bool, caller: str) -> Tensor:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{caller}(): input must be a Tensor, got {type(input).__name__}")
    return _filled(input.shape, value, dtype or input.dtype, device, requires_grad, caller)


def zeros_like(input: Tensor, dtype: Any = None, requires_grad: bool = False, *,  # noqa: A002
               device: Any = None) -> Tensor:
    return _like(input, 0, dtype, device, requires_grad, "zeros_like")


def ones_like(input: Tensor, dtype: Any = None, requires_grad: bool = False, *,  # noqa: A002
              device: Any = None) -> Tensor:
    return _like(input, 1, dtype, device, requires_grad, "ones_like")


def empty_like(input: Tensor, dtype: Any = None, requires_grad: bool = False, *,  # noqa: A002
               device: Any = None) -> Tensor:
    """Zeros of ``input``'s shape and dtype (see ``empty``)."""
    return _like(input, 0, dtype, device, requires_grad, "empty_like")


def full_like(input: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False, *,  # noqa: A002
              device: Any = None) -> Tensor:
    return _like(input, fill_value, dtype, device, requires_grad, "full_like")


# ---- ranges ---------------------------------------------------------------------------------------


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False, *, device: Any = None) -> Tensor:
    """start, start + step, ... up to but not including end (``arange(n)``: 0 .. n-1)."""
    if end is None:
        start, end = 0, start
    start, end, step = (number_arg(v, "arange()", name, finite=True)
                        for v, name in ((start, "start"), (end, "end"), (step, "step")))
    if step == 0:
        raise ValueError("arange(): step must be non-zero")
    if (end - start) * step < 0:
        raise ValueError(f"arange(): step {step} goes away from end: start {start}, end {end}")
    values = to_array(np.arange(start, end, step), dtype, caller="arange")
    return made(values, device, requires_grad, "arange()")


def linspace(start: float, end: float, steps: int, dtype: Any = None, requires_grad: bool = False, *,
             device: Any = None) -> Tensor:
    """``steps`` evenly spaced values from start to end, both included."""
    start = number_arg(start, "linspace()", "start", finite=True)
    end = number_arg(end, "linspace()", "end", finite=True)
    values = np.linspace(start, end, count_arg(steps, "linspace()", "steps"))
    return made(to_array(values, dtype, caller="linspace"), device, requires_grad, "linspace()")


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The n × m identity matrix (m = n when left out): ones on the diagonal, zeros elsewhere."""
    n = count_arg(n, "eye()", "n")
    m = n if m is None else count_arg(m, "eye()", "m")
    return made(np.eye(n, m, dtype=as_dtype(dtype) or default_float), device, requires_grad, "eye()")


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
            raise ShapeError(f"cat(): tensor {i} has shape {tuple(t.shape)}, which does not fit tensor 0's "
                             f"{tuple(first.shape)} outside dim {dim}")
    return O.Cat.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Any], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new dimension (composed: unsqueeze each, then cat)."""
    tensors = _as_tensors(tensors, "stack")
    shape = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.shape != shape:
            raise ShapeError(f"stack(): all tensors need the same shape; tensor 0 is {tuple(shape)}, "
                             f"tensor {i} is {tuple(t.shape)}")
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
