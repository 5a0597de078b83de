"""In-place updates of a tensor (``+=``, ``mul_``, ``x[i] = v``, ``zero_``, ...), as PyTorch does them.

Outside the graph (no tensor involved requires grad, or under ``no_grad``) they change the numpy array
in place. Inside it they are recorded: the op runs out of place on a copy of the old value, the result
is written into the tensor's memory (so views see it) and the op becomes the tensor's ``grad_fn``.
A leaf that requires grad cannot be changed in place while gradients are recorded, as in PyTorch.

Every change is stamped (``function.mark_changed``): backward refuses an op whose saved arrays were
changed after the op ran, instead of computing a wrong gradient from them.

``Tensor`` (``tensor.py``) inherits these methods from ``InPlaceMethods``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import ops as O
from .function import ShapeError, is_grad_enabled, mark_changed
from .tensor_extras import TensorExtras, index_arrays, promote, scalar_operand

_NOTHING_SELECTED = np.array(False)  # Where(False, old, new): the new value, and no gradient to the old


class InPlaceMethods:
    """The in-place methods of Tensor; each returns the tensor itself."""

    __slots__ = ()

    def _records(self, other: Any = None) -> bool:
        """Does changing this tensor with ``other`` belong in the graph?"""
        return (self._requires_grad or (isinstance(other, TensorExtras) and other._requires_grad)) \
            and is_grad_enabled()

    def _record(self, compute: Callable[[Any], Any], op: str) -> Any:
        """self ← compute(old self), recorded in the graph."""
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError(
                f"{op}: a leaf tensor that requires grad cannot be changed in place while gradients are "
                "recorded; use `with no_grad():` or change `.data` instead (p.data -= lr * p.grad)"
            )
        old = self._make(self._data.copy(), self._requires_grad, self.grad_fn)  # what backward needs
        result = compute(old)
        if result.shape != self.shape:
            raise ShapeError(f"{op}: the result has shape {tuple(result.shape)}, which does not fit in place "
                             f"in the tensor of shape {tuple(self.shape)}")
        if not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise TypeError(f"{op}: the result is {result.dtype}, which cannot be stored in place in a "
                            f"{self.dtype} tensor")
        self._data[...] = result._data
        mark_changed(self._data)
        self.grad_fn, self._requires_grad = result.grad_fn, True
        return self

    def _inplace(self, ufunc: np.ufunc, op_class: type, other: Any, op: str) -> Any:
        # _records(other), spelled out: the training loop's p.data -= lr * p.grad passes here every step
        if (self._requires_grad or (isinstance(other, TensorExtras) and other._requires_grad)) \
                and is_grad_enabled():
            return self._record(lambda old: op_class.apply(*promote(old, other)), op)
        value = other._data if isinstance(other, TensorExtras) else other
        try:
            ufunc(self._data, value, out=self._data)  # numpy's default casting for out=: "same_kind"
        except (ValueError, TypeError) as error:
            raise ShapeError(
                f"{op}: cannot update a {self.dtype} tensor of shape {tuple(self.shape)} in place with "
                f"{np.shape(value)}: {error}"
            ) from None
        mark_changed(self._data)
        return self

    def __iadd__(self, other: Any) -> Any:
        return self._inplace(np.add, O.Add, other, "add_")

    def __isub__(self, other: Any) -> Any:
        return self._inplace(np.subtract, O.Sub, other, "sub_")

    def __imul__(self, other: Any) -> Any:
        return self._inplace(np.multiply, O.Mul, other, "mul_")

    def __itruediv__(self, other: Any) -> Any:
        return self._inplace(np.divide, O.Div, other, "div_")

    def add_(self, other: Any, alpha: float = 1) -> Any:
        return self._inplace(np.add, O.Add, other * alpha if alpha != 1 else other, "add_")

    def sub_(self, other: Any, alpha: float = 1) -> Any:
        return self._inplace(np.subtract, O.Sub, other * alpha if alpha != 1 else other, "sub_")

    def mul_(self, other: Any) -> Any:
        return self._inplace(np.multiply, O.Mul, other, "mul_")

    def div_(self, other: Any) -> Any:
        return self._inplace(np.divide, O.Div, other, "div_")

    def copy_(self, source: Any) -> Any:
        """Fill this tensor with ``source`` (broadcast to its shape); the gradient flows to ``source``."""
        return self._assign(_number_or_array(source, "copy_"), "copy_")

    def fill_(self, value: Any) -> Any:
        return self._assign(_number_or_array(value, "fill_", number_only=True), "fill_")

    def zero_(self) -> Any:
        if self._requires_grad and is_grad_enabled():
            return self._assign(0, "zero_")
        self._data[...] = 0  # p.grad.zero_() in every training step: the short way
        mark_changed(self._data)
        return self

    def _assign(self, source: Any, op: str) -> Any:
        if not isinstance(source, TensorExtras):
            source = scalar_operand(source, self)
        if self._records(source):
            return self._record(lambda old: O.Where.apply(old._make(_NOTHING_SELECTED), old, source), op)
        try:
            self._data[...] = source._data
        except ValueError:
            raise ShapeError(f"{op}: a source of shape {tuple(source.shape)} does not broadcast to the "
                             f"tensor's shape {tuple(self.shape)}") from None
        mark_changed(self._data)
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        index = index_arrays(index)
        if not isinstance(value, TensorExtras):
            value = scalar_operand(_number_or_array(value, "__setitem__"), self)
        if self._records(value):
            self._record(lambda old: O.SetItem.apply(old, value, index=index), "__setitem__")
            return
        try:
            self._data[index] = value._data
        except IndexError as error:
            raise IndexError(f"__setitem__: {error} (tensor of shape {tuple(self.shape)})") from None
        except ValueError:
            part = np.shape(self._data[index])
            raise ShapeError(f"__setitem__: a value of shape {tuple(value.shape)} does not fit the selected "
                             f"part of shape {part} (tensor of shape {tuple(self.shape)})") from None
        mark_changed(self._data)


def _number_or_array(value: Any, op: str, number_only: bool = False) -> Any:
    """Refuse what is not numeric data (strings, None, objects), naming the op."""
    numeric = isinstance(value, (bool, int, float, np.number, np.bool_, TensorExtras))
    if not numeric and not number_only:
        numeric = np.asarray(value).dtype.kind in "biuf" if value is not None else False
    if not numeric:
        kind = "a number" if number_only else "a number, a tensor or an array of numbers"
        raise TypeError(f"{op}: the value must be {kind}, not {value!r}")
    return value
