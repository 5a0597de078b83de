"""``torch.histogram`` and ``torch.histc``: how many elements fall in each bin (makemore part 3 draws its
activations' histograms with them). Neither is differentiable: the results are plain tensors.

A bin holds the elements x with left edge ≤ x < right edge; the last bin also holds its right edge, and
elements outside the range are not counted.
"""

from __future__ import annotations

import numbers
from collections import namedtuple
from typing import Any

import numpy as np

from .function import ShapeError
from .tensor import Tensor

HistogramResult = namedtuple("histogram", ["hist", "bin_edges"])


def _float_input(input: Any, caller: str) -> np.ndarray:  # noqa: A002 (PyTorch's argument names)
    if not isinstance(input, Tensor):
        raise TypeError(f"{caller}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{caller}: input must be a floating-point tensor, got {input.dtype} (use .float())")
    return input._data.reshape(-1)


def _bin_count(bins: Any, caller: str) -> int:
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral):
        raise TypeError(f"{caller}: bins must be an int or a 1-D tensor of edges, got {bins!r}")
    if bins <= 0:
        raise ValueError(f"{caller}: bins must be > 0, got {bins}")
    return int(bins)


def _range(low: float, high: float, widen: float, caller: str) -> tuple[float, float]:
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{caller}: the range [{low}, {high}] is not finite")
    if low > high:
        raise ValueError(f"{caller}: the range's min {low} exceeds its max {high}")
    if low == high:  # one point: widened so that it falls inside a bin
        low, high = low - widen, high + widen
    return low, high


def histogram(input: Tensor, bins: Any = 100, *, range: tuple | None = None,  # noqa: A001 A002
              weight: Tensor | None = None, density: bool = False) -> HistogramResult:
    """The histogram of ``input``'s elements: ``(hist, bin_edges)``.

    ``bins`` is a number of equal bins over ``range`` (default: the elements' min to max; an empty tensor
    gives [0, 1], a single value v gives [v - ½, v + ½]), or a 1-D tensor of increasing edges. Each element
    counts 1, or its ``weight``; with ``density`` the counts are divided by their total and by each bin's
    width, so that the histogram integrates to 1.
    """
    caller = "histogram()"
    values = _float_input(input, caller)
    dtype = input.dtype
    if isinstance(bins, Tensor):
        if bins.ndim != 1 or bins.numel() < 2:
            raise ShapeError(f"{caller}: bins as a tensor must be 1-D with at least 2 edges, got shape "
                             f"{tuple(bins.shape)}")
        if range is not None:
            raise TypeError(f"{caller}: range is only for a number of bins, not for a tensor of edges")
        edges = bins._data.astype(dtype)
        if (np.diff(edges) < 0).any():
            raise ValueError(f"{caller}: the bin edges must increase, got {edges.tolist()}")
    else:
        count = _bin_count(bins, caller)
        if range is not None:
            low, high = (float(v) for v in range)
        elif values.size:
            low, high = float(values.min()), float(values.max())
        else:
            low, high = 0.0, 1.0
        low, high = _range(low, high, 0.5, caller)
        edges = np.linspace(low, high, count + 1).astype(dtype)
    weights = None
    if weight is not None:
        if not isinstance(weight, Tensor) or weight.shape != input.shape:
            got = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
            raise ShapeError(f"{caller}: weight must be a tensor of the input's shape {tuple(input.shape)}, "
                             f"got {got}")
        weights = weight._data.reshape(-1).astype(np.float64)
    hist, _ = np.histogram(values, bins=edges, weights=weights)
    hist = hist.astype(np.float64)
    if density:
        total = hist.sum()
        hist = hist / (total * np.diff(edges.astype(np.float64))) if total else hist
    return HistogramResult(Tensor._make(hist.astype(dtype)), Tensor._make(edges))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of ``input``'s elements in ``bins`` equal bins over [min, max]; when min and max are both 0,
    the elements' own min and max (a single value v: [v - 1, v + 1])."""
    caller = "histc()"
    values = _float_input(input, caller)
    count = _bin_count(bins, caller)
    low, high = float(min), float(max)
    if low == high == 0 and values.size:
        low, high = float(values.min()), float(values.max())
    if low > high:
        raise ValueError(f"{caller}: max must be larger than min (got min {low}, max {high})")
    low, high = _range(low, high, 1.0, caller)
    hist, _ = np.histogram(values, bins=count, range=(low, high))
    return Tensor._make(hist.astype(input.dtype))
