"""``torch.accelerator``, as far as a CPU-only framework has one: no accelerator (GPU, MPS, ...) is there.

PyTorch 2.x code picks its device with ``torch.accelerator.current_accelerator()`` (None when there is no
accelerator) or ``torch.accelerator.is_available()``; here both say "none", so such code picks the CPU.
"""

from __future__ import annotations

from typing import Any


def is_available() -> bool:
    """False: tinygrad_edu computes on the CPU only."""
    return False


def current_accelerator(check_available: bool = False) -> Any:
    """None: there is no accelerator (PyTorch returns a ``device`` when there is one)."""
    return None


def device_count() -> int:
    """0: there are no accelerator devices here."""
    return 0
