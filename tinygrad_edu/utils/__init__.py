"""``tinygrad_edu.utils.data`` mirrors ``torch.utils.data`` so ``torch.utils.data.DataLoader`` works too."""

from . import data

__all__ = ["data"]
