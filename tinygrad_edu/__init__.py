"""tinygrad_edu: a small automatic-differentiation framework on numpy, written to be studied.

``import tinygrad_edu as torch`` runs fast.ai lesson 4's PyTorch code: the names below follow PyTorch.
Reading order: tensor.py → function.py → ops/ → engine.py → gradcheck.py.
"""

import math
from typing import Any

import numpy as np

from . import engine, function, ops
from .creation import (
    arange,
    cat,
    from_numpy,
    full,
    generator,
    linspace,
    maximum,
    minimum,
    ones,
    ones_like,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)
from .dtypes import bool_, float32, float64, int32, int64, uint8
from .function import ShapeError, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck
from .size import Size
from .tensor import Tensor

__version__ = "0.1.0"

# As in PyTorch, a bare ``import tinygrad_edu`` gives tinygrad_edu.nn, .nn.functional and .optim.
from . import autograd, nn, optim, utils  # noqa: E402  (after the core they are built on)
from .data import DataLoader  # noqa: E402
from .serialization import load, save  # noqa: E402

__all__ = [
    "DataLoader", "GradcheckError", "ShapeError", "Size", "Tensor", "abs", "autograd", "arange", "argmax",
    "bool_", "cat",
    "clamp", "detect_anomaly", "enable_grad", "engine", "exp", "function", "float32", "float64", "from_numpy",
    "full",
    "generator", "gradcheck", "int32", "int64", "is_grad_enabled", "linspace", "load", "log", "manual_seed",
    "matmul", "maximum", "minimum", "nn", "no_grad", "ones", "ones_like", "optim", "rand", "randint",
    "randn", "randperm", "relu", "save", "sigmoid", "sqrt", "stack", "tanh", "tensor", "uint8", "where",
    "utils", "zeros", "zeros_like",
]
# random numbers (torch.Generator, torch.random, the random tensors) and devices (the CPU only)
from . import cuda, random  # noqa: E402
from .creation import empty, empty_like, eye, full_like  # noqa: E402
from .devices import device  # noqa: E402
from .random import (  # noqa: E402
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .sampling import multinomial, rand, rand_like, randint, randn, randn_like, randperm  # noqa: E402

__all__ += [
    "Generator", "cuda", "default_generator", "device", "empty", "empty_like", "eye", "full_like",
    "get_rng_state", "initial_seed", "multinomial", "rand_like", "randn_like", "random", "seed",
    "set_rng_state",
]

# all, any, max, min and sum (torch.all, ...) stay out of ``import *``: they would hide Python's own
__all__ += ["allclose", "cos", "einsum", "log10", "log2", "log_softmax", "logsumexp", "mean", "mm", "norm",
            "sin", "softmax", "unbind"]

def exp(input: Tensor) -> Tensor:  # noqa: A002 (PyTorch's argument names)
    return input.exp()


def log(input: Tensor) -> Tensor:  # noqa: A002
    return input.log()


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    return input.sigmoid()


def relu(input: Tensor) -> Tensor:  # noqa: A002
    return input.relu()


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    return input.tanh()


def abs(input: Tensor) -> Tensor:  # noqa: A002
    return input.abs()


def sqrt(input: Tensor) -> Tensor:  # noqa: A002
    return input.sqrt()


def clamp(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    return input.clamp(min, max)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return input.argmax(dim, keepdim)


# ---- more of torch's functions: what PyTorch's autograd tutorials, fastbook chapters 5 and 17 and
# makemore call (each is the Tensor method of the same name) ------------------------------------------

def sin(input: Tensor) -> Tensor:  # noqa: A002
    return input.sin()


def cos(input: Tensor) -> Tensor:  # noqa: A002
    return input.cos()


def log10(input: Tensor) -> Tensor:  # noqa: A002
    return input.log10()


def log2(input: Tensor) -> Tensor:  # noqa: A002
    return input.log2()


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Tensor:  # noqa: A001 A002
    return input.sum(dim, keepdim, **kwargs)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Tensor:  # noqa: A002
    return input.mean(dim, keepdim, **kwargs)


def max(input: Tensor, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Any:  # noqa: A001 A002
    return input.max(dim, keepdim, **kwargs)


def min(input: Tensor, dim: Any = None, keepdim: bool = False, **kwargs: Any) -> Any:  # noqa: A001 A002
    return input.min(dim, keepdim, **kwargs)


def norm(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    return input.norm(p, dim, keepdim)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    return input.logsumexp(dim, keepdim)


def softmax(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    return input.softmax(dim)


def log_softmax(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    return input.log_softmax(dim)


def all(input: Tensor) -> Tensor:  # noqa: A001 A002
    return input.all()


def any(input: Tensor) -> Tensor:  # noqa: A001 A002
    return input.any()


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """True when |input - other| ≤ atol + rtol · |other| everywhere (broadcasting), as a Python bool."""
    # np.allclose returns Python's bool (``bool`` in this module is torch.bool, the dtype)
    return np.allclose(np.asarray(input), np.asarray(other), rtol, atol, equal_nan)


def mm(input: Tensor, mat2: Tensor) -> Tensor:  # noqa: A002
    return input.mm(mat2)


def unbind(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    return input.unbind(dim)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation: ``einsum("ik,kj->ij", a, b)`` is ``a @ b``; operands also as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or [t for t in operands if not isinstance(t, Tensor)]:  # (all() here is torch.all)
        kinds = ", ".join(type(t).__name__ for t in operands) or "none"
        raise TypeError(f"einsum: the operands must be Tensors (equation {equation!r}; got {kinds})")
    if len({t.dtype for t in operands}) > 1:
        raise TypeError(f"einsum: the operands must have one dtype (equation {equation!r}; got "
                        f"{', '.join(str(t.dtype) for t in operands)})")
    return ops.Einsum.apply(*operands, equation=equation)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Dims start_dim .. end_dim joined into one (``Tensor.flatten``): all of them by default."""
    return input.flatten(start_dim, end_dim)


__all__ += ["flatten"]


def __getattr__(name: str):
    """``draw_graph``, ``render_graph`` and ``trace_backward`` load the viz package (and graphviz) only
    when first used: graphviz is an optional dependency. ``compile`` (torch.compile: capture a step once,
    replay it as numpy) loads tinygrad_edu/compiler/ when first used; it stays out of ``import *``, where
    it would hide Python's own compile."""
    if name in ("draw_graph", "render_graph", "trace_backward", "explore"):
        from . import viz

        return getattr(viz, name)
    if name == "compile":
        from .compiler import compile

        globals()["compile"] = compile  # found directly from now on
        return compile
    raise AttributeError(f"module 'tinygrad_edu' has no attribute {name!r}")


# the function forms with out= (torch.matmul(a, b, out=c), ...), the masks of attention, histograms, the
# default device, torch.accelerator and torch.backends (no accelerator here), and math's constants
from . import accelerator, backends  # noqa: E402
from .functions import (  # noqa: E402
    add,
    div,
    get_default_device,
    masked_fill,
    matmul,
    mul,
    set_default_device,
    sub,
    tril,
    triu,
)
from .histogram import histc, histogram  # noqa: E402
from .sampling import bernoulli  # noqa: E402

pi, e, inf, nan = math.pi, math.e, math.inf, math.nan
__all__ += ["accelerator", "add", "backends", "bernoulli", "div", "get_default_device", "histc", "histogram",
            "masked_fill", "mul", "set_default_device", "sub", "tril", "triu"]

# PyTorch's dtype aliases; assigned last so this module's own code never sees builtins shadowed.
globals().update({"bool": bool_, "float": float32, "double": float64, "long": int64, "int": int32})
