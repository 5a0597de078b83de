"""The autograd engine: recording ops, walking the graph backwards, unbroadcasting, accumulating.

Three ideas live here and nowhere else:

1. ``Function.apply`` runs an op's forward on raw numpy arrays and, when gradients are wanted,
   records the op as the ``grad_fn`` of its output: that record *is* the computation graph.
2. ``backward`` visits the recorded ops in reverse topological order with an explicit stack
   (no recursion, so a chain of 100,000 ops is fine) and hands each op the gradient of its output.
3. ``unbroadcast`` sums every incoming gradient back to its input's shape, so op authors never
   think about broadcasting: ``a + b`` with ``a`` of shape (3, 1) and ``b`` of shape (4,) just
   returns ``grad, grad`` and the engine reduces each to the right shape.
"""

from __future__ import annotations

import functools
import math
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

_grad_enabled = True
_anomaly_enabled = False


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit an op. A RuntimeError as in PyTorch, and a ValueError as in Python."""


# ---------------------------------------------------------------------------------------------
# Grad mode and anomaly mode
# ---------------------------------------------------------------------------------------------


class _GradMode:
    """Base of ``no_grad`` / ``enable_grad``: a context manager that also works as a decorator,
    with or without parentheses (``@no_grad()`` and ``@no_grad``), as in PyTorch."""

    enabled = True

    def __new__(cls, func: Callable | None = None) -> Any:
        mode = super().__new__(cls)
        return mode if func is None else mode(func)

    def __enter__(self) -> None:
        global _grad_enabled
        self._previous = _grad_enabled
        _grad_enabled = self.enabled

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):  # noqa: N801 (PyTorch's name)
    """Inside ``with no_grad():`` (or a function decorated ``@no_grad()``) no op is recorded."""

    enabled = False


class enable_grad(_GradMode):  # noqa: N801 (PyTorch's name)
    """Turns recording back on inside a ``no_grad`` block."""

    enabled = True


def is_grad_enabled() -> bool:
    """True when new ops are recorded for backward."""
    return _grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block every op checks its output (forward) and its gradients (backward)
    for NaN or inf and raises ``FloatingPointError`` naming the first op that produced one."""
    global _anomaly_enabled
    previous = _anomaly_enabled
    _anomaly_enabled = True
    try:
        yield
    finally:
        _anomaly_enabled = previous


def _check_finite(array: np.ndarray, what: str) -> None:
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        kind = "NaN" if np.isnan(array).any() else "inf"
        raise FloatingPointError(f"detect_anomaly: {what} produced {kind} (shape {array.shape})")


# ---------------------------------------------------------------------------------------------
# Function: one op, and one node of the graph
# ---------------------------------------------------------------------------------------------


