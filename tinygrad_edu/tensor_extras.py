"""The PyTorch conveniences of ``Tensor`` that are not autograd: conversions to numpy and Python numbers,
printing, dtype conversions, comparisons, and the dtype rule for mixed operands.

``Tensor`` (``tensor.py``) inherits them from ``TensorExtras``; read ``tensor.py`` first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dims
from . import ops as O
from .devices import CPU, to_args
from .devices import device as device_type
from .dtypes import as_dtype, default_float, float32, int64, to_array
from .function import ShapeError, is_grad_enabled
from .random import Generator, numpy_generator


class TensorExtras:
    """Methods of ``Tensor`` that PyTorch code expects but that record nothing in the graph."""

    __slots__ = ()

    # ---- sizes --------------------------------------------------------------------------------------

    @property
    def device(self) -> device_type:
        """Where the tensor lives: always ``device(type='cpu')``, which prints as ``cpu``."""
        return CPU

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self._data.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel  # PyTorch's older name, as in makemore

    def stride(self, dim: int | None = None) -> Any:
        """How many elements apart the neighbours along each dim are (0 along an expanded dim)."""
        steps = tuple(s // self._data.itemsize for s in self._data.strides)
        return steps if dim is None else steps[dim]

    # ---- to numpy and Python --------------------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        if self._requires_grad:
            raise RuntimeError("numpy(): this tensor requires grad; call tensor.detach().numpy() instead")
        return self._data

    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can become a Python number "
                f"(shape {tuple(self.shape)})"
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
                f"(this one: {self.dtype}, shape {tuple(self.shape)})"
            )
        return int(self._data.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"bool(): a tensor with {self._data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self._data.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    # ---- printing -------------------------------------------------------------------------------------

    def __format__(self, spec: str) -> str:
        # as PyTorch, a 0-d tensor formats as its number: f"{loss}" is f"{loss.item()}"; a one-element
        # tensor also takes a number's spec (f"{t:.4f}"); anything else formats its repr
        if self._data.ndim == 0 or (spec and self._data.size == 1):
            return format(self._data.item(), spec)
        return format(repr(self), spec)

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

    # ---- dtype conversions ------------------------------------------------------------------------------

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """PyTorch's forms: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other_tensor)`` (its
        dtype), keywords ``device=``, ``dtype=``, ``copy=``. The CPU is the only device, so only the dtype
        can change; the same dtype gives back the tensor itself (a copy with copy=True)."""
        dtype, copy = to_args(args, kwargs, TensorExtras)
        dtype = as_dtype(dtype)
        if dtype is None or dtype == self.dtype:
            return self.clone() if copy else self
        if dtype.kind == "f" and self._data.dtype.kind == "f":
            return O.Cast.apply(self, dtype=dtype)  # float to float stays in the graph
        return self._make(self._data.astype(dtype))

    def cpu(self) -> Any:
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Any:
        """Refused: there is no GPU here (``tinygrad_edu.cuda.is_available()`` is False)."""
        raise RuntimeError("cuda(): tinygrad_edu runs on the CPU only (numpy), so a tensor cannot move to a "
                           "GPU; leave .cuda() out or use .to('cpu')")

    def float(self) -> Any:
        return self.to(float32)

    def double(self) -> Any:
        return self.to(np.float64)

    def long(self) -> Any:
        return self.to(int64)

    def int(self) -> Any:
        return self.to(np.int32)

    def bool(self) -> Any:
        return self.to(np.bool_)

    def _as_float(self) -> Any:
        return self if self._data.dtype.kind == "f" else self.to(default_float)

    # ---- comparisons and logic (no gradient; bool results) --------------------------------------------

    __hash__ = object.__hash__  # hashed by identity, as in PyTorch (== is elementwise)

    def _compare(self, ufunc: np.ufunc, other: Any) -> Any:
        a, b = promote(self, other)
        try:
            return self._make(ufunc(a._data, b._data))
        except ValueError as error:
            raise ShapeError(
                f"{ufunc.__name__}: cannot compare shapes {tuple(a.shape)} and {tuple(b.shape)}: {error}"
            ) from None

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(np.equal, other)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        return self._compare(np.not_equal, other)

    def __lt__(self, other: Any) -> Any:
        return self._compare(np.less, other)

    def __le__(self, other: Any) -> Any:
        return self._compare(np.less_equal, other)

    def __gt__(self, other: Any) -> Any:
        return self._compare(np.greater, other)

    def __ge__(self, other: Any) -> Any:
        return self._compare(np.greater_equal, other)

    def __invert__(self) -> Any:
        if self.dtype.kind != "b":
            raise TypeError(f"~: only bool tensors can be inverted (this one is {self.dtype})")
        return self._make(~self._data)

    def __and__(self, other: Any) -> Any:
        return self._compare(np.logical_and, other)

    def __or__(self, other: Any) -> Any:
        return self._compare(np.logical_or, other)

    def eq(self, other: Any) -> Any:
        return self == other

    def any(self) -> Any:
        return self._make(np.any(self._data))

    def all(self) -> Any:
        return self._make(np.all(self._data))

    # ---- values without a gradient -----------------------------------------------------------------------

    def round(self, decimals: int = 0) -> Any:
        """Round to ``decimals`` places (half to even, as PyTorch). Its derivative is 0 almost everywhere,
        so the result is not connected to the graph."""
        return self._make(np.round(self._data, decimals))

    def argmax(self, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        return self._arg(np.argmax, "argmax", dim, dims.keepdim(keepdim, keepdims, "argmax"))

    def argmin(self, dim: int | None = None, keepdim: bool = False, *, keepdims: bool | None = None) -> Any:
        return self._arg(np.argmin, "argmin", dim, dims.keepdim(keepdim, keepdims, "argmin"))

    def _arg(self, find: Any, name: str, dim: Any, keepdim: bool) -> Any:
        axis = None if dim is None else dims.axis(dim, self.ndim, name)
        if self._data.size == 0 and (axis is None or self.shape[axis] == 0):
            raise RuntimeError(f"{name}: the tensor of shape {tuple(self.shape)} is empty along the reduced "
                               "dim, so there is no largest or smallest element to point at")
        if dim is None:
            return self._make(np.asarray(find(self._data)))
        return self._make(np.asarray(find(self._data, axis=axis, keepdims=keepdim)))

    # ---- random fills (in place, never recorded) -----------------------------------------------------------

    @staticmethod
    def _random_args(op: str, **values: Any) -> None:
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise TypeError(f"{op}: {name} must be a number, got {value!r}")

    def _random_fill(self, op: str, draw: Any, generator: Generator | None) -> Any:
        """Overwrite every element with ``draw(numpy generator, shape)``, cast to the tensor's dtype."""
        if self._data.dtype.kind != "f":
            raise TypeError(f"{op}: only floating-point tensors take random floats (this is {self.dtype})")
        if self._requires_grad and is_grad_enabled():
            raise RuntimeError(f"{op}: a tensor that requires grad cannot be filled in place while gradients "
                               "are recorded; use `with no_grad():` or fill `.data` (as nn.init does)")
        values = draw(numpy_generator(generator, op), self.shape).astype(self.dtype)
        return self.copy_(self._make(values))  # copy_: the one path of in-place writes

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Any:
        """Fill with samples of N(mean, std²), in place; returns the tensor."""
        self._random_args("normal_()", mean=mean, std=std)
        if not std >= 0:
            raise ValueError(f"normal_(): std must be non-negative, got {std}")
        return self._random_fill("normal_()", lambda rng, shape: rng.normal(mean, std, shape), generator)

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator: Generator | None = None) -> Any:
        """Fill with samples of U(from_, to), in place; returns the tensor. (PyTorch's first argument is
        called ``from``, a Python keyword: pass it by position.)"""
        self._random_args("uniform_()", from_=from_, to=to)
        if not from_ <= to:
            raise ValueError(f"uniform_(): from_ must not exceed to, got from_={from_} > to={to}")
        return self._random_fill("uniform_()", lambda rng, shape: rng.uniform(from_, to, shape), generator)

    def multinomial(self, num_samples: int, replacement: bool = False, *,
                    generator: Generator | None = None) -> Any:
        """``torch.multinomial(self, ...)``: category indices drawn from each row of weights (sampling.py)."""
        from .sampling import multinomial  # not at the top: sampling.py imports tensor.py, which imports us

        return multinomial(self, num_samples, replacement, generator=generator)

