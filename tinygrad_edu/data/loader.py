"""DataLoader and TensorDataset, as in ``torch.utils.data``: cut a dataset into (shuffled) mini-batches.

Whatever the dataset's form, the loader turns it into whole arrays once (one per column: x, y, ...) and
cuts every batch out of them with one indexing operation per column: there is no per-sample Python work
per batch. A list of samples (the book's ``list(zip(x, y))``) is stacked once, and stacked again only if
the list itself changes (items added, removed or replaced). Only datasets of another kind (any object with
``__len__`` and ``__getitem__``) are read sample by sample.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .. import creation
from ..dtypes import to_array
from ..function import ShapeError
from ..tensor import Tensor

Batch = Any  # a Tensor, or a tuple of Tensors (one per column)


class TensorDataset:
    """Tensors of equal length, read row by row: ``dataset[i] == (x[i], y[i])``."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        _check_rows([t._data for t in self.tensors], "TensorDataset")

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)


def _check_rows(arrays: Sequence[np.ndarray], caller: str) -> None:
    """Every column needs at least one dimension and the same number of rows."""
    for i, array in enumerate(arrays):
        if array.ndim == 0:
            raise ValueError(f"{caller}: tensor {i} is 0-dimensional; every tensor needs one row per sample")
        if array.shape[0] != arrays[0].shape[0]:
            raise ValueError(f"{caller}: tensor 0 has {arrays[0].shape[0]} rows but tensor {i} has "
                             f"{array.shape[0]}; every tensor needs one row per sample")


def _stack(values: Sequence[Any], column: int | None) -> np.ndarray:
    """One array from the samples' values of one column (Tensors keep their dtype; other values follow
    ``tensor()``'s rules: floats become float32)."""
    where = "" if column is None else f" (element {column} of each sample)"
    if isinstance(values[0], Mapping):
        raise TypeError(f"DataLoader: sample 0{where} is a dict (keys {', '.join(map(repr, values[0]))}); "
                        "dicts are not batched: give samples as tuples such as (x, y), e.g. "
                        "list(zip(xs, ys)), or a TensorDataset(x, y)")
    convert = not all(isinstance(v, Tensor) for v in values)
    arrays = [v._data if isinstance(v, Tensor) else np.asarray(v) for v in values]
    try:
        stacked = np.stack(arrays)
    except ValueError:
        first = np.shape(arrays[0])
        i = next(i for i, a in enumerate(arrays) if np.shape(a) != first)
        raise ShapeError(f"DataLoader: sample {i} has shape {np.shape(arrays[i])} but sample 0 has {first}"
                         f"{where}; samples must have one shape to be stacked into a batch") from None
    return to_array(stacked, caller="DataLoader", copy=False) if convert else stacked


def _collate(samples: Sequence[Any]) -> tuple[list[np.ndarray], bool]:
    """Samples → (one array per column, whether samples are single values rather than tuples)."""
    first = samples[0]
    if not isinstance(first, (tuple, list)):
        return [_stack(samples, None)], True
    width = len(first)
    for i, sample in enumerate(samples):
        if not isinstance(sample, (tuple, list)) or len(sample) != width:
            what = f"a {len(sample)}-tuple" if isinstance(sample, (tuple, list)) else type(sample).__name__
            raise ValueError(f"DataLoader: sample {i} is {what}, but sample 0 is a {width}-tuple; "
                             "all samples need the same form, e.g. (x, y)")
    return [_stack(column, j) for j, column in enumerate(zip(*samples, strict=True))], False


def _is_columns(dataset: Any) -> bool:
    """(x, y) given whole: a tuple of tensors, or a list of exactly two (longer lists hold samples)."""
    return (isinstance(dataset, tuple) or (isinstance(dataset, list) and len(dataset) == 2)) and bool(
        dataset) and all(isinstance(t, Tensor) and t.ndim > 0 for t in dataset)


def _seeded(seed: Any) -> np.random.Generator:
    """numpy's generator for ``seed``, which must be an integer 0 or more."""
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as error:
        raise type(error)(f"DataLoader: seed must be an integer 0 or more, got {seed!r}") from None


class DataLoader:
    """Mini-batches of a dataset, as in PyTorch; ``len()`` is the number of batches per epoch.

    ``dataset`` may be a list of samples such as ``list(zip(x, y))`` (batches are ``(stack of xs, stack
    of ys)``), a ``TensorDataset(x, y)`` or a tuple ``(x, y)`` of equal-length tensors (batches
    ``(x[rows], y[rows])``), a single tensor (batches of its rows), or any object with ``__len__`` and
    ``__getitem__``. With ``shuffle=True`` every epoch (every ``iter()``) draws a new permutation from
    ``generator`` (a numpy Generator), else from a generator seeded with ``seed``, else from the package's
    generator (``manual_seed``). Batches are new tensors (copies) that do not require grad.
    """

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, generator: np.random.Generator | None = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give seed or generator, not both")
        if generator is not None and not hasattr(generator, "permutation"):
            raise TypeError(f"DataLoader: generator must be a numpy Generator (np.random.default_rng(...)), "
                            f"got {type(generator).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = _seeded(seed) if seed is not None else generator
        self._snapshot: list | None = None  # the list the columns were stacked from
        self._columns: list[np.ndarray] | None = None  # None: read the dataset sample by sample
        self._single = False
        if isinstance(dataset, (Tensor, np.ndarray)):
            array = dataset._data if isinstance(dataset, Tensor) else to_array(dataset, caller="DataLoader",
                                                                                  copy=False)
            if array.ndim == 0:
                raise ValueError("DataLoader: a 0-dimensional tensor has no rows to batch")
            self._columns, self._single = [array], True
        elif isinstance(dataset, TensorDataset) or _is_columns(dataset):
            tensors = dataset.tensors if isinstance(dataset, TensorDataset) else dataset
            self._columns = [t._data for t in tensors]
            _check_rows(self._columns, "DataLoader")
        elif isinstance(dataset, (list, tuple)):
            self._restack()
        elif not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader: cannot batch a {type(dataset).__name__}; give a list of samples, "
                            "a TensorDataset, a tensor, or an object with __len__ and __getitem__")

    def _restack(self) -> None:
        self._snapshot = list(self.dataset)
        self._columns, self._single = _collate(self._snapshot) if self._snapshot else (None, False)

    def _rows(self) -> int:
        if self._columns is None or self._snapshot is not None:
            return len(self.dataset)
        return self._columns[0].shape[0]

    def __len__(self) -> int:
        rows = self._rows()
        return rows // self.batch_size if self.drop_last else -(-rows // self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        snapshot = self._snapshot
        if snapshot is not None and (len(snapshot) != len(self.dataset)
                                     or not all(map(operator.is_, self.dataset, snapshot))):
            self._restack()  # the list changed since it was stacked
        rows = self._rows()
        order = None
        if self.shuffle:
            order = (self.generator or creation.generator()).permutation(rows)
        stop = rows - rows % self.batch_size if self.drop_last else rows
        for start in range(0, stop, self.batch_size):
            end = min(start + self.batch_size, rows)
            if self._columns is None:  # a dataset read sample by sample
                indices = range(start, end) if order is None else order[start:end].tolist()
                columns, single = _collate([self.dataset[i] for i in indices])
            else:
                columns, single = self._columns, self._single
                if order is None:
                    columns = [c[start:end].copy() for c in columns]
                else:
                    columns = [c[order[start:end]] for c in columns]
            batch = tuple(Tensor._make(c) for c in columns)
            yield batch[0] if single else batch
