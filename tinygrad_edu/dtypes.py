"""Data types (numpy dtypes under PyTorch's names) and the rules for turning Python data into arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

default_float = float32


def as_dtype(dtype: Any) -> np.dtype | None:
    """Accept our dtypes, numpy dtypes, strings ("float32") and Python types; ``float`` means float32
    (PyTorch's ``torch.float``), ``int`` int64 and ``bool`` bool."""
    if dtype is None:
        return None
    if dtype is float:
        return float32
    if dtype is int:
        return int64
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"dtype: {dtype!r} is not a data type (use float32, float64, int64 or bool)"
        ) from None
    if result.kind not in "biuf":
        raise TypeError(f"dtype: {result} is not supported (use float32, float64, int64 or bool)")
    return result


def to_array(data: Any, dtype: Any = None, caller: str = "tensor", copy: bool = True) -> np.ndarray:
    """Python numbers, (nested) lists, numpy arrays or Tensors → a numpy array with PyTorch's dtype rules:
    floats become float32 (float64 too, unless ``dtype`` says otherwise), ints int64, bools bool.
    With ``copy=False`` an array of the right dtype is used as it is (shared, like ``from_numpy``)."""
    dtype = as_dtype(dtype)
    if data is None:
        raise TypeError(f"{caller}(): cannot make a tensor from None")
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{caller}(): cannot make a tensor from a string ({data!r})")
    if isinstance(data, (list, tuple)) and any(isinstance(item, (str, bytes)) for item in data):
        raise TypeError(f"{caller}(): cannot make a tensor from a list of strings")
    try:
        array = np.asarray(data)
    except ValueError as error:
        raise ValueError(
            f"{caller}(): the nested sequence is ragged (rows of different lengths): {error}"
        ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"{caller}(): cannot make a tensor from {type(data).__name__} with numpy dtype {array.dtype} "
            "(numbers, nested lists of numbers and numeric arrays only)"
        )
    if dtype is None:
        dtype = default_float if array.dtype.kind == "f" else array.dtype
    if array.dtype != dtype:
        return array.astype(dtype)
    if copy and not isinstance(data, (list, tuple, int, float, bool)):
        return array.copy()
    return array

