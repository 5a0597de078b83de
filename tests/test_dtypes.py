"""Data types: PyTorch's names and aliases, and the rules that turn Python data into arrays."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.dtypes import as_dtype, to_array


def test_names_and_aliases():
    assert tg.float32 == np.float32 and tg.float64 == np.float64
    assert tg.int64 == np.int64 and tg.int32 == np.int32 and tg.uint8 == np.uint8 and tg.bool_ == np.bool_
    assert tg.float is tg.float32 and tg.double is tg.float64
    assert tg.long is tg.int64 and tg.int is tg.int32 and tg.bool is tg.bool_


def test_as_dtype():
    assert as_dtype(None) is None
    assert as_dtype(float) == tg.float32 and as_dtype(int) == tg.int64 and as_dtype(bool) == tg.bool
    assert as_dtype("float64") == tg.float64 and as_dtype(np.int32) == tg.int32
    assert as_dtype(tg.long) == tg.int64
    with pytest.raises(TypeError, match="dtype"):
        as_dtype("not a dtype")
    with pytest.raises(TypeError, match="not supported"):
        as_dtype(np.complex128)
    with pytest.raises(TypeError, match="not supported"):
        as_dtype(str)


@pytest.mark.parametrize("data, dtype", [
    ([1.0, 2.0], tg.float32),
    (1.5, tg.float32),
    ([1, 2.5], tg.float32),
    (np.array([1.0, 2.0]), tg.float32),  # float64 arrays become float32 unless dtype says otherwise
    (np.float64(2.0), tg.float32),
    ([1, 2], tg.int64),
    (3, tg.int64),
    (np.array([1, 2], dtype=np.int32), tg.int32),
    ([True, False], tg.bool),
    (True, tg.bool),
    (np.array([1, 2], dtype=np.uint8), tg.uint8),
])
def test_default_dtypes(data, dtype):
    assert to_array(data).dtype == dtype
    assert tg.tensor(data).dtype == dtype


def test_explicit_dtype_wins():
    assert tg.tensor(np.array([1.0, 2.0]), dtype=tg.float64).dtype == tg.float64
    assert tg.tensor([1, 2], dtype=tg.float).dtype == tg.float32
    assert tg.tensor([1.7], dtype=tg.long).tolist() == [1]
    assert tg.tensor([0, 2], dtype=tg.bool).tolist() == [False, True]


def test_to_array_copy_rules():
    array = np.array([1.0, 2.0], dtype=np.float32)
    assert to_array(array) is not array
    assert to_array(array, copy=False) is array
    assert to_array(array, tg.float64, copy=False).dtype == tg.float64


def test_to_array_errors_start_with_the_caller():
    for bad in ("abc", b"abc", None, object(), [1, None], ["a", "b"], 1 + 2j):
        with pytest.raises(TypeError, match=r"^ones_like\(\)"):
            to_array(bad, caller="ones_like")
    with pytest.raises(ValueError, match=r"^tensor\(\).*ragged"):
        to_array([[1], [2, 3]])
