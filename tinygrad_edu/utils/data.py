"""PyTorch's import path for the data tools: ``from tinygrad_edu.utils.data import DataLoader``."""

from ..data import DataLoader, TensorDataset

__all__ = ["DataLoader", "TensorDataset"]
