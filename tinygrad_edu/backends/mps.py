"""``torch.backends.mps``: Apple's Metal GPUs. Not here: tinygrad_edu runs on the CPU only."""

from __future__ import annotations


def is_available() -> bool:
    """False: no MPS device, so ``"mps" if torch.backends.mps.is_available() else "cpu"`` picks the CPU."""
    return False


def is_built() -> bool:
    """False: tinygrad_edu is not built with MPS support."""
    return False