class Function:
    """One differentiable op. Subclasses write ``forward`` and ``backward`` on numpy arrays.

    ``forward(self, *arrays, **params)`` returns the output array and keeps what backward needs
    with ``self.save_for_backward(...)`` (or as plain attributes for non-array facts such as a shape).
    ``backward(self, grad)`` returns one gradient per input (``None`` for an input that needs none;
    ``self.needs_input_grad[i]`` tells which are wanted). Gradients may have the *broadcast* shape:
    the engine reduces them to each input's shape.

    After ``apply`` the instance is the output's ``grad_fn``: it remembers its ``inputs`` (Tensors),
    which is how the graph is linked.
    """

    inputs: tuple = ()
    saved: tuple = ()
    needs_input_grad: tuple = ()
    released = False
    retained: weakref.ref | None = None

    def save_for_backward(self, *arrays: Any) -> None:
        self.saved = arrays

    def forward(self, *arrays: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> tuple:
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run forward on the inputs' arrays; record the op when any input requires grad."""
        fn = cls()
        try:
            # Every op of every training step passes here: one, two and three inputs are spelled out.
            if len(inputs) == 2:
                a, b = inputs
                out = fn.forward(a._data, b._data, **params)
                needs = (a._requires_grad, b._requires_grad)
            elif len(inputs) == 1:
                out = fn.forward(inputs[0]._data, **params)
                needs = (inputs[0]._requires_grad,)
            elif len(inputs) == 3:  # where(cond, a, b); nn.Linear's x @ W.T + b
                a, b, c = inputs
                out = fn.forward(a._data, b._data, c._data, **params)
                needs = (a._requires_grad, b._requires_grad, c._requires_grad)
            else:
                out = fn.forward(*[t._data for t in inputs], **params)
                needs = tuple([t._requires_grad for t in inputs])
        except ShapeError:
            raise
        except (ValueError, IndexError, TypeError) as error:
            raise _op_error(cls, inputs, error) from None
        if _anomaly_enabled:
            _check_finite(out, f"forward of {cls.op_name()}")
        if _grad_enabled and True in needs:
            fn.inputs = inputs
            fn.needs_input_grad = needs
            return Tensor._make(out, True, fn)
        return Tensor._make(out)

    @classmethod
    def op_name(cls) -> str:
        return cls.__name__

    def name(self) -> str:
        """PyTorch-style display name of a grad_fn, e.g. ``MulBackward``."""
        return type(self).__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    @property
    def next_functions(self) -> tuple:
        """The ``grad_fn`` of every input (``None`` for leaves), as in PyTorch."""
        return tuple(t.grad_fn for t in self.inputs)


def _op_error(cls: type, inputs: tuple, error: Exception) -> Exception:
    """numpy's error from inside an op, restated with the op's name and its inputs' shapes."""
    shapes = " and ".join(str(t._data.shape) for t in inputs)
    message = f"{cls.op_name()}: inputs of shapes {shapes}: {error}"
    if isinstance(error, IndexError):
        return IndexError(message)
    if isinstance(error, TypeError):
        return TypeError(message)
    return ShapeError(message)  # numpy's ValueErrors are about shapes (broadcasting)


# ---------------------------------------------------------------------------------------------
# Backward
# ---------------------------------------------------------------------------------------------


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the adjoint of numpy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of size 1, so its gradient
    is the sum of the gradients of all the copies.
    """
    if grad.shape == shape:
        return grad
    if grad.size == math.prod(shape):  # only axes of size 1 were added: nothing to sum
        return grad.reshape(shape)
    extra = grad.ndim - len(shape)
    if extra == 1 and grad.shape[1:] == shape:  # the usual case: a bias added to every row of a batch
        return grad.sum(axis=0)
    if extra:  # axes broadcasting added in front
        grad = grad.sum(axis=tuple(range(extra)))
    ones = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if ones:  # axes of size 1 that broadcasting stretched
        grad = grad.sum(axis=ones, keepdims=True)
    return grad


def topological_order(root_fn: Function) -> list[Function]:
    """The ops behind ``root_fn``, each listed before every op that produced one of its inputs.

    Iterative depth-first search: a node is appended after all of its parents have been finished,
    and the reversed list is the order backward must visit them in.
    """
    order: list[Function] = []
    visited = {root_fn}
    stack = [(root_fn, iter(root_fn.inputs))]
    while stack:
        fn, inputs = stack[-1]
        for tensor in inputs:  # resumes where the last visit of ``fn`` stopped
            parent = tensor.grad_fn
            if parent is not None and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.inputs)))
                break
        else:  # every parent of fn is finished
            stack.pop()
            order.append(fn)
    order.reverse()
    return order


def _accumulate_leaf(tensor: Any, grad: np.ndarray) -> None:
    if tensor.grad is None:
        # a copy: the same array may flow to several inputs (``a + b``), and p.grad.zero_() writes in place
        tensor.grad = Tensor._make(grad.copy(), False, None)
    else:
        tensor.grad._data += grad


def _one_per_input(fn: Function, input_grads: Any) -> tuple:
    """A custom op's backward may return a bare array for its single input, as in PyTorch."""
    if not isinstance(input_grads, (tuple, list)):
        input_grads = (input_grads,)
    if len(input_grads) != len(fn.inputs):
        raise RuntimeError(f"backward of {fn.op_name()} returned {len(input_grads)} gradients "
                           f"for {len(fn.inputs)} inputs")
    return tuple(input_grads)


def backward(
    root: Any,
    gradient: np.ndarray,
    retain_graph: bool = False,
    on_step: Callable[[Function, np.ndarray, tuple], None] | None = None,
) -> None:
    """Backpropagate ``gradient`` (d root / d root, usually 1) from ``root`` to every leaf.

    ``on_step(fn, grad_out, grads_in)`` is called after each op's backward (for tracing): the
    gradient arriving at the op's output and the gradients it sends to its inputs (already
    reduced to the inputs' shapes, ``None`` where no gradient was needed).
    """
    root_fn = root.grad_fn
    if root_fn is None:  # backward() on a leaf: d leaf / d leaf = 1
        _accumulate_leaf(root, gradient)
        return
    pending = {root_fn: gradient}
    anomaly = _anomaly_enabled
    for fn in topological_order(root_fn):
        grad = pending.pop(fn, None)
        if grad is None:
            continue
        if fn.released:
            raise RuntimeError(
                f"backward: trying to backward through the graph a second time ({fn.name()} already "
                "freed its saved values). Call the first backward(retain_graph=True) to backward twice."
            )
        if fn.retained is not None:
            output = fn.retained()
            if output is not None:
                _accumulate_leaf(output, grad)
        input_grads = fn.backward(grad)
        if type(input_grads) is not tuple or len(input_grads) != len(fn.inputs):
            input_grads = _one_per_input(fn, input_grads)
        if not retain_graph:
            fn.saved = ()
            fn.released = True
        sent = []  # the gradients as they reach the inputs (for on_step)
        for tensor, input_grad, needed in zip(fn.inputs, input_grads, fn.needs_input_grad):
            if input_grad is not None and needed:
                data = tensor._data
                if input_grad.shape != data.shape:
                    input_grad = unbroadcast(input_grad, data.shape)
                if input_grad.dtype != data.dtype:
                    input_grad = input_grad.astype(data.dtype)
                if anomaly:
                    _check_finite(input_grad, f"backward of {fn.op_name()}")
                parent = tensor.grad_fn
                if parent is None:
                    _accumulate_leaf(tensor, input_grad)
                else:
                    earlier = pending.get(parent)
                    pending[parent] = input_grad if earlier is None else earlier + input_grad
            else:
                input_grad = None
            sent.append(input_grad)
        if on_step is not None:
            on_step(fn, grad, tuple(sent))


# Tensor's methods call into this module, so Tensor is imported last (the package imports this module first).
from .tensor import Tensor  # noqa: E402
