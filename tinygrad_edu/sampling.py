"""Random tensors, as in ``torch``: ``randn``, ``rand``, ``randint``, ``randperm``, ``multinomial``.

Each draws from ``generator=`` (a ``tinygrad_edu.Generator``) or, when it is left out, from the default
generator that ``manual_seed`` seeds (``random.py``). Arguments are checked as in ``creation.py``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .creation import count_arg, made, size_arg
from .dtypes import as_dtype, default_float
from .function import ShapeError
from .random import Generator, numpy_generator
from .tensor import Tensor


def _float_dtype(dtype: Any, caller: str) -> np.dtype:
    dtype = as_dtype(dtype) or default_float
    if dtype.kind != "f":
        raise TypeError(f"{caller}: random floats need a floating-point dtype, not {dtype}")
    return dtype


def randn(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Samples of the standard normal distribution N(0, 1)."""
    shape, dtype = size_arg(size, "randn()"), _float_dtype(dtype, "randn()")
    values = numpy_generator(generator, "randn()").standard_normal(shape, dtype=dtype)
    return made(values, device, requires_grad, "randn()")


def rand(*size: Any, generator: Generator | None = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Samples of the uniform distribution on [0, 1)."""
    shape, dtype = size_arg(size, "rand()"), _float_dtype(dtype, "rand()")
    values = numpy_generator(generator, "rand()").random(shape, dtype=dtype)
    return made(values, device, requires_grad, "rand()")


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None,  # noqa: A002
               device: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


def randint(low: int, high: Any = None, size: Sequence[int] = (), *, generator: Generator | None = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Random integers in [low, high); ``randint(high, size)`` starts at 0, as in PyTorch."""
    if high is None:
        low, high = 0, low
    elif isinstance(high, (tuple, list)) and size == ():  # randint(10, (3,)): high and size
        low, high, size = 0, low, high
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, bool) or not isinstance(bound, numbers.Integral):
            raise TypeError(f"randint(): {name} must be an int, got {bound!r}")
    if low >= high:
        raise ValueError(f"randint(): low must be less than high, got low={low} >= high={high}")
    shape = size_arg((size,), "randint()")
    values = numpy_generator(generator, "randint()").integers(low, high, size=shape)
    return made(values.astype(as_dtype(dtype) or np.int64), device, requires_grad, "randint()")


def randperm(n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1."""
    order = numpy_generator(generator, "randperm()").permutation(count_arg(n, "randperm()", "n"))
    return made(order.astype(as_dtype(dtype) or np.int64), device, requires_grad, "randperm()")


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,  # noqa: A002
                generator: Generator | None = None) -> Tensor:
    """Draw ``num_samples`` category indices (int64) from each row of non-negative weights.

    ``input`` is 1-D (one distribution) or 2-D (one per row); each row is normalised, so weights need not
    sum to 1. Without replacement a category is drawn at most once, so each row needs at least
    ``num_samples`` non-zero weights.
    """
    caller = "multinomial()"
    if not isinstance(input, Tensor):
        raise TypeError(f"{caller}: input must be a Tensor of probabilities, got {type(input).__name__}")
    if input.ndim not in (1, 2):
        raise ShapeError(f"{caller}: input must be 1-D or 2-D (one distribution per row), got shape "
                         f"{tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{caller}: input must be floating-point probabilities or weights, got {input.dtype}")
    num_samples = count_arg(num_samples, caller, "num_samples")
    if num_samples == 0:
        raise ValueError(f"{caller}: num_samples must be positive, got 0")
    weights = input._data.astype(np.float64).reshape(-1, input.shape[-1])
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(f"{caller}: input contains inf, nan or a negative weight")
    totals = weights.sum(axis=1)
    if (totals <= 0).any():
        row = int(np.argmax(totals <= 0))
        raise ValueError(f"{caller}: row {row} of input sums to 0, which is not a distribution")
    if not replacement:
        nonzero = int((weights > 0).sum(axis=1).min())
        if num_samples > nonzero:
            raise ValueError(f"{caller}: cannot draw {num_samples} samples without replacement from a row "
                             f"with {nonzero} non-zero weights ({input.shape[-1]} categories)")
    rng = numpy_generator(generator, caller)
    drawn = np.stack([rng.choice(len(row), size=num_samples, replace=replacement, p=row / row.sum())
                      for row in weights]).astype(np.int64)
    return Tensor._make(drawn[0] if input.ndim == 1 else drawn)


def bernoulli(input: Tensor, *, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """1 with probability ``input`` (elementwise, each in [0, 1]), else 0; the input's dtype."""
    caller = "bernoulli()"
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        got = input.dtype if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"{caller}: input must be a floating-point tensor of probabilities, got {got}")
    p = input._data
    if p.size and not (np.all(p >= 0) and np.all(p <= 1)):  # also refuses NaN
        raise ValueError(f"{caller}: every probability must be in [0, 1]")
    drawn = numpy_generator(generator, caller).random(p.shape) < p
    return Tensor._make(drawn.astype(input.dtype))


def dropout_mask(shape: tuple, p: float, dtype: np.dtype, generator: Generator | None = None) -> Tensor:
    """Dropout's mask: each element 1 / (1 - p) with probability 1 - p (kept, scaled so that the mean stays
    the same), else 0 (dropped). ``p`` = 1 drops everything."""
    keep = numpy_generator(generator, "dropout()").random(shape) >= p
    scale = np.asarray(1 / (1 - p) if p < 1 else 0, dtype)
    return Tensor._make(keep * scale)
