"""Data for the lesson: the IDX reader, MNIST (the bundled 3s and 7s, and the full set), and DataLoader."""

from .idx import IDXError, load_idx
from .loader import DataLoader, TensorDataset
from .mnist import (
    ChecksumError,
    Mnist,
    MnistNotFoundError,
    MnistSample,
    load_mnist,
    load_mnist_sample,
)

__all__ = [
    "ChecksumError", "DataLoader", "IDXError", "Mnist", "MnistNotFoundError", "MnistSample", "TensorDataset",
    "load_idx", "load_mnist", "load_mnist_sample",
]
