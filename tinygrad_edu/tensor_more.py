"""More of what PyTorch code calls on a tensor: the ``new_*`` constructors (``x.new_zeros(3)`` has the dtype
of ``x``), ``type()``, and the masks of attention, ``tril`` / ``triu`` and ``masked_fill``.

``tril``, ``triu`` and ``masked_fill`` are ``Where`` with a constant mask, so they need no op of their own:
the gradient is the incoming gradient where the tensor's value was kept and 0 where it was replaced.

``Tensor`` (``tensor.py``) inherits these methods from ``TensorMore``; read ``tensor.py`` first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops as O
from .dtypes import as_dtype
from .function import ShapeError

# Tensor.type()'s names, as PyTorch's CPU tensor types
TYPE_NAMES = {np.dtype(np.float32): "FloatTensor", np.dtype(np.float64): "DoubleTensor",
              np.dtype(np.float16): "HalfTensor", np.dtype(np.int64): "LongTensor",
              np.dtype(np.int32): "IntTensor", np.dtype(np.int16): "ShortTensor",
              np.dtype(np.int8): "CharTensor", np.dtype(np.uint8): "ByteTensor",
              np.dtype(np.bool_): "BoolTensor"}


class TensorMore:
    """The ``new_*`` constructors, ``type``, ``tril``/``triu`` and ``masked_fill``."""

    __slots__ = ()

    # ---- new tensors with this tensor's dtype ------------------------------------------------------

    def new_tensor(self, data: Any, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Any:
        """A new tensor holding a copy of ``data``, of this tensor's dtype unless ``dtype`` says otherwise."""
        from .creation import tensor  # not at the top: creation.py imports tensor.py, which imports us

        return tensor(data, dtype or self.dtype, requires_grad, device=device)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        from .creation import full

        return full(size, fill_value, dtype or self.dtype, requires_grad, device=device)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        from .creation import zeros

        return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        from .creation import ones

        return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        """Zeros, as ``empty`` (see ``creation.empty``)."""
        from .creation import empty

        return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    # ---- type --------------------------------------------------------------------------------------

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """``x.type()``: PyTorch's name of the tensor's type (``'torch.FloatTensor'``); ``x.type(dtype)`` (a
        dtype or such a name): the tensor converted, itself when the dtype is already that."""
        if dtype is None:
            return "torch." + TYPE_NAMES.get(self.dtype, f"{self.dtype}Tensor")
        if isinstance(dtype, str) and dtype.startswith("torch."):
            names = {name: kind for kind, name in TYPE_NAMES.items()}
            kind = names.get(dtype[len("torch."):])
            if kind is None:
                where = " (tinygrad_edu runs on the CPU only)" if dtype.startswith("torch.cuda.") else ""
                raise ValueError(f"type(): invalid type {dtype!r}{where}; use e.g. 'torch.FloatTensor' or "
                                 "torch.float64")
            dtype = kind
        elif isinstance(dtype, str):
            raise ValueError(f"type(): invalid type {dtype!r}; use e.g. 'torch.DoubleTensor' or "
                             "torch.float64")
        return self.to(as_dtype(dtype))

    # ---- masks ---------------------------------------------------------------------------------------

    def _keep_where(self, keep: Any, fill: Any) -> Any:
        """``self`` where the bool tensor ``keep`` is True, else ``fill`` (a tensor)."""
        return O.Where.apply(keep, self, fill)

    def _constant(self, array: np.ndarray) -> Any:
        """A tensor whose values depend on no tensor's values, only on shapes and numbers (a triangle, a fill
        value): ``compile`` replays it as a constant."""
        return self._make(array)

    def _triangle(self, diagonal: int, lower: bool, name: str) -> Any:
        if self.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions (shape "
                               f"{tuple(self.shape)})")
        if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
            raise TypeError(f"{name}: diagonal must be an int, got {diagonal!r}")
        rows, cols = self.shape[-2:]
        # np.tri: True on and below the diagonal `k`; the upper triangle is what lies strictly above k - 1
        below = np.tri(rows, cols, k=diagonal if lower else diagonal - 1, dtype=bool)
        return self._keep_where(self._constant(below if lower else ~below),
                                self._constant(np.zeros((), self.dtype)))

    def tril(self, diagonal: int = 0) -> Any:
        """The lower triangle of the last two dims (on and below ``diagonal``); zeros above it."""
        return self._triangle(diagonal, True, "tril")

    def triu(self, diagonal: int = 0) -> Any:
        """The upper triangle of the last two dims (on and above ``diagonal``); zeros below it."""
        return self._triangle(diagonal, False, "triu")

    def masked_fill(self, mask: Any, value: Any) -> Any:
        """``value`` where the bool ``mask`` (broadcast) is True, this tensor elsewhere. ``value`` is a number
        or a 0-d tensor (which then gets the gradient of every filled element)."""
        keep = self._fill_mask(mask, "masked_fill")
        if isinstance(value, TensorMore):
            if value.ndim != 0:
                raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got a tensor of "
                                   f"shape {tuple(value.shape)}")
            fill = value if value.dtype == self.dtype else value.to(self.dtype)
        elif isinstance(value, (bool, int, float, np.number, np.bool_)):
            fill = self._constant(np.asarray(value).astype(self.dtype))  # a float into an int tensor: cut
        else:
            raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, not "
                            f"{type(value).__name__}")
        return self._keep_where(keep, fill)

    def masked_fill_(self, mask: Any, value: Any) -> Any:
        """``masked_fill`` in place; the mask must broadcast to this tensor's shape."""
        return self._assign(self.masked_fill(mask, value), "masked_fill_")

    def _fill_mask(self, mask: Any, name: str) -> Any:
        """Where to keep this tensor's values: the inverse of a bool mask (a tensor), checked."""
        array = getattr(mask, "_data", None)
        if array is None or array.dtype != np.bool_:
            got = array.dtype if array is not None else type(mask).__name__
            raise TypeError(f"{name}: mask must be a bool tensor, got {got} (compare first, e.g. mask == 0)")
        try:
            np.broadcast_shapes(array.shape, self._data.shape)
        except ValueError:
            raise ShapeError(f"{name}: a mask of shape {array.shape} does not broadcast with the tensor's "
                               f"shape {tuple(self.shape)}") from None
        return ~mask
