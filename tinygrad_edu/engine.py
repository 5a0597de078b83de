"""The backward walk: visit the recorded ops from the loss back to the leaves, applying the chain rule.

Three ideas live here and nowhere else:

1. ``topological_order`` lists the ops behind the loss so that each op comes before the ops that made
   its inputs, with an explicit stack (no recursion: a chain of 100,000 ops is fine).
2. ``backward`` visits them in that order and hands each op the gradient of its output, complete by then.
3. ``send`` takes one gradient to one input: ``unbroadcast`` sums it back to the input's shape (so op
   authors never think about broadcasting), then it is added to the leaf's ``.grad`` or to the
   gradient waiting for the op that made the input.

Recording the graph is ``Function.apply`` in ``function.py``.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .function import Function, changed_since, check_finite, current_stamp, is_anomaly_enabled

#: ``on_step(fn, grad_out, returned, sent)``: called after each op's backward, for tracing.
OnStep = Callable[[Function, np.ndarray, tuple, tuple], None]
#: ``sink(tensor, grad)``: where a finished gradient goes (a leaf's, or a retain_grad() tensor's).
Sink = Callable[[Any, np.ndarray], None]


def backward(roots: Any, gradients: Any, retain_graph: bool = False, on_step: OnStep | None = None,
             sink: Sink | None = None) -> None:
    """Backpropagate each gradient (d root / d root, usually 1) from its root to every leaf.

    ``roots`` and ``gradients`` are one tensor and its gradient, or lists of them. ``sink`` receives
    each finished gradient; the default adds it into ``tensor.grad``. ``on_step(fn, grad_out, returned,
    sent)`` sees each op's step: the gradient arriving at its output, the gradients its backward
    returned, and those that reached its inputs (summed back to the inputs' shapes; ``None`` where no
    gradient was needed).
    """
    sink = sink or accumulate_leaf
    pending = _start(roots, gradients, sink)  # d root / d (each op's output), summed as its parts arrive
    check, stamp = is_anomaly_enabled(), current_stamp()
    for fn in topological_order(*pending):
        grad_out = pending.pop(fn, None)
        if grad_out is None:  # no path from a root to this op carries a gradient
            continue
        if fn.released or fn.stamp != stamp or fn.retained is not None:  # the rare cases, out of the way
            _before_backward(fn, grad_out, sink, stamp)
        returned = fn.backward(grad_out)  # the chain rule: grad_out × local derivative
        if type(returned) is not tuple or len(returned) != len(fn.inputs):
            returned = _one_per_input(fn, returned)
        if not retain_graph:
            fn.saved, fn.released = (), True
        sent = []  # each gradient as it reached its input (a loop: cheaper than a comprehension in 3.11)
        for t, parent, g, needed in zip(fn.inputs, fn.parents, returned, fn.needs_input_grad):
            sent.append(send(t, parent, g, pending, sink, check, fn) if needed and g is not None else None)
        if on_step is not None:
            on_step(fn, grad_out, returned, tuple(sent))


def send(tensor: Any, parent: Function | None, grad: np.ndarray, pending: dict, sink: Sink,
         check: bool = False, fn: Function | None = None) -> np.ndarray:
    """Take the gradient that ``fn`` computed for its input ``tensor`` (made by ``parent``, None for a
    leaf) to where it is summed up. Returns the gradient as it arrived: of the input's shape and dtype.
    """
    data = tensor._data
    if grad.shape != data.shape:
        grad = unbroadcast(grad, data.shape)
    if grad.dtype != data.dtype:
        grad = grad.astype(data.dtype)
    if check:
        check_finite(grad, f"backward of {fn.op_name()}")
    if parent is None:
        sink(tensor, grad)
    else:
        earlier = pending.get(parent)
        pending[parent] = grad if earlier is None else earlier + grad
    return grad


def backward_into(roots: Any, gradients: Any, inputs: list, retain_graph: bool = False,
                  sink: Sink | None = None) -> None:
    """``backward`` that hands only the gradients of ``inputs`` (leaves or not) to ``sink``: by default
    they are added into their ``.grad`` (``backward(inputs=...)``); ``autograd.grad`` collects them."""
    sink = sink or accumulate_leaf
    wanted = {id(t) for t in inputs}

    def only_inputs(tensor: Any, grad: np.ndarray) -> None:
        if id(tensor) in wanted:
            sink(tensor, grad)

    with _watching(inputs):
        backward(roots, gradients, retain_graph, sink=only_inputs)


@contextmanager
def _watching(tensors: list) -> Iterator[None]:
    """Within the block, backward hands the gradients of the non-leaf ``tensors`` to its sink too, as
    it does for a tensor that asked retain_grad()."""
    previous = [(t.grad_fn, t.grad_fn.retained) for t in tensors if t.grad_fn is not None]
    for t in tensors:
        if t.grad_fn is not None:
            t.grad_fn.retained = weakref.ref(t)
    try:
        yield
    finally:
        for fn, retained in previous:
            fn.retained = retained


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


def accumulate_leaf(tensor: Any, grad: np.ndarray) -> None:
    """Add ``grad`` into ``tensor.grad``: leaf gradients add up across backward() calls."""
    # ``_grad``: Tensor's own field, as ``.grad`` warns when read on a non-leaf (a retain_grad() tensor here)
    if tensor._grad is None:
        # a copy: the same array may flow to several inputs (``a + b``), and p.grad.zero_() writes in place
        tensor._grad = tensor._make(grad.copy())
    else:
        tensor._grad._data += grad


def topological_order(*root_fns: Function) -> list[Function]:
    """The ops behind ``root_fns``, each listed before every op that produced one of its inputs.

    Iterative depth-first search: a node is appended after all of its parents have been finished,
    and the reversed list is the order backward must visit them in.
    """
    order: list[Function] = []
    visited = set(root_fns)
    stack = [(root_fn, iter(root_fn.parents)) for root_fn in reversed(root_fns)]
    while stack:
        fn, parents = stack[-1]
        for parent in parents:  # resumes where the last visit of ``fn`` stopped
            if parent is not None and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:  # every parent of fn is finished
            stack.pop()
            order.append(fn)
    order.reverse()
    return order


# ---- the bookkeeping around each step -----------------------------------------------------------------


def _start(roots: Any, gradients: Any, sink: Sink) -> dict:
    """The gradients waiting at the roots' ops; a root that is a leaf gets its gradient at once."""
    if not isinstance(roots, (list, tuple)):
        roots, gradients = [roots], [gradients]
    pending: dict = {}
    for root, gradient in zip(roots, gradients, strict=True):
        if root.grad_fn is None:  # backward() on a leaf: d leaf / d leaf = 1
            sink(root, gradient)
        else:
            earlier = pending.get(root.grad_fn)
            pending[root.grad_fn] = gradient if earlier is None else earlier + gradient
    return pending


