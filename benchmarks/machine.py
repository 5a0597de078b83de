"""The machine the benchmark runs on: how many threads numpy's BLAS and PyTorch use (and setting that),
and a description of the machine for the report. Linux details (/proc, OpenBLAS via ctypes) are read
when present and skipped quietly elsewhere.
"""

from __future__ import annotations

import ctypes
import datetime
import os
import platform
import sys
from typing import Any

import numpy as np

from .ways import torch_available

# ---- BLAS threads -------------------------------------------------------------------------------------


def _openblas() -> Any:
    """numpy's OpenBLAS, opened with ctypes (Linux: found among the loaded libraries), or None."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _blas_call(kind: str, *args: int) -> Any:
    lib = _openblas()
    if lib is None:
        return None
    for prefix in ("scipy_openblas_", "openblas_"):
        for suffix in ("64_", "", "_64_"):
            function = getattr(lib, f"{prefix}{kind}_num_threads{suffix}", None)
            if function is not None:
                return function(*args)
    return None


def blas_threads() -> int | None:
    """How many threads numpy's BLAS (OpenBLAS) uses, when that can be told."""
    return _blas_call("get")


def _torch() -> Any:
    """PyTorch if it has been imported (the bench never imports it just to ask), else None."""
    return sys.modules.get("torch")


def torch_threads() -> int | None:
    return _torch().get_num_threads() if _torch() is not None else None


def restore_threads(blas: int | None, torch_count: int | None) -> None:
    if blas is not None:
        _blas_call("set", blas)
    if torch_count is not None and _torch() is not None:
        _torch().set_num_threads(torch_count)


def torch_note(include_torch: bool) -> str | None:
    if not include_torch:
        return "PyTorch left out (--no-torch)"
    if not torch_available():
        return "PyTorch is not installed: its columns are skipped (pip install torch to include it)"
    return None


def set_threads(threads: int) -> None:
    """Limit numpy's BLAS and PyTorch (if installed and already imported) to ``threads`` threads."""
    _blas_call("set", threads)
    if _torch() is not None:
        _torch().set_num_threads(threads)



# ---- the machine ------------------------------------------------------------------------------------


def machine_info(threads: int | None, include_torch: bool = True) -> dict:
    torch_version = None
    torch_count = None
    if include_torch and torch_available():
        import torch

        torch_version, torch_count = torch.__version__, torch.get_num_threads()
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "processor": _cpu_name(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_blas_threads": blas_threads(),
        "torch": torch_version,
        "torch_threads": torch_count,
        "threads_requested": threads,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
