"""Tensor: a numpy array, plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

Every differentiable method is one line that hands the tensor to an op of ``tinygrad_edu.ops``; the op's
``apply`` runs it on numpy arrays and records it in the graph; ``backward()`` asks the engine to walk the
graph back. Names and semantics follow PyTorch. The methods that take dims or shapes (reductions,
reshapes, indexing) are in ``tensor_dims.py``, the in-place updates in ``tensor_inplace.py``, and what
PyTorch code expects of a tensor beyond autograd (printing, ``numpy()``, ``float()``, comparisons) in
``tensor_extras.py``, and ``new_*``, ``type``, ``tril``/``triu`` and ``masked_fill`` in ``tensor_more.py``.
"""

from __future__ import annotations

import math
import warnings
import weakref
from typing import Any

import numpy as np

from . import engine
from . import ops as O
from .dtypes import to_array
from .function import Function, ShapeError
from .size import Size, Storage
from .tensor_dims import DimMethods
from .tensor_extras import TensorExtras, promote
from .tensor_inplace import InPlaceMethods
from .tensor_more import TensorMore


class Tensor(DimMethods, InPlaceMethods, TensorExtras, TensorMore):
    """An n-dimensional array that can record the ops applied to it and backpropagate through them."""

    # ``__dict__`` lets a learner hang their own values on a tensor (fastbook's ``w.g = ...``)
    __slots__ = ("_data", "_requires_grad", "_grad", "grad_fn", "__weakref__", "__dict__")
    __array_ufunc__ = None  # ``ndarray + Tensor`` calls Tensor.__radd__ instead of converting the Tensor

    def __init__(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> None:
        self._data = to_array(data, dtype, caller="Tensor")
        self._requires_grad = False
        self._grad: Tensor | None = None
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
        t._grad = None
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
    def grad(self) -> Tensor | None:
        """d loss / d self after ``backward()``, for leaves that require grad (and for tensors that
        asked ``retain_grad()``); gradients of later backward calls add up here."""
        if self._grad is None and self.grad_fn is not None and self.grad_fn.retained is None:
            warnings.warn(
                "Reading .grad of a tensor that is not a leaf (it was made by an op, see .grad_fn): "
                "backward() does not fill it, so it stays None. Call .retain_grad() on it before "
                "backward() to keep its gradient, or read .grad of the leaf tensors instead.",
                UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"grad: assigned grad must be a Tensor or None, not {type(value).__name__}")
        if value is not None and value.shape != self.shape:
            raise ShapeError(f"grad: assigned grad of shape {tuple(value.shape)} does not match the tensor's "
                             f"shape {tuple(self.shape)}")
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (no ``grad_fn``); only leaves get ``.grad`` by default."""
        return self.grad_fn is None

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Fill ``.grad`` of every leaf that requires grad with d self / d leaf (accumulating); with
        ``inputs``, fill only theirs (non-leaf tensors included)."""
        grad = self._root_gradient(gradient, "backward", create_graph)
        if inputs is None:
            return engine.backward(self, grad, retain_graph=bool(retain_graph))
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        engine.backward_into(self, grad, inputs, bool(retain_graph))

    def _root_gradient(self, gradient: Any, caller: str, create_graph: bool = False) -> np.ndarray:
        """d self / d self: 1 for a single number, else ``gradient`` (checked)."""
        if create_graph:
            raise NotImplementedError(
                f"{caller}: create_graph=True (gradients of gradients) is not supported by tinygrad_edu; "
                "its backward works on numpy arrays, so a gradient is never itself part of a graph")
        if not self._requires_grad:
            raise RuntimeError(f"{caller}: this tensor does not require grad and has no grad_fn "
                               "(did you forget requires_grad_() on a parameter, or run under no_grad()?)")
        if gradient is None:
            if self._data.size != 1:
                raise RuntimeError(
                    f"{caller}: grad can be implicitly created only for scalar outputs; this output has "
                    f"shape {tuple(self.shape)}: reduce it (e.g. .mean()) or pass gradient="
                )
            return np.array(1, self._data.dtype).reshape(self._data.shape)
        grad = to_array(gradient, self.dtype, caller=caller, copy=False)
        if grad.shape != self.shape:
            raise ShapeError(f"{caller}: gradient of shape {grad.shape} does not match the output's shape "
                             f"{tuple(self.shape)}")
        return grad

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn.retained is not None

    def storage(self) -> Storage:
        """The memory behind this tensor: a view or an expanded tensor shares its base's, uncopied."""
        return Storage(self._data)

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

    def log10(self) -> Tensor:
        return self.log() * (1 / math.log(10))  # log₁₀ a = ln a / ln 10

    def log2(self) -> Tensor:
        return self.log() * (1 / math.log(2))

    def sin(self) -> Tensor:
        return O.Sin.apply(self._as_float())

    def cos(self) -> Tensor:
        return O.Cos.apply(self._as_float())

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

    def clamp_min(self, min: Any) -> Tensor:  # noqa: A002
        return self.clamp(min=min)

    def clamp_max(self, max: Any) -> Tensor:  # noqa: A002
        return self.clamp(max=max)
