"""Tensor: a numpy array, plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

Every differentiable method is one line that hands numpy arrays to an op in ``tinygrad_edu.ops``;
the op's ``apply`` records it in the graph. Names and semantics follow PyTorch.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from typing import Any

import numpy as np

from . import engine
from . import ops as O
from .dtypes import as_dtype, default_float, float32, int64, to_array
from .engine import ShapeError

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _axes(dim: Any, ndim: int, caller: str) -> tuple | None:
    """``dim`` (None, an int or a tuple of ints, negatives allowed) → a tuple of axes, checked.

    As in PyTorch, a 0-d tensor accepts dim 0 and -1, which name the tensor itself: no axis.
    """
    if dim is None:
        return None
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    axes = []
    for d in dims:
        if not isinstance(d, (int, np.integer)):
            raise TypeError(f"{caller}: dim must be an int or a tuple of ints, not {dim!r}")
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{caller}: dim {d} is out of range for a tensor with {ndim} dimensions")
        if ndim:
            axes.append(d % ndim)
    return tuple(axes)


def _axis(dim: Any, ndim: int, caller: str) -> int | None:
    """A single ``dim`` → its axis, checked; None for a 0-d tensor."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{caller}: dim must be one int, not {dim!r}")
    axes = _axes(dim, ndim, caller)
    return axes[0] if axes else None


