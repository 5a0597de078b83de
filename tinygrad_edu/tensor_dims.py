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
from .dims import keepdim as keepdim_arg
from .dims import reduction_axes, resolve_shape, shape_arg
from .function import ShapeError, is_grad_enabled
from .tensor_extras import TensorExtras, index_arrays, promote

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


class DimMethods:
    """Reductions, reshapes and indexing: the Tensor methods whose arguments are dims or shapes."""

    __slots__ = ()

    # ---- reductions ---------------------------------------------------------------------------

    # Every reduction takes ``keepdim`` or numpy's ``keepdims`` (as PyTorch does).

    def sum(self, dim: Any = None, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        axis = None if dim is None else reduction_axes(dim, self.ndim, "sum")
        return O.Sum.apply(self, axis=axis, keepdims=keepdim_arg(keepdim, keepdims, "sum"))

    def mean(self, dim: Any = None, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        if self._data.dtype.kind != "f":
            self._require_float("mean")
        axis = None if dim is None else reduction_axes(dim, self.ndim, "mean")
        if keepdims is not None:
            keepdim = keepdim_arg(keepdim, keepdims, "mean")
        return O.Mean.apply(self, axis=axis, keepdims=keepdim)

    def _require_float(self, caller: str) -> None:
        if self._data.dtype.kind != "f":
            raise TypeError(
                f"{caller}: needs a floating-point tensor (this one is {self.dtype}); use .float().{caller}()"
            )

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None, keepdims: bool | None = None) -> Any:
        """Σ (x - mean)² / (n - correction): the unbiased sample variance by default, as PyTorch."""
        self._require_float("var")
        c = correction_arg(unbiased, correction, "var")
        axes = reduction_axes(dim, self.ndim, "var")
        return O.Var.apply(self, axis=axes, keepdims=keepdim_arg(keepdim, keepdims, "var"), correction=c)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None, keepdims: bool | None = None) -> Any:
        """√var: the sample standard deviation by default, as PyTorch."""
        self._require_float("std")
        c = correction_arg(unbiased, correction, "std")
        axes = reduction_axes(dim, self.ndim, "std")
        return O.Std.apply(self, axis=axes, keepdims=keepdim_arg(keepdim, keepdims, "std"), correction=c)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False, *,
             keepdims: bool | None = None) -> Any:
        """The Euclidean norm √(Σ x²) (p = 2 or "fro", the default) or Σ |x| (p = 1), over ``dim``."""
        self._require_float("norm")
        axes = reduction_axes(dim, self.ndim, "norm")
        keepdim = keepdim_arg(keepdim, keepdims, "norm")
        if p == 1 and not isinstance(p, bool):
            return self.abs().sum(axes, keepdim=keepdim)
        if p not in (2, "fro") or isinstance(p, bool):
            raise ValueError(f"norm: p={p!r} is not supported; use 2 or 'fro' (Euclidean) or 1 (sum of |x|)")
        return O.Norm.apply(self, axis=axes, keepdims=keepdim)

    def logsumexp(self, dim: Any, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        """log Σ e^x over ``dim``, as m + log Σ e^(x - m), m the largest x (a constant): no overflow."""
        x = self._as_float()
        axes = reduction_axes(dim, self.ndim, "logsumexp")
        if x._data.size == 0:
            raise RuntimeError(f"logsumexp: the tensor is empty (shape {tuple(self.shape)})")
        peak = np.max(x._data, axis=axes, keepdims=True)
        m = self._make(np.where(np.isfinite(peak), peak, 0))  # all -inf (or +inf): no shift, as PyTorch
        out = (x - m).exp().sum(axes, keepdim=True).log() + m
        return out if keepdim_arg(keepdim, keepdims, "logsumexp") else out.squeeze(axes)

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

    def max(self, dim: Any = None, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        """Largest element; ``max(dim)`` → (values, indices); ``max(other_tensor)`` → elementwise maximum."""
        return self._select(O.Max, O.Maximum, dim, keepdim_arg(keepdim, keepdims, "max"), "max")

    def min(self, dim: Any = None, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        """Smallest element; ``min(dim)`` → (values, indices); ``min(other_tensor)`` → elementwise minimum."""
        return self._select(O.Min, O.Minimum, dim, keepdim_arg(keepdim, keepdims, "min"), "min")

    def log_softmax(self, dim: int = -1) -> Any:
        axis = _axis(dim, self.ndim, "log_softmax")
        return O.LogSoftmax.apply(self._as_float(), axis=axis)

    def softmax(self, dim: int = -1) -> Any:
        return O.Softmax.apply(self._as_float(), axis=_axis(dim, self.ndim, "softmax"))

    # ---- shape --------------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Any:
        if not shape:
            raise TypeError("view: give the new shape, e.g. view(2, 3), view(-1), or view(()) for 0-d")
        target = resolve_shape(shape_arg(shape, "view"), self.shape)
        return O.Reshape.apply(self, shape=target)  # a new tensor even for the same shape, as PyTorch's view

    view = reshape

    def view_as(self, other: Any) -> Any:
        return self.reshape(other.shape)

    def expand_as(self, other: Any) -> Any:
        return self.expand(other.shape)

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
            raise ShapeError(f"expand: shape {tuple(self.shape)} cannot be expanded to {tuple(sizes)}")
        return O.Expand.apply(self, shape=shape)

    def unbind(self, dim: int = 0) -> tuple:
        """The slices along ``dim``, each without that dim: ``x.unbind(1)`` is ``(x[:, 0], x[:, 1], ...)``."""
        axis = _axis(dim, self.ndim, "unbind")
        if axis is None:
            raise IndexError("unbind: a 0-d tensor has no dim to unbind")
        return tuple(self[(slice(None),) * axis + (i,)] for i in range(self.shape[axis]))

    def mm(self, mat2: Any) -> Any:
        """The matrix product of two 2-D tensors (``@`` also takes 1-D and batched operands)."""
        shape2 = tuple(getattr(mat2, "shape", np.shape(mat2)))
        if not isinstance(mat2, TensorExtras) or self.ndim != 2 or len(shape2) != 2:
            raise ShapeError(f"mm: both operands must be 2-D tensors (matrices), got shapes "
                             f"{tuple(self.shape)} and {shape2}; use matmul or @ for other shapes")
        if self.shape[1] != shape2[0]:
            raise ShapeError(f"mm: {tuple(self.shape)} @ {shape2}: inner dimensions {self.shape[1]} and "
                             f"{shape2[0]} differ")
        return O.MatMul.apply(*promote(self, mat2))

    def __getitem__(self, index: Any) -> Any:
        index = index_arrays(index)
        if not (self._requires_grad and is_grad_enabled()):
            try:
                result = self._data[index]
                if not isinstance(result, np.ndarray):  # one element: numpy copies it, PyTorch gives a view
                    result = self._data[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
                return self._make(result)
            except IndexError as error:
                raise IndexError(f"index: {error} (tensor of shape {tuple(self.shape)})") from None
        return O.GetItem.apply(self, index=index)
