"""Saving and loading tensors: ``save(model.state_dict(), "model.pth")``, then
``model.load_state_dict(load("model.pth"))``.

The file is a numpy ``.npz`` archive (a zip of one ``.npy`` per name) written *without pickle*, so loading
a file can never run code. The file is written under exactly the name given (no ``.npz`` is appended),
and atomically: to a temporary file in the same folder, then renamed over the target, so a failed or
interrupted save never leaves a half-written file or damages the previous one.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .tensor import Tensor
from .utils.files import atomic_open


def _arrays(obj: Any) -> dict[str, np.ndarray]:
    if not isinstance(obj, Mapping):
        hint = "; save model.state_dict() instead of the model" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"save: expected a dict of name -> Tensor (such as model.state_dict()), "
                        f"got {type(obj).__name__}{hint}")
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"save: every name must be a non-empty string, got {key!r}")
        if isinstance(value, Tensor):
            array = value._data
        elif isinstance(value, (np.ndarray, int, float, bool, np.number, np.bool_)):
            array = np.asarray(value)
        else:
            raise TypeError(f"save: the value of '{key}' is a {type(value).__name__}; only Tensors, numpy "
                            "arrays and numbers can be saved (nested dicts are not supported)")
        if array.dtype.kind not in "biuf":
            raise TypeError(f"save: the value of '{key}' has dtype {array.dtype}; "
                            "only numeric arrays can be saved")
        arrays[key] = array
    return arrays


def save(obj: Mapping[str, Any], f: str | os.PathLike) -> None:
    """Write a dict of name -> Tensor (or numpy array, or number) to the file ``f`` as an npz archive.

    Atomic: the data go to a temporary file next to ``f`` that replaces ``f`` only once fully written.
    """
    arrays = _arrays(obj)
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"save: f must be a file path (str or pathlib.Path), got {type(f).__name__}")
    path = Path(f)
    folder = path.parent
    if path.is_dir():
        raise IsADirectoryError(f"save: cannot write {str(path)!r}: it is a folder; give a file name, "
                                f"such as {str(path / 'model.npz')!r}")
    if not folder.is_dir():
        raise FileNotFoundError(f"save: cannot write {str(path)!r}: "
                                f"the folder {str(folder)!r} does not exist")
    with atomic_open(path) as file:
        # np.savez's own format, written entry by entry so that any name works (np.savez(**arrays)
        # would clash with its own "file" and "allow_pickle" arguments).
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
            for key, array in arrays.items():
                with archive.open(key + ".npy", "w", force_zip64=True) as entry:
                    np.lib.format.write_array(entry, np.ascontiguousarray(array), allow_pickle=False)


def load(f: str | os.PathLike, map_location: Any = None, weights_only: Any = None) -> dict[str, Tensor]:
    """Read a file written by ``save``: a dict of name -> Tensor, in the saved order and dtypes.

    ``map_location`` and ``weights_only`` are accepted for PyTorch compatibility and ignored (everything
    lives on the CPU, and no pickle is ever loaded).
    """
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"load: f must be a file path (str or pathlib.Path), got {type(f).__name__}")
    path = os.fspath(f)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"load: {path!r} is a folder, not a file written by save()")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"load: {path!r} is not an npz archive written by tinygrad_edu's save() "
                         "(it is not even a zip file)")
    result: dict[str, Tensor] = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            for name in archive.files:
                array = archive[name]
                if not isinstance(array, np.ndarray):
                    raise ValueError(f"entry '{name}' is not a numpy array")
                if array.dtype.kind not in "biuf":
                    raise ValueError(f"entry '{name}' has the non-numeric dtype {array.dtype}")
                result[name] = Tensor._make(array)
    except Exception as error:  # anything going wrong in here is the file's content
        raise ValueError(f"load: {path!r} is not a valid file written by tinygrad_edu's save(): it is "
                         "damaged or truncated, or was written by another program such as torch.save "
                         f"({error})") from None
    return result
