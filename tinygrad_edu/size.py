"""How a tensor sits in memory, as PyTorch shows it: ``Size`` (its shape) and ``Storage`` (the flat run of
numbers behind it, which views and broadcast tensors share instead of copying)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .function import owner_of


class Size(tuple):
    """A tensor's shape: a tuple of ints that shows itself as ``torch.Size([3, 4])``, in a notebook cell and
    in ``print(x.shape)`` alike, as PyTorch's. Error messages name shapes as plain tuples, ``(3, 4)``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        """How many elements a tensor of this shape holds."""
        count = 1
        for n in self:
            count *= n
        return count

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Size:
        return Size(tuple(self) + tuple(other))


class Storage:
    """The numbers a tensor's memory holds, in memory order: for a view or a broadcast (``expand``)
    tensor, those of the array it looks at, so ``len(storage)`` can be smaller than ``numel()``."""

    def __init__(self, array: np.ndarray) -> None:
        base = owner_of(array)
        self._array = base.reshape(-1) if base.flags.c_contiguous else np.ravel(base, order="K")
        self.dtype = array.dtype

    def __len__(self) -> int:
        return self._array.size

    def size(self) -> int:
        return self._array.size

    def tolist(self) -> list:
        return self._array.tolist()

    def __getitem__(self, index: int) -> Any:
        return self._array[index].item()

    def data_ptr(self) -> int:
        return self._array.__array_interface__["data"][0]

    def __repr__(self) -> str:
        values = "\n".join(f" {v}" for v in self._array.tolist())
        kind = f"torch.storage.TypedStorage(dtype=torch.{self.dtype}, device=cpu)"
        return f"{values}\n[{kind} of size {len(self)}]"