# ---- operands ---------------------------------------------------------------------------------------------


def index_arrays(index: Any) -> Any:
    """Tensors inside an index become their arrays (bool masks and integer index arrays)."""
    if isinstance(index, TensorExtras):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, TensorExtras) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def scalar_operand(value: Any, like: Any) -> Any:
    """A Python number meeting the tensor ``like``, as a constant tensor with PyTorch's dtype rule for
    scalars: it takes the tensor's dtype, unless it is a float meeting an integer tensor (then float32)."""
    dtype = like._data.dtype
    if isinstance(value, bool):
        pass
    elif isinstance(value, int):
        dtype = int64 if dtype.kind == "b" else dtype
    elif isinstance(value, float):
        dtype = dtype if dtype.kind == "f" else default_float
    else:
        return like._make(to_array(value, caller="Tensor"))
    return like._make(np.array(value, dtype))


def _category(dtype: np.dtype) -> int:
    """bool < integer < float: PyTorch's dtype categories."""
    return 0 if dtype.kind == "b" else 2 if dtype.kind == "f" else 1


def promote(a: Any, b: Any, true_divide: bool = False) -> tuple[Any, Any]:
    """Make two operands (a tensor and a tensor or a number) of one dtype, by PyTorch's rules: the higher
    category (bool < integer < float) wins and keeps its width; within a category a 0-d tensor does not
    widen a dimensioned one; otherwise the wider dtype wins. ``/`` of integers gives float32."""
    if not isinstance(b, TensorExtras):
        b = scalar_operand(b, a)
    da, db = a._data.dtype, b._data.dtype
    if da == db and not (true_divide and da.kind != "f"):
        return a, b
    if _category(da) != _category(db):
        target = da if _category(da) > _category(db) else db
    elif (a._data.ndim == 0) != (b._data.ndim == 0):
        target = db if a._data.ndim == 0 else da
    else:
        target = np.result_type(da, db)
    if true_divide and target.kind != "f":
        target = default_float
    return (a if da == target else a.to(target)), (b if db == target else b.to(target))
