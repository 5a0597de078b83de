"""Tensor: a numpy array, plus what autograd needs (``requires_grad``, ``grad``, ``grad_fn``).

Every differentiable method is one line that hands the tensor to an op of ``tinygrad_edu.ops``; the op's
``apply`` runs it on numpy arrays and records it in the graph; ``backward()`` asks the engine to walk the
graph back. Names and semantics follow PyTorch. The methods that take dims or shapes (reductions,
reshapes, indexing) are in ``tensor_dims.py``; what PyTorch code expects of a tensor beyond autograd
(printing, ``numpy()``, ``float()``, comparisons, in-place updates) is in ``tensor_extras.py``.
"""

from __future__ import annotations

import math
import weakref
from typing import Any

import numpy as np

from . import engine
from . import ops as O
from .dtypes import to_array
from .function import Function, ShapeError
from .tensor_dims import DimMethods
from .tensor_extras import TensorExtras, promote


class Tensor(DimMethods, TensorExtras):
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
