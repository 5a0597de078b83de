"""Short text summaries of arrays: all the values of a tiny one, min / mean / max of a big one.

Used by the graph pictures and by the backward trace, so both describe a tensor the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: arrays with at most this many elements are shown value by value
PREVIEW_SIZE = 6


@dataclass(frozen=True)
class ArrayStats:
    """What we show about one array: its shape and dtype, and its values or its min / mean / max."""

    shape: tuple[int, ...]
    dtype: str
    min: float | None
    mean: float | None
    max: float | None
    values: tuple | None  # every value (flattened, row by row) when the array is tiny, else None

    def summary(self) -> str:
        """``[0.25, -0.5]`` for a tiny array, ``min -1.2 · mean 0.03 · max 2.9`` otherwise."""
        if self.min is None:
            return "empty"
        if self.values is not None:
            if len(self.values) == 1 and self.shape == ():
                return format_number(self.values[0])
            return "[" + ", ".join(format_number(v) for v in self.values) + "]"
        low, mean, high = (format_number(v) for v in (self.min, self.mean, self.max))
        return f"min {low} · mean {mean} · max {high}"

    def describe(self) -> str:
        """Shape, dtype and summary on one line, e.g. ``(4, 1) float32  [0.1, 0.2, 0.3, 0.4]``."""
        return f"{format_shape(self.shape)} {self.dtype}  {self.summary()}"

    def __str__(self) -> str:
        return self.describe()


def format_number(value: Any) -> str:
    """4 significant digits for floats (``0.1235``, ``1.235e-05``), integers and booleans as they are."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if value == 0:
        return "0"  # also for -0.0, which would only puzzle a reader
    return f"{value:.4g}"


def format_shape(shape: tuple[int, ...]) -> str:
    """``(4, 1)``, ``(1,)`` and ``()`` as Python writes them."""
    return str(tuple(int(n) for n in shape))


def array_stats(array: np.ndarray, preview: int = PREVIEW_SIZE) -> ArrayStats:
    """Summarize ``array``: keep every value when it has at most ``preview`` elements."""
    array = np.asarray(array)
    values = None
    if array.size <= preview:
        values = tuple(v.item() for v in array.reshape(-1))
    if array.size == 0:
        return ArrayStats(array.shape, str(array.dtype), None, None, None, values)
    numbers = array.astype(np.float64) if array.dtype.kind in "biu" else array
    with np.errstate(all="ignore"):
        low, mean, high = float(numbers.min()), float(numbers.mean()), float(numbers.max())
    return ArrayStats(tuple(array.shape), str(array.dtype), low, mean, high, values)