def _before_backward(fn: Function, grad_out: np.ndarray, sink: Sink, stamp: int) -> None:
    """Refuse a freed graph or changed saved values; give the output its ``.grad`` if it asked for
    retain_grad()."""
    if fn.released:
        raise RuntimeError(
            f"backward: trying to backward through the graph a second time ({fn.name()} already "
            "freed its saved values). Call the first backward(retain_graph=True) to backward twice."
        )
    if fn.stamp != stamp:  # something was changed in place since fn was recorded
        for array in fn.saved:
            if isinstance(array, np.ndarray) and changed_since(array, fn.stamp):
                raise RuntimeError(
                    f"backward: a value that {fn.op_name()} saved for its backward (an array of shape "
                    f"{array.shape}) was changed by an in-place operation after {fn.op_name()} ran, so its "
                    "gradient would be wrong. Change a copy instead (x = x * 2 rather than x *= 2), "
                    "or make the change before using the tensor."
                )
    if fn.retained is not None:
        output = fn.retained()
        if output is not None:
            sink(output, grad_out)


def _one_per_input(fn: Function, returned: Any) -> tuple:
    """The op's gradients as a tuple, one per input (a custom op may return a bare array for one input)."""
    if not isinstance(returned, (tuple, list)):
        returned = (returned,)
    if len(returned) != len(fn.inputs):
        raise RuntimeError(f"backward of {fn.op_name()} returned {len(returned)} gradients "
                           f"for {len(fn.inputs)} inputs")
    return tuple(returned)
