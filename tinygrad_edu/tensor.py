"""Tensor: a numpy array, plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

Every differentiable method is one line that hands the tensor to an op of ``tinygrad_edu.ops``; the op's
``apply`` runs it on numpy arrays and records it in the graph; ``backward()`` asks the engine to walk the
graph back. Names and semantics follow PyTorch. What PyTorch code expects of a tensor beyond autograd
(printing, ``numpy()``, ``float()``, comparisons, in-place updates) is in ``tensor_extras.py``.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from typing import Any

import numpy as np

from . import engine
from . import ops as O
from .dims import axes as _axes
from .dims import axis as _axis
from .dims import correction as correction_arg
from .dims import reduction_axes, resolve_shape, shape_arg
from .dtypes import to_array
from .function import Function, ShapeError, is_grad_enabled
from .tensor_extras import TensorExtras, index_arrays, promote

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


class Tensor(TensorExtras):
    """An n-dimensional array that can record the ops applied to it and backpropagate through them."""

    __slots__ = ("_data", "_requires_grad", "grad", "grad_fn", "__weakref__")
    __array_ufunc__ = None  # ``ndarray + Tensor`` calls Tensor.__radd__ instead of converting the Tensor

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        self._data = to_array(data, dtype, caller="Tensor")
        self._requires_grad = False
        self.grad: Tensor | None = None
        self.grad_fn: Function | None = None
        if requires_grad:
            self.requires_grad_()

    @staticmethod
    def _make(array: np.ndarray, requires_grad: bool = False, grad_fn: Any = None) -> Tensor:
        """Wrap an array without checks or copies (the fast path ops use)."""
        t = object.__new__(Tensor)
        # numpy returns scalars (np.float32) for 0-d results such as a.sum(): keep an array, always
        t._data = array if type(array) is np.ndarray else np.asarray(array)
        t._requires_grad = requires_grad
        t.grad = None
        t.grad_fn = grad_fn
        return t

    # ---- what autograd needs ------------------------------------------------------------------

    @property
    def data(self) -> Tensor:
        """The same storage without the graph: ``p.data -= lr * p.grad`` updates ``p`` unrecorded."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        if isinstance(value, Tensor):
            self._data = value._data
        else:
            self._data = to_array(value, self._data.dtype, caller="data", copy=False)

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Ask autograd to track this leaf (in place); returns self."""
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad_: only floating-point tensors can require gradients (this one is "
                f"{self.dtype}); convert it first, e.g. t.float().requires_grad_()"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: a non-leaf tensor always requires grad; use detach() instead")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (no ``grad_fn``); only leaves get ``.grad`` by default."""
        return self.grad_fn is None

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Fill ``.grad`` of every leaf that requires grad with d self / d leaf (accumulating)."""
        if not self._requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no grad_fn "
                               "(did you forget requires_grad_() on a parameter, or run under no_grad()?)")
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    "backward: grad can be implicitly created only for scalar outputs; this output has "
                    f"shape {self.shape}: reduce it (e.g. .mean()) or pass gradient="
                )
            grad = np.array(1, self._data.dtype).reshape(self._data.shape)  # d self / d self = 1
        else:
            grad = to_array(gradient, self.dtype, caller="backward", copy=False)
            if grad.shape != self.shape:
                raise ShapeError(
                    f"backward: gradient of shape {grad.shape} does not match output shape {self.shape}"
                )
        engine.backward(self, grad, retain_graph=retain_graph)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares storage)."""
        return Tensor._make(self._data)

    def clone(self) -> Tensor:
        """A copy that stays in the graph."""
        if self._requires_grad:
            return O.Cast.apply(self, dtype=self.dtype)
        return Tensor._make(self._data.copy())

    # ---- arithmetic ---------------------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        return O.Add.apply(*promote(self, other))

    def __radd__(self, other: Any) -> Tensor:
        a, b = promote(self, other)
        return O.Add.apply(b, a)

    def __sub__(self, other: Any) -> Tensor:
        return O.Sub.apply(*promote(self, other))

    def __rsub__(self, other: Any) -> Tensor:
        a, b = promote(self, other)
        return O.Sub.apply(b, a)

    def __mul__(self, other: Any) -> Tensor:
        return O.Mul.apply(*promote(self, other))

    def __rmul__(self, other: Any) -> Tensor:
        a, b = promote(self, other)
        return O.Mul.apply(b, a)

    def __truediv__(self, other: Any) -> Tensor:
        a, b = promote(self, other, true_divide=True)
        return O.Div.apply(a, b)

    def __rtruediv__(self, other: Any) -> Tensor:
        a, b = promote(self, other, true_divide=True)
        return O.Div.apply(b, a)

    def __pow__(self, exponent: Any) -> Tensor:
        return O.Pow.apply(*promote(self, exponent))

    def __rpow__(self, base: Any) -> Tensor:
        a, b = promote(self, base)
        return O.Pow.apply(b, a)

    def __neg__(self) -> Tensor:
        return O.Neg.apply(self)

    def __matmul__(self, other: Any) -> Tensor:
        return O.MatMul.apply(*promote(self, other))

    def __rmatmul__(self, other: Any) -> Tensor:
        a, b = promote(self, other)
        return O.MatMul.apply(b, a)

    def add(self, other: Any) -> Tensor:
        return self + other

    def sub(self, other: Any) -> Tensor:
        return self - other

    def mul(self, other: Any) -> Tensor:
        return self * other

    def div(self, other: Any) -> Tensor:
        return self / other

    def neg(self) -> Tensor:
        return -self

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def matmul(self, other: Any) -> Tensor:
        return self @ other

    def maximum(self, other: Any) -> Tensor:
        return O.Maximum.apply(*promote(self, other))

    def minimum(self, other: Any) -> Tensor:
        return O.Minimum.apply(*promote(self, other))

    # ---- elementwise functions ----------------------------------------------------------------

    def exp(self) -> Tensor:
        return O.Exp.apply(self._as_float())

    def log(self) -> Tensor:
        return O.Log.apply(self._as_float())

    def sqrt(self) -> Tensor:
        return O.Sqrt.apply(self._as_float())

    def sigmoid(self) -> Tensor:
        return O.Sigmoid.apply(self._as_float())

    def tanh(self) -> Tensor:
        return O.Tanh.apply(self._as_float())

    def relu(self) -> Tensor:
        return O.Relu.apply(self)

    def abs(self) -> Tensor:
        return O.Abs.apply(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 (PyTorch's names)
        if min is None and max is None:
            raise ValueError("clamp: give at least one of min and max")
        source = self._as_float() if isinstance(min, float) or isinstance(max, float) else self
        return O.Clamp.apply(source, low=min, high=max)

    clip = clamp

    # ---- reductions ---------------------------------------------------------------------------

    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        axis = None if dim is None else reduction_axes(dim, self.ndim, "sum")
        return O.Sum.apply(self, axis=axis, keepdims=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        if self._data.dtype.kind != "f":
            raise TypeError(
                f"mean: needs a floating-point tensor (this one is {self.dtype}); use .float().mean()"
            )
        axis = None if dim is None else reduction_axes(dim, self.ndim, "mean")
        return O.Mean.apply(self, axis=axis, keepdims=keepdim)

    def var(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None) -> Tensor:
        """Σ (x - mean)² / (n - correction): the unbiased sample variance by default, as PyTorch."""
        c = correction_arg(unbiased, correction, "var")
        axes = reduction_axes(dim, self.ndim, "var")
        count = self.numel() if axes is None else int(np.prod([self.shape[a] for a in axes]))
        centered = self - self.mean(axes, keepdim=True)
        return (centered * centered).sum(axes, keepdim=keepdim) / max(count - c, 0)

    def std(self, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None) -> Tensor:
        """√var: the sample standard deviation by default, as PyTorch."""
        c = correction_arg(unbiased, correction, "std")
        axes = reduction_axes(dim, self.ndim, "std")
        return O.Std.apply(self._as_float(), axis=axes, keepdims=keepdim, correction=c)

    def _select(self, op: type, other_op: type, dim: Any, keepdim: bool, name: str) -> Any:
        if isinstance(dim, Tensor):  # t.max(other) is the elementwise maximum
            return other_op.apply(*promote(self, dim))
        if dim is None:
            if self._data.size == 0:
                raise RuntimeError(f"{name}: the tensor is empty")
            return op.apply(self)
        axis = _axis(dim, self.ndim, name)
        if axis is None:  # a 0-d tensor: its only element, at index 0
            return ValuesIndices(op.apply(self), Tensor._make(np.array(0, np.int64)))
        values = op.apply(self, axis=axis, keepdims=keepdim)
        arg = np.argmax if op is O.Max else np.argmin
        indices = arg(self._data, axis=axis, keepdims=keepdim)
        return ValuesIndices(values, Tensor._make(indices))

    def max(self, dim: Any = None, keepdim: bool = False) -> Any:
        """Largest element; ``max(dim)`` → (values, indices); ``max(other_tensor)`` → elementwise maximum."""
        return self._select(O.Max, O.Maximum, dim, keepdim, "max")

    def min(self, dim: Any = None, keepdim: bool = False) -> Any:
        """Smallest element; ``min(dim)`` → (values, indices); ``min(other_tensor)`` → elementwise minimum."""
        return self._select(O.Min, O.Minimum, dim, keepdim, "min")

    def log_softmax(self, dim: int = -1) -> Tensor:
        axis = _axis(dim, self.ndim, "log_softmax")
        return O.LogSoftmax.apply(self._as_float(), axis=axis)

    def softmax(self, dim: int = -1) -> Tensor:
        return self.log_softmax(dim).exp()

    # ---- shape --------------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Tensor:
        target = resolve_shape(shape_arg(shape, "view"), self.shape)
        return O.Reshape.apply(self, shape=target)  # a new tensor even for the same shape, as PyTorch's view

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
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

    def unsqueeze(self, dim: int) -> Tensor:
        if not isinstance(dim, (int, np.integer)) or not -self.ndim - 1 <= dim <= self.ndim:
            raise IndexError(
                f"unsqueeze: dim {dim!r} is out of range for a tensor with {self.ndim} dimensions"
            )
        dim = dim % (self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim: Any = None) -> Tensor:
        axes = _axes(dim, self.ndim, "squeeze")
        if axes is None:
            axes = range(self.ndim)
        shape = tuple(n for i, n in enumerate(self.shape) if not (i in axes and n == 1))
        return self.reshape(shape)

    def permute(self, *dims: Any) -> Tensor:
        dims = shape_arg(dims, "permute")
        axes = _axes(dims, self.ndim, "permute") or ()
        if len(dims) != self.ndim or sorted(axes) != list(range(self.ndim)):
            raise ShapeError(
                f"permute: {tuple(dims)} is not a reordering of the {self.ndim} dimensions of {self.shape}"
            )
        return O.Permute.apply(self, axes=axes)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        axes = list(range(self.ndim))
        pair = _axes((dim0, dim1), self.ndim, "transpose")
        if not pair:  # a 0-d tensor: nothing to swap
            return self
        a, b = pair
        axes[a], axes[b] = axes[b], axes[a]
        return self.permute(tuple(axes))

    @property
    def T(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        return self.permute(tuple(reversed(range(self.ndim))))

    def t(self) -> Tensor:
        return self.T if self.ndim == 2 else self

    def expand(self, *sizes: Any) -> Tensor:
        sizes = shape_arg(sizes, "expand")
        offset = len(sizes) - self.ndim  # new leading dimensions (-1, "keep", only for existing ones)
        shape = tuple(self.shape[i - offset] if n == -1 and i >= offset else n for i, n in enumerate(sizes))
        if offset < 0 or any(n < 0 for n in shape) or any(
            old not in (1, new) for old, new in zip(self.shape, shape[offset:], strict=True)
        ):
            raise ShapeError(f"expand: shape {self.shape} cannot be expanded to {tuple(sizes)}")
        return O.Expand.apply(self, shape=shape)

    def __getitem__(self, index: Any) -> Tensor:
        index = index_arrays(index)
        if not (self._requires_grad and is_grad_enabled()):
            try:
                result = self._data[index]
                if not isinstance(result, np.ndarray):  # one element: numpy copies it, PyTorch gives a view
                    result = self._data[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
                return Tensor._make(result)
            except IndexError as error:
                raise IndexError(f"index: {error} (tensor of shape {self.shape})") from None
        return O.GetItem.apply(self, index=index)
