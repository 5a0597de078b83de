"""Devices, as ``torch.device``: tinygrad_edu computes with numpy, so the CPU is the only device.

PyTorch code names devices everywhere (``torch.zeros(3, device="cpu")``, ``model.to(device)``); this
module lets that code run when the device is the CPU, and refuses any other device with an error that
says why, instead of silently computing somewhere the code did not ask for.
"""

from __future__ import annotations

import numbers
from typing import Any

# the device types PyTorch knows; only "cpu" exists here, the rest are refused with a clear message
_KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "xla", "meta", "hip", "ipu", "hpu", "mtia", "vulkan", "lazy")


def _parse(spec: Any, index: Any, caller: str) -> tuple[str, int | None]:
    """A device ('cpu', 'cpu:0', a device object) and an index → ("cpu", index), else an error naming
    ``caller``."""
    if isinstance(spec, device):
        spec, index = spec.type, spec.index if index is None else index
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        spec = f"cuda:{spec}"  # as in PyTorch, a bare int names a GPU
    if not isinstance(spec, str):
        raise TypeError(f"{caller}: expected a device such as 'cpu' or device('cpu'), got {spec!r}")
    name, _, suffix = spec.partition(":")
    if name not in _KNOWN_TYPES:
        raise RuntimeError(f"{caller}: unknown device type {spec!r}; the one device here is 'cpu'")
    if name != "cpu":
        raise RuntimeError(f"{caller}: device {spec!r} is not available: tinygrad_edu runs on the CPU only "
                           "(numpy); use device='cpu' or leave device out")
    if suffix:
        if index is not None or not suffix.isdigit():
            raise RuntimeError(f"{caller}: invalid device {spec!r}; expected 'cpu' or 'cpu:0'")
        index = int(suffix)
    bad_index = isinstance(index, bool) or not isinstance(index, numbers.Integral) or index < 0
    if index is not None and bad_index:
        raise RuntimeError(f"{caller}: the device index must be a non-negative int, got {index!r}")
    return name, None if index is None else int(index)


class device:  # noqa: N801 (PyTorch's name)
    """A device, ``device("cpu")``, ``device("cpu", 0)`` or ``device("cpu:0")``; prints as PyTorch's.

    Any other device ('cuda', 'mps', 'cuda:0', an int, which PyTorch reads as a GPU) raises a
    RuntimeError. Equal to the strings that name it: ``device("cpu") == "cpu"``.
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 (PyTorch's name)
        self.type, self.index = _parse(type, index, "device()")

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def as_device(value: Any, caller: str) -> device:
    """The ``device=`` argument of a creation function or of ``to``: None or the CPU, else an error
    naming ``caller``."""
    if value is None or value is CPU:
        return CPU
    name, index = _parse(value, None, caller)
    return CPU if index is None else device(name, index)



def _names_device(value: Any) -> bool:
    """Does ``value`` name a device, any device (so that a wrong one is refused as a device)?"""
    if isinstance(value, (device, str)):
        return isinstance(value, device) or value.partition(":")[0] in _KNOWN_TYPES
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def to_args(args: tuple, kwargs: dict, tensor_type: type) -> tuple[Any, bool]:
    """``Tensor.to``'s arguments → (the dtype asked for or None, copy), after checking the device.

    Positional arguments are told apart by kind: a tensor gives its dtype, a device name ("cpu",
    "cuda:0", 0) is the device, anything else is the dtype ("float64", int, float32)."""
    target, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs or len(args) > 2:
        raise TypeError(f"to(): unexpected arguments {args} {kwargs}; expected to(dtype), to(device), "
                        "to(device, dtype) or to(other_tensor)")
    for arg in args:
        if isinstance(arg, tensor_type):
            dtype = arg.dtype
        elif _names_device(arg):
            target = arg
        else:
            dtype = arg
    as_device(target, "to()")
    return dtype, copy
