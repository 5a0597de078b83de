"""The primitive ops. Each is a ``Function`` with forward, backward and its derivative in the docstring.

Everything else (``stack``, ``softmax``, the losses in ``nn.functional``, ...) is composed from these.
"""

from .elementwise import (
    Abs,
    Add,
    Cast,
    Clamp,
    Div,
    Exp,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .linalg import MatMul
from .movement import Cat, Expand, GetItem, Permute, Reshape
from .reduce import LogSoftmax, Max, Mean, Min, Sum

__all__ = [
    "Abs", "Add", "Cast", "Cat", "Clamp", "Div", "Exp", "Expand", "GetItem", "Log", "LogSoftmax", "MatMul",
    "Max", "Maximum", "Mean", "Min", "Minimum", "Mul", "Neg", "Permute", "Pow", "Relu", "Reshape",
    "Sigmoid", "Sqrt", "Sub", "Sum", "Tanh", "Where",
]
