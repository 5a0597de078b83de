"""torch's function forms of the arithmetic (``torch.add``, ``torch.mul``, ``torch.sub``, ``torch.div``,
``torch.matmul``) with their ``out=`` argument, ``torch.tril`` / ``triu`` / ``masked_fill``, and the default
device.

``out=`` writes the result into an existing tensor, in place, and returns that tensor, as PyTorch does. As in
PyTorch it does not mix with autograd: while gradients are recorded, no argument may require grad. Unlike
PyTorch, an ``out`` of a different shape is refused (PyTorch resizes it, a behaviour it deprecates), except
an empty one, which takes the result's shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .devices import CPU, as_device
from .devices import device as device_type
from .function import ShapeError, is_grad_enabled, mark_changed, no_grad
from .tensor import Tensor


def _operands(caller: str, input: Any, other: Any) -> None:  # noqa: A002 (PyTorch's names)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{caller}(): one of input and other must be a Tensor, got {type(input).__name__} "
                        f"and {type(other).__name__}")


def _with_out(caller: str, compute: Callable[[], Tensor], inputs: tuple, out: Tensor | None) -> Tensor:
    """``compute()``, or with ``out``: its values written into ``out`` (checked), which is returned."""
    if out is None:
        return compute()
    if not isinstance(out, Tensor):
        raise TypeError(f"{caller}(): out must be a Tensor, got {type(out).__name__}")
    if is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in inputs + (out,)):
        raise RuntimeError(f"{caller}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad; leave out= out, or call "
                           "it under torch.no_grad()")
    with no_grad():
        result = compute()
    if out.numel() == 0 and result.numel() != 0:
        out._data = np.empty(result._data.shape, out.dtype)  # an empty out takes the result's shape
    if out.shape != result.shape:
        raise ShapeError(f"{caller}(): out has shape {tuple(out.shape)}, the result {tuple(result.shape)}")
    if not np.can_cast(result.dtype, out.dtype, "same_kind"):
        raise TypeError(f"{caller}(): the result is {result.dtype}, which cannot be stored in out of dtype "
                        f"{out.dtype}")
    out._data[...] = result._data
    mark_changed(out._data)
    return out


def add(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """input + alpha · other."""
    _operands("add", input, other)
    return _with_out("add", lambda: input + (other if alpha == 1 else other * alpha), (input, other), out)


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """input - alpha · other."""
    _operands("sub", input, other)
    return _with_out("sub", lambda: input - (other if alpha == 1 else other * alpha), (input, other), out)


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """input · other, elementwise."""
    _operands("mul", input, other)
    return _with_out("mul", lambda: input * other, (input, other), out)


def div(input: Any, other: Any, *, rounding_mode: str | None = None,  # noqa: A002
        out: Tensor | None = None) -> Tensor:
    """input / other, elementwise (true division: integers give float32)."""
    _operands("div", input, other)
    if rounding_mode is not None:
        raise NotImplementedError(f"div(): rounding_mode={rounding_mode!r} is not supported by tinygrad_edu "
                                  "(no floor or truncating division); leave it out for true division")
    return _with_out("div", lambda: input / other, (input, other), out)


def matmul(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The matrix product ``input @ other`` (1-D, 2-D and batched operands, as ``@``)."""
    return _with_out("matmul", lambda: input @ other, (input, other), out)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The lower triangle of the last two dims of ``input``, zeros above the ``diagonal``."""
    return input.tril(diagonal)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """The upper triangle of the last two dims of ``input``, zeros below the ``diagonal``."""
    return input.triu(diagonal)


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:  # noqa: A002
    return input.masked_fill(mask, value)


# ---- the default device -----------------------------------------------------------------------------------


def set_default_device(device: Any) -> None:
    """Where new tensors are made: the CPU (``'cpu'``, ``device('cpu')`` or None) is the one device here;
    any other raises RuntimeError."""
    as_device(device, "set_default_device()")


def get_default_device() -> device_type:
    """``device(type='cpu')``: tinygrad_edu makes every tensor on the CPU."""
    return CPU
