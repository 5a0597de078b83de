"""``torch.cuda``, as far as a CPU-only framework has one: there is no GPU, so ``is_available()`` is False.

Lesson code often writes ``device = "cuda" if torch.cuda.is_available() else "cpu"``; with this module
it picks the CPU. Seeding the GPUs is a no-op, as in PyTorch on a machine without one.
"""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_edu computes on the CPU only."""
    return False


def device_count() -> int:
    """0: there are no GPUs here."""
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed: there is no GPU (PyTorch too ignores this call without CUDA)."""


def manual_seed_all(seed: int) -> None:
    """Nothing to seed: there is no GPU."""
