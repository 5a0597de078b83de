"""Every op: a ``Function`` with forward, backward and its derivative rule on the docstring's first line.

The primitives live in ``elementwise``, ``reduce``, ``movement`` and ``linalg``; ``Linear`` (linalg),
the losses (``loss``) and attention's ``Embedding``, ``LayerNorm`` and ``Gelu`` (``nn``) are formulas fused
into one op where that is faster or numerically safer (each says which). Everything else (``stack``,
``softmax``, ``mse_loss``, ``tril``, ``masked_fill``, ...) is composed from these.
"""

from .conv import Conv2d
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clamp,
    Cos,
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
    Sin,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .linalg import Einsum, Linear, MatMul
from .loss import BinaryCrossEntropy, BinaryCrossEntropyWithLogits, CrossEntropy, NllLoss
from .movement import Cat, Expand, GetItem, Permute, Reshape, SetItem
from .nn import Embedding, Gelu, LayerNorm, Softmax
from .pool import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .reduce import LogSoftmax, Max, Mean, Min, Norm, Std, Sum, Var
