"""The methods of ``Tensor`` that take a ``dim`` or a shape: reductions (sum, mean, var, max, ...),
reshapes and permutations, and indexing. Each checks its dims (``dims.py``) and calls one op.

``Tensor`` (``tensor.py``) inherits them from ``DimMethods``; read ``tensor.py`` first.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from . import ops as O
from .dims import axes as _axes
from .dims import axis as _axis
from .dims import correction as correction_arg
from .dims import reduction_axes, resolve_shape, shape_arg
from .function import ShapeError, is_grad_enabled
from .tensor_extras import TensorExtras, index_arrays, promote

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


class DimMethods:
    """Reductions, reshapes and indexing: the Tensor methods whose arguments are dims or shapes."""

    __slots__ = ()

    # ---- reductions ---------------------------------------------------------------------------

    def sum(self, dim: Any = None, keepdim: bool = False) -> Any:
        axis = None if dim is None else reduction_axes(dim, self.ndim, "sum")
        return O.Sum.apply(self, axis=axis, keepdims=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Any:
        if self._data.dtype.kind != "f":
            raise TypeError(
                f"mean: needs a floating-point tensor (this one is {self.dtype}); use .float().mean()"
            )
        axis = None if dim is None else reduction_axes(dim, self.ndim, "mean")
        return O.Mean.apply(self, axis=axis, keepdims=keepdim)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None) -> Any:
        """Σ (x - mean)² / (n - correction): the unbiased sample variance by default, as PyTorch."""
        c = correction_arg(unbiased, correction, "var")
        axes = reduction_axes(dim, self.ndim, "var")
        count = self.numel() if axes is None else int(np.prod([self.shape[a] for a in axes]))
        centered = self - self.mean(axes, keepdim=True)
        return (centered * centered).sum(axes, keepdim=keepdim) / max(count - c, 0)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None) -> Any:
        """√var: the sample standard deviation by default, as PyTorch."""
        c = correction_arg(unbiased, correction, "std")
        axes = reduction_axes(dim, self.ndim, "std")
        return O.Std.apply(self._as_float(), axis=axes, keepdims=keepdim, correction=c)

    def _select(self, op: type, other_op: type, dim: Any, keepdim: bool, name: str) -> Any:
        if isinstance(dim, TensorExtras):  # t.max(other) is the elementwise maximum
            return other_op.apply(*promote(self, dim))
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{name}: the tensor is empty")
            return op.apply(self)
        axis = _axis(dim, self.ndim, name)
        if axis is None:  # a 0-d tensor: its only element, at index 0
            return ValuesIndices(op.apply(self), self._make(np.array(0, np.int64)))
        values = op.apply(self, axis=axis, keepdims=keepdim)
        arg = np.argmax if op is O.Max else np.argmin
        indices = arg(self._data, axis=axis, keepdims=keepdim)
        return ValuesIndices(values, self._make(indices))

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """Largest element; ``max(dim)`` → (values, indices); ``max(other_tensor)`` → elementwise maximum."""
        return self._select(O.Max, O.Maximum, dim, keepdim, "max")

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """Smallest element; ``min(dim)`` → (values, indices); ``min(other_tensor)`` → elementwise minimum."""
        return self._select(O.Min, O.Minimum, dim, keepdim, "min")

    def log_softmax(self, dim: int = -1) -> Any:
        axis = _axis(dim, self.ndim, "log_softmax")
        return O.LogSoftmax.apply(self._as_float(), axis=axis)

    def softmax(self, dim: int = -1) -> Any:
        return self.log_softmax(dim).exp()

    # ---- shape --------------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Any:
        target = resolve_shape(shape_arg(shape, "view"), self.shape)
        return O.Reshape.apply(self, shape=target)  # a new tensor even for the same shape, as PyTorch's view

    view = reshape

    def view_as(self, other: Any) -> Any:
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Any:
        if self.ndim == 0:
            _axis(start_dim, 0, "flatten")  # only 0 and -1 name the tensor itself
            _axis(end_dim, 0, "flatten")
            return self.reshape(1)
        start, end = _axis(start_dim, self.ndim, "flatten"), _axis(end_dim, self.ndim, "flatten")
        if start > end:
            raise IndexError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"(a tensor with {self.ndim} dimensions)")
        shape = self.shape[:start] + (int(np.prod(self.shape[start:end + 1])),) + self.shape[end + 1:]
        return self.reshape(shape)

    def unsqueeze(self, dim: int) -> Any:
        if not isinstance(dim, (int, np.integer)) or not -self.ndim - 1 <= dim <= self.ndim:
            raise IndexError(
                f"unsqueeze: dim {dim!r} is out of range for a tensor with {self.ndim} dimensions"
            )
        dim = dim % (self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim: Any = None) -> Any:
        axes = _axes(dim, self.ndim, "squeeze")
        if axes is None:
            axes = range(self.ndim)
        shape = tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1))
        return self.reshape(shape)

    def permute(self, *dims: Any) -> Any:
        dims = shape_arg(dims, "permute")
        axes = _axes(dims, self.ndim, "permute") or ()
        if len(dims) != self.ndim or sorted(axes) != list(range(self.ndim)):
            raise ShapeError(
                f"permute: {tuple(dims)} is not a reordering of the {self.ndim} dimensions of {self.shape}"
            )
        return O.Permute.apply(self, axes=axes)

    def transpose(self, dim0: int, dim1: int) -> Any:
        axes = list(range(self.ndim))
        pair = _axes((dim0, dim1), self.ndim, "transpose")
        if not pair:  # a 0-d tensor: nothing to swap
            return self
        a, b = pair
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(tuple(axes))

    @property
    def T(self) -> Any:  # noqa: N802 (PyTorch's name)
        return self.permute(tuple(reversed(range(self.ndim))))

    def t(self) -> Any:
        return self.T if self.ndim == 2 else self

    def expand(self, *sizes: Any) -> Any:
        sizes = shape_arg(sizes, "expand")
        offset = len(sizes) - self.ndim  # new leading dimensions (-1, "keep", only for existing ones)
        shape = tuple(self.shape[i - offset] if n == -1 and i >= offset else n for i, n in enumerate(sizes))
        if offset < 0 or any(n < 0 for n in shape) or any(
            old not in (1, new) for old, new in zip(self.shape, shape[offset:], strict=True)
        ):
            raise ShapeError(f"expand: shape {self.shape} cannot be expanded to {tuple(sizes)}")
        return O.Expand.apply(self, shape=shape)

    def __getitem__(self, index: Any) -> Any:
        index = index_arrays(index)
        if not (self._requires_grad and is_grad_enabled()):
            try:
                result = self._data[index]
                if not isinstance(result, np.ndarray):  # one element: numpy copies it, PyTorch gives a view
                    result = self._data[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
                return self._make(result)
            except IndexError as error:
                raise IndexError(f"index: {error} (tensor of shape {self.shape})") from None
        return O.GetItem.apply(self, index=index)