def _shape_arg(shape: tuple, caller: str) -> tuple:
    """Accept ``view(2, 3)`` and ``view((2, 3))`` alike; sizes must be ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in shape):
        raise TypeError(f"{caller}: sizes must be ints, got {tuple(shape)}")
    return tuple(shape)


class Tensor:
    """An n-dimensional array that can record the ops applied to it and backpropagate through them."""

    __slots__ = ("_data", "_requires_grad", "grad", "grad_fn", "__weakref__")
    __array_ufunc__ = None  # ``ndarray + Tensor`` calls Tensor.__radd__ instead of converting the Tensor

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        self._data = to_array(data, dtype, caller="Tensor")
        self._requires_grad = False
        self.grad: Tensor | None = None
        self.grad_fn: engine.Function | None = None
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

    # ---- attributes -------------------------------------------------------------------------

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

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def T(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        return self.permute(tuple(reversed(range(self.ndim))))

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return self._data.size

    # ---- conversions --------------------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        if self._requires_grad:
            raise RuntimeError("numpy(): this tensor requires grad; call tensor.detach().numpy() instead")
        return self._data

    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can become a Python number (shape {self.shape})"
            )
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """``np.asarray(t)`` shares the storage; ``np.array(t)`` (copy=True) copies, as for an ndarray."""
        if copy:
            return np.array(self._data, dtype=dtype, copy=True)
        return self._data if dtype is None else self._data.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError(
                "__index__: only one-element integer tensors can be used as an index "
                f"(this one: {self.dtype}, shape {self.shape})"
            )
        return int(self._data.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"bool(): a tensor with {self._data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self._data.item())

    def __format__(self, spec: str) -> str:
        if spec and self._data.size == 1:
            return format(self._data.item(), spec)
        return format(repr(self), spec)

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        # as PyTorch: whole numbers print as "1.", anything else with 4 decimals ("0.5000")
        finite = self._data[np.isfinite(self._data)] if self.dtype.kind == "f" else self._data
        whole = self.dtype.kind != "f" or bool(np.all(finite == np.round(finite)))
        body = np.array2string(self._data, precision=4, separator=", ", prefix="tensor(", threshold=1000,
                               floatmode="maxprec" if whole else "fixed")
        extras = []
        if self.dtype not in (float32, int64, np.dtype(bool)):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    __hash__ = object.__hash__  # hashed by identity, as in PyTorch (== is elementwise)

    def to(self, dtype: Any = None, *args: Any, **kwargs: Any) -> Tensor:
        """``to(float64)``; ``to("cpu")`` is accepted and changes nothing (there is only the CPU)."""
        dtype = kwargs.get("dtype", dtype)
        if isinstance(dtype, str) and dtype == "cpu":
            return self
        dtype = as_dtype(dtype)
        if dtype is None or dtype == self.dtype:
            return self
        if dtype.kind == "f" and self._data.dtype.kind == "f":
            return O.Cast.apply(self, dtype=dtype)
        return Tensor._make(self._data.astype(dtype))

    def cpu(self) -> Tensor:
        return self

    def float(self) -> Tensor:
        return self.to(float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    def long(self) -> Tensor:
        return self.to(int64)

    def int(self) -> Tensor:
        return self.to(np.int32)

    def bool(self) -> Tensor:
        return self.to(np.bool_)

    def detach(self) -> Tensor:
        """The same values, cut from the graph (shares storage)."""
        return Tensor._make(self._data)

    def clone(self) -> Tensor:
        """A copy that stays in the graph."""
        if self._requires_grad:
            return O.Cast.apply(self, dtype=self.dtype)
        return Tensor._make(self._data.copy())

    # ---- autograd -----------------------------------------------------------------------------

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

    # ---- in place (never recorded) --------------------------------------------------------------

    def _check_inplace(self, op: str) -> None:
        if self._requires_grad and engine._grad_enabled:
            raise RuntimeError(
                f"{op}: a tensor that requires grad cannot be changed in place while gradients are recorded; "
                "use `with no_grad():` or change `.data` instead (p.data -= lr * p.grad)"
            )

    def _inplace(self, ufunc: np.ufunc, other: Any, op: str) -> Tensor:
        self._check_inplace(op)
        other = other._data if isinstance(other, Tensor) else other
        try:
            ufunc(self._data, other, out=self._data)  # numpy's default casting for out=: "same_kind"
        except (ValueError, TypeError) as error:
            raise ShapeError(
                f"{op}: cannot update a {self.dtype} tensor of shape {self.shape} in place with "
                f"{np.shape(other)}: {error}"
            ) from None
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(np.add, other, "add_")

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(np.subtract, other, "sub_")

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(np.multiply, other, "mul_")

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(np.divide, other, "div_")

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace(np.add, other * alpha if alpha != 1 else other, "add_")

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace(np.subtract, other * alpha if alpha != 1 else other, "sub_")

    def mul_(self, other: Any) -> Tensor:
        return self._inplace(np.multiply, other, "mul_")

    def div_(self, other: Any) -> Tensor:
        return self._inplace(np.divide, other, "div_")

    def zero_(self) -> Tensor:
        self._check_inplace("zero_")
        self._data[...] = 0
        return self

    def fill_(self, value: Any) -> Tensor:
        self._check_inplace("fill_")
        self._data[...] = value
        return self

    def copy_(self, source: Any) -> Tensor:
        self._check_inplace("copy_")
        self._data[...] = source._data if isinstance(source, Tensor) else source
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__")
        self._data[_index_arrays(index)] = value._data if isinstance(value, Tensor) else value

    # ---- arithmetic ---------------------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        return O.Add.apply(*_promote(self, other))

    def __radd__(self, other: Any) -> Tensor:
        a, b = _promote(self, other)
        return O.Add.apply(b, a)

    def __sub__(self, other: Any) -> Tensor:
        return O.Sub.apply(*_promote(self, other))

    def __rsub__(self, other: Any) -> Tensor:
        a, b = _promote(self, other)
        return O.Sub.apply(b, a)

    def __mul__(self, other: Any) -> Tensor:
        return O.Mul.apply(*_promote(self, other))

    def __rmul__(self, other: Any) -> Tensor:
        a, b = _promote(self, other)
        return O.Mul.apply(b, a)

    def __truediv__(self, other: Any) -> Tensor:
        a, b = _promote(self, other, true_divide=True)
        return O.Div.apply(a, b)

    def __rtruediv__(self, other: Any) -> Tensor:
        a, b = _promote(self, other, true_divide=True)
        return O.Div.apply(b, a)

    def __pow__(self, exponent: Any) -> Tensor:
        return O.Pow.apply(*_promote(self, exponent))

    def __rpow__(self, base: Any) -> Tensor:
        a, b = _promote(self, base)
        return O.Pow.apply(b, a)

    def __neg__(self) -> Tensor:
        return O.Neg.apply(self)

    def __matmul__(self, other: Any) -> Tensor:
        return O.MatMul.apply(*_promote(self, other))

    def __rmatmul__(self, other: Any) -> Tensor:
        a, b = _promote(self, other)
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
        return O.Maximum.apply(*_promote(self, other))

    def minimum(self, other: Any) -> Tensor:
        return O.Minimum.apply(*_promote(self, other))

    # ---- comparisons (no gradient; bool results) ----------------------------------------------

    def _compare(self, ufunc: np.ufunc, other: Any) -> Tensor:
        a, b = _promote(self, other)
        try:
            return Tensor._make(ufunc(a._data, b._data))
        except ValueError as error:
            raise ShapeError(
                f"{ufunc.__name__}: cannot compare shapes {a.shape} and {b.shape}: {error}"
            ) from None

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(np.equal, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(np.not_equal, other)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(np.less, other)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(np.less_equal, other)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(np.greater, other)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(np.greater_equal, other)

    def __invert__(self) -> Tensor:
        if self.dtype.kind != "b":
            raise TypeError(f"~: only bool tensors can be inverted (this one is {self.dtype})")
        return Tensor._make(~self._data)

    def __and__(self, other: Any) -> Tensor:
        return self._compare(np.logical_and, other)

    def __or__(self, other: Any) -> Tensor:
        return self._compare(np.logical_or, other)

    def eq(self, other: Any) -> Tensor:
        return self == other

    def any(self) -> Tensor:
        return Tensor._make(np.any(self._data))

    def all(self) -> Tensor:
        return Tensor._make(np.all(self._data))

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

    def _as_float(self) -> Tensor:
        return self if self._data.dtype.kind == "f" else self.to(default_float)

    # ---- reductions ---------------------------------------------------------------------------

    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        axis = None if dim is None else _axes(dim, self.ndim, "sum")
        return O.Sum.apply(self, axis=axis, keepdims=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        if self._data.dtype.kind != "f":
            raise TypeError(
                f"mean: needs a floating-point tensor (this one is {self.dtype}); use .float().mean()"
            )
        axis = None if dim is None else _axes(dim, self.ndim, "mean")
        return O.Mean.apply(self, axis=axis, keepdims=keepdim)

    def var(self, dim: Any = None, keepdim: bool = False, correction: int = 1) -> Tensor:
        """Σ (x - mean)² / (n - correction): the unbiased sample variance by default, as PyTorch."""
        axes = _axes(dim, self.ndim, "var")
        count = self.numel() if axes is None else int(np.prod([self.shape[a] for a in axes]))
        centered = self - self.mean(dim, keepdim=True)
        return (centered * centered).sum(dim, keepdim=keepdim) / max(count - correction, 0)

    def std(self, dim: Any = None, keepdim: bool = False, correction: int = 1) -> Tensor:
        return self.var(dim, keepdim, correction).sqrt()

    def _select(self, op: type, other_op: type, dim: Any, keepdim: bool, name: str) -> Any:
        if isinstance(dim, Tensor):  # t.max(other) is the elementwise maximum
            return other_op.apply(*_promote(self, dim))
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

    def round(self, decimals: int = 0) -> Tensor:
        """Round to ``decimals`` places (half to even, as PyTorch). Its derivative is 0 almost everywhere,
        so the result is not connected to the graph."""
        return Tensor._make(np.round(self._data, decimals))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if dim is None:
            return Tensor._make(np.asarray(np.argmax(self._data)))
        axis = _axis(dim, self.ndim, "argmax")
        return Tensor._make(np.asarray(np.argmax(self._data, axis=axis, keepdims=keepdim)))

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if dim is None:
            return Tensor._make(np.asarray(np.argmin(self._data)))
        axis = _axis(dim, self.ndim, "argmin")
        return Tensor._make(np.asarray(np.argmin(self._data, axis=axis, keepdims=keepdim)))

    def log_softmax(self, dim: int = -1) -> Tensor:
        axis = _axis(dim, self.ndim, "log_softmax")
        return O.LogSoftmax.apply(self._as_float(), axis=axis)

    def softmax(self, dim: int = -1) -> Tensor:
        return self.log_softmax(dim).exp()

    # ---- shape --------------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> Tensor:
        target = _resolve_shape(_shape_arg(shape, "view"), self.shape)
        return O.Reshape.apply(self, shape=target)  # a new tensor even for the same shape, as PyTorch's view

    view = reshape

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        start, end = start_dim % self.ndim, end_dim % self.ndim
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
        dims = _shape_arg(dims, "permute")
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

    def t(self) -> Tensor:
        return self.T if self.ndim == 2 else self

    def expand(self, *sizes: Any) -> Tensor:
        sizes = _shape_arg(sizes, "expand")
        offset = len(sizes) - self.ndim  # new leading dimensions (-1, "keep", only for existing ones)
        shape = tuple(self.shape[i - offset] if n == -1 and i >= offset else n for i, n in enumerate(sizes))
        if offset < 0 or any(n < 0 for n in shape) or any(
            old not in (1, new) for old, new in zip(self.shape, shape[offset:], strict=True)
        ):
            raise ShapeError(f"expand: shape {self.shape} cannot be expanded to {tuple(sizes)}")
        return O.Expand.apply(self, shape=shape)

    def __getitem__(self, index: Any) -> Tensor:
        index = _index_arrays(index)
        if not (self._requires_grad and engine._grad_enabled):
            try:
                result = self._data[index]
                if not isinstance(result, np.ndarray):  # one element: numpy copies it, PyTorch gives a view
                    result = self._data[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
                return Tensor._make(result)
            except IndexError as error:
                raise IndexError(f"index: {error} (tensor of shape {self.shape})") from None
        return O.GetItem.apply(self, index=index)


# ---- helpers used by the methods above --------------------------------------------------------


def _index_arrays(index: Any) -> Any:
    """Tensors inside an index become their arrays (bool masks and integer index arrays)."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _resolve_shape(shape: tuple, current: tuple) -> tuple:
    """Fill in a single -1 and check that the element count is unchanged."""
    count = int(np.prod(current))
    known = int(np.prod([n for n in shape if n != -1]))
    if shape.count(-1) == 1 and known and count % known == 0:
        shape = tuple(count // known if n == -1 else n for n in shape)
    if shape.count(-1) or any(n < 0 for n in shape) or int(np.prod(shape)) != count:
        raise ShapeError(f"view: shape {shape} is invalid for a tensor of shape {current} ({count} elements)")
    return tuple(int(n) for n in shape)


def _scalar(value: Any, like: np.dtype) -> Tensor:
    """A Python number as a constant tensor whose dtype follows PyTorch's rule for scalars:
    it takes the tensor's dtype unless it is a float meeting an integer tensor (then float32)."""
    if isinstance(value, bool):
        dtype = like
    elif isinstance(value, int):
        dtype = int64 if like.kind == "b" else like
    elif isinstance(value, float):
        dtype = like if like.kind == "f" else default_float
    else:
        return Tensor(value)
    return Tensor._make(np.array(value, dtype))


def _promote(a: Tensor, b: Any, true_divide: bool = False) -> tuple[Tensor, Tensor]:
    """Make two operands of one dtype: float beats integer (and keeps its width), as in PyTorch."""
    if not isinstance(b, Tensor):
        b = _scalar(b, a._data.dtype)
    da, db = a._data.dtype, b._data.dtype
    if da == db and not (true_divide and da.kind != "f"):
        return a, b
    if da.kind == "f" and db.kind != "f":
        return a, b.to(da)
    if db.kind == "f" and da.kind != "f":
        return a.to(db), b
    target = np.result_type(da, db)
    if true_divide and target.kind != "f":
        target = default_float
    return a.to(target), b.to(target)

