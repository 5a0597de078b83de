"""``tinygrad_edu.utils.data`` mirrors ``torch.utils.data`` so ``torch.utils.data.DataLoader`` works too.

``tinygrad_edu.utils.files`` (imported where needed) writes files atomically.
"""

from . import data

__all__ = ["data"]
