"""``torch.backends``: which hardware backends this build has. tinygrad_edu has only numpy on the CPU, so
``torch.backends.mps.is_available()`` (Apple's GPUs) is False, as in PyTorch on a machine without them."""

from . import mps

__all__ = ["mps"]
