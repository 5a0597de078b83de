"""``torch.autograd``: write your own op (``Function``), and ask for gradients without touching ``.grad``
(``grad``), as PyTorch's autograd tutorials do.

A learner's ``Function`` works on Tensors with static methods and a ``ctx``::

    class Cube(Function):
        \"\"\"out = x³;  d/dx = 3x²\"\"\"

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

``Cube.apply(x)`` runs forward without recording its inside and puts one node in the graph, named
``CubeBackward``, whose backward calls the learner's. The built-in ops of ``tinygrad_edu.ops`` are the
same idea one level down: there ``self`` plays ``ctx`` and the values are numpy arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import engine
from .function import Function as _Node
from .function import current_stamp, detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_detect_anomaly
from .gradcheck import gradcheck
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "backward", "detect_anomaly", "enable_grad", "grad", "gradcheck",
           "no_grad", "set_detect_anomaly"]


class FunctionCtx:
    """What a Function's forward leaves for its backward: saved tensors, ``needs_input_grad`` (one
    entry per argument of forward) and any attribute you set (``ctx.power = 3``)."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple = ()
        self._non_differentiable: list[Tensor] = []
        self._node: _Node | None = None

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward: argument {i} is a {type(t).__name__}; only Tensors (or "
                                "None) can be saved; keep other values as attributes (ctx.k = k)")
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._node is not None and self._node.released:
            raise RuntimeError(f"saved_tensors: {self._node.name()} already freed its saved tensors in an "
                               "earlier backward; call that backward(retain_graph=True) to backward twice")
        return self._saved

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Outputs that get no gradient (an argmax's indices, say)."""
        self._non_differentiable.extend(tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch's code; gradients reaching backward here are always arrays, never None."""


class _CustomBackward(_Node):
    """The graph node of a learner's Function: its backward calls the Function's, on Tensors."""

    function: type
    ctx: FunctionCtx
    positions: tuple[int, ...] = ()  # where each Tensor input stood among forward's arguments

    def backward(self, grad: np.ndarray) -> tuple:
        with no_grad():
            returned = self.function.backward(self.ctx, Tensor._make(grad))
        returned = returned if isinstance(returned, tuple) else (returned,)
        expected, name = len(self.ctx.needs_input_grad), self.function.__name__
        if len(returned) != expected:
            raise RuntimeError(f"{name}.backward returned {len(returned)} gradients; forward took {expected} "
                               f"arguments, so it must return {expected} (None for the ones that need none)")
        for i, g in enumerate(returned):
            if g is not None and i not in self.positions:
                raise RuntimeError(f"{name}.backward returned a gradient at position {i}, but forward's "
                                   "argument there is not a Tensor: return None there")
        return tuple(self._as_array(returned[i], tensor) for i, tensor in zip(self.positions, self.inputs))

    def _as_array(self, g: Any, tensor: Tensor) -> np.ndarray | None:
        if g is None:
            return None
        array = g._data if isinstance(g, Tensor) else np.asarray(g, tensor.dtype)
        try:
            fits = np.broadcast_shapes(array.shape, tensor.shape) == array.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"{self.function.__name__}.backward returned a gradient of shape "
                               f"{array.shape} for an input of shape {tuple(tensor.shape)}")
        return array


class Function:
    """Subclass it with ``@staticmethod forward(ctx, *args)`` and ``@staticmethod backward(ctx, *grads)``
    (or PyTorch's newer ``forward(*args)`` with ``setup_context(ctx, inputs, output)``); call it with
    ``YourFunction.apply(*args)``. One output Tensor."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define @staticmethod forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        raise NotImplementedError("a Function subclass must define @staticmethod backward(ctx, grad)")

    setup_context = None  # PyTorch's newer style: forward(*args) without ctx, then setup_context(ctx, ...)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            if cls.setup_context is None:
                out = cls.forward(ctx, *args, **kwargs)
            else:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
        if isinstance(out, tuple) and len(out) == 1:
            out = out[0]
        if not (is_grad_enabled() and any(needs)):
            return out
        if not isinstance(out, Tensor):
            raise NotImplementedError(f"{cls.__name__}.forward returned {type(out).__name__}: tinygrad_edu's "
                                      "custom Functions return exactly one Tensor")
        if any(out is t for t in ctx._non_differentiable) or out.dtype.kind != "f":
            return out
        node = _node_class(cls)()
        node.ctx, ctx._node = ctx, node
        node.positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        node.inputs = tuple(args[i] for i in node.positions)
        node.parents = tuple(t.grad_fn for t in node.inputs)
        node.needs_input_grad = tuple(t.requires_grad for t in node.inputs)
        node.stamp = current_stamp()
        node.saved = tuple(t._data for t in ctx._saved if t is not None)  # backward checks they stay put
        if any(out is t for t in node.inputs):  # forward returned an input itself: a new tensor in its place
            return Tensor._make(out._data, True, node)
        out._requires_grad, out.grad_fn = True, node
        return out


def _node_class(function: type) -> type:
    """One node class per Function, named after it and carrying its docstring (trace_backward and
    draw_graph show its first line as the rule)."""
    if "_node_class" not in function.__dict__:
        function._node_class = type(function.__name__, (_CustomBackward,), {
            "__doc__": function.__doc__ or f"out = {function.__name__}(...);  its backward: see the class",
            "__module__": function.__module__, "function": function,
            "forward": staticmethod(function.forward)})
    return function._node_class


# ---- gradients on request ---------------------------------------------------------------------------------


def _tensors(value: Any, what: str) -> list[Tensor]:
    items = [value] if isinstance(value, Tensor) else list(value)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: item {i} is a {type(t).__name__}, not a Tensor")
    return items


def _roots(outputs: Any, grad_outputs: Any, caller: str, create_graph: bool) -> tuple[list, list]:
    outputs = _tensors(outputs, caller)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{caller}: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    grads = [o._root_gradient(g, caller, create_graph) for o, g in zip(outputs, grad_outputs)]
    return outputs, grads


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """``loss.backward()`` for several outputs at once: their gradients add up in the leaves' ``.grad``."""
    roots, grads = _roots(tensors, grad_tensors, "backward", create_graph)
    if inputs is None:
        return engine.backward(roots, grads, bool(retain_graph))
    engine.backward_into(roots, grads, _tensors(inputs, "backward"), bool(retain_graph))


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """d outputs / d inputs, returned (one Tensor per input) instead of added into ``.grad``: no
    ``.grad`` anywhere changes. An input the outputs do not depend on raises, or gives None with
    ``allow_unused=True``."""
    roots, grads = _roots(outputs, grad_outputs, "grad", create_graph)
    inputs = _tensors(inputs, "grad")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad, so no gradient can reach it")
    found: dict[int, np.ndarray] = {}

    def collect(tensor: Any, g: np.ndarray) -> None:
        key = id(tensor)
        found[key] = g.copy() if key not in found else found[key] + g

    engine.backward_into(roots, grads, inputs, bool(retain_graph), sink=collect)
    result = tuple(Tensor._make(found[id(t)]) if id(t) in found else None for t in inputs)
    missing = [i for i, r in enumerate(result) if r is None]
    if missing and not allow_unused:
        raise RuntimeError(f"grad: input {missing[0]} was not used to compute the outputs; pass "
                           "allow_unused=True to get None for it")
    return result

