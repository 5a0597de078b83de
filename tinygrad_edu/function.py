"""Recording the graph: ``Function`` (one op, and one node of the graph), grad mode and anomaly mode.

``Function.apply`` runs an op's forward on raw numpy arrays and, when gradients are wanted, records
the op as the ``grad_fn`` of its output: that record *is* the computation graph. Walking it backwards
is the engine's job (``engine.py``). Neither module imports ``tensor.py``: ``apply`` makes its output
with the ``_make`` of its first input, whose type is Tensor.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit an op. A RuntimeError as in PyTorch, and a ValueError as in Python."""


# ---- grad mode and anomaly mode (each thread has its own, as in PyTorch) -----------------------------


class _Modes(threading.local):
    grad_enabled = True
    anomaly_enabled = False


_modes = _Modes()
# How many threads have recording off or anomaly checks on. While none has, apply skips reading its
# thread's modes (measured: two thread-local reads per op cost about 3 % of the lesson's training step).
_unusual_threads = 0
_lock = threading.Lock()


def _set_modes(grad_enabled: bool, anomaly_enabled: bool) -> None:
    """Set this thread's modes (the one place that does)."""
    global _unusual_threads
    was = not _modes.grad_enabled or _modes.anomaly_enabled
    _modes.grad_enabled, _modes.anomaly_enabled = grad_enabled, anomaly_enabled
    now = not grad_enabled or anomaly_enabled
    if was != now:
        with _lock:
            _unusual_threads += 1 if now else -1


def is_grad_enabled() -> bool:
    """True when new ops are recorded for backward (False inside ``no_grad()``), in this thread."""
    return _modes.grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``: every op checks its output and its gradients for NaN and inf."""
    return _modes.anomaly_enabled


class _GradMode:
    """Base of ``no_grad`` / ``enable_grad``: a context manager that also works as a decorator,
    with or without parentheses (``@no_grad()`` and ``@no_grad``), as in PyTorch."""

    enabled = True

    def __new__(cls, func: Callable | None = None) -> Any:
        mode = super().__new__(cls)
        return mode if func is None else mode(func)

    def __enter__(self) -> None:
        self._previous = _modes.grad_enabled
        _set_modes(self.enabled, _modes.anomaly_enabled)

    def __exit__(self, *exc: object) -> None:
        _set_modes(self._previous, _modes.anomaly_enabled)

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


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Inside this block every op checks its output (forward) and its gradients (backward)
    for NaN or inf and raises ``FloatingPointError`` naming the first op that produced one."""
    previous = _modes.anomaly_enabled
    _set_modes(_modes.grad_enabled, True)
    try:
        yield
    finally:
        _set_modes(_modes.grad_enabled, previous)


class set_detect_anomaly:  # noqa: N801 (PyTorch's name)
    """Turn anomaly checks on or off: ``set_detect_anomaly(True)`` for the rest of the program, or
    ``with set_detect_anomaly(True):`` for a block (the previous mode comes back at its end)."""

    def __init__(self, mode: bool) -> None:
        self._previous = _modes.anomaly_enabled
        _set_modes(_modes.grad_enabled, bool(mode))

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        _set_modes(_modes.grad_enabled, self._previous)


def _non_finite(array: np.ndarray) -> str | None:
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        return "NaN" if np.isnan(array).any() else "inf"
    return None


def check_finite(array: np.ndarray, what: str) -> None:
    """Raise ``FloatingPointError`` naming ``what`` when a float array holds NaN or inf."""
    kind = _non_finite(array)
    if kind:
        raise FloatingPointError(f"detect_anomaly: {what} produced {kind} (shape {array.shape})")


# ---- in-place changes: what backward must not trust any more -----------------------------------------

# Every in-place change of an array is stamped with a new number; an op records the stamp it was made at.
# Backward then refuses an op whose saved arrays were changed after it (they no longer hold the values
# forward saw). Keyed by id(): an id is reused only after its array died, and so before the op that saves
# the new array was made, which makes a stale entry harmless.
_stamp = 0
_changed: dict[int, int] = {}  # id of a base array -> stamp of its last in-place change
_CHANGED_LIMIT = 100_000  # then the table starts over, and older changes are no longer seen


def owner_of(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory a view looks at."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def mark_changed(array: np.ndarray) -> None:
    """Record that ``array`` (and every view of its memory) was changed in place."""
    global _stamp
    _stamp += 1
    if not _stamp % 1024 and len(_changed) >= _CHANGED_LIMIT:  # looked at now and then: it is rarely full
        _changed.clear()
    _changed[id(array if array.base is None else owner_of(array))] = _stamp


def changed_since(array: np.ndarray, stamp: int) -> bool:
    """True when ``array``'s memory was changed in place after ``stamp``."""
    return _changed.get(id(owner_of(array)), 0) > stamp


def current_stamp() -> int:
    return _stamp


# ---- Function: one op, and one node of the graph ----------------------------------------------------


class Function:
    """One differentiable op. Subclasses write ``forward`` and ``backward`` on numpy arrays.

    ``forward(self, *arrays, **params)`` returns the output array and keeps what backward needs
    with ``self.save_for_backward(...)`` (or as plain attributes for non-array facts such as a shape).
    ``backward(self, grad)`` returns one gradient per input: ``None`` for an input whose
    ``self.needs_input_grad[i]`` is False (every op of ``tinygrad_edu.ops`` skips those). Gradients may
    have the *broadcast* shape: the engine sums them back to each input's shape.

    After ``apply`` the instance is the output's ``grad_fn``: it remembers its ``inputs`` (Tensors),
    which is how the graph is linked.
    """

    inputs: tuple = ()
    parents: tuple = ()  # each input's grad_fn when this op was recorded (None for a leaf)
    stamp = 0  # the in-place stamp when this op was recorded
    saved: tuple = ()
    needs_input_grad: tuple = ()
    released = False  # set by backward once ``saved`` is freed (unless retain_graph=True)
    retained: weakref.ref | None = None  # the output, when it asked for retain_grad()

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
        count = len(inputs)
        try:
            # Every op of every training step passes here: one, two and three inputs are spelled out
            # (measured: the general list comprehensions cost about half a microsecond per op).
            if count == 2:
                a, b = inputs
                out = fn.forward(a._data, b._data, **params)
                needs = (a._requires_grad, b._requires_grad)
            elif count == 1:
                out = fn.forward(inputs[0]._data, **params)
                needs = (inputs[0]._requires_grad,)
            elif count == 3:  # where(cond, a, b); nn.Linear's x @ W.T + b
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
        grad_on, check = (_modes.grad_enabled, _modes.anomaly_enabled) if _unusual_threads else (True, False)
        if check:
            _check_forward(cls, inputs, out)
        make_tensor = inputs[0]._make  # Tensor's constructor, reached without importing tensor.py
        if True in needs and grad_on:
            fn.inputs = inputs
            fn.parents = ((a.grad_fn, b.grad_fn) if count == 2 else (inputs[0].grad_fn,) if count == 1
                          else (a.grad_fn, b.grad_fn, c.grad_fn) if count == 3
                          else tuple([t.grad_fn for t in inputs]))
            fn.needs_input_grad = needs
            fn.stamp = _stamp
            return make_tensor(out, True, fn)
        return make_tensor(out)

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
        """``(node, 0)`` for every input, as in PyTorch: the ``grad_fn`` that made it when this op was
        recorded, ``AccumulateGrad`` for a leaf that requires grad (its gradient goes to ``.grad``), else
        None."""
        return tuple((parent if parent is not None else AccumulateGrad(t) if t.requires_grad else None, 0)
                     for t, parent in zip(self.inputs, self.parents))


class AccumulateGrad:
    """Where backward leaves a leaf's gradient (PyTorch's name for that node); ``variable`` is the leaf."""

    next_functions = ()

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


def _check_forward(cls: type, inputs: tuple, out: np.ndarray) -> None:
    """Under detect_anomaly: name an input that already held NaN or inf as the source, else the op."""
    for position, tensor in enumerate(inputs):
        kind = _non_finite(tensor._data)
        if kind:
            source = ("a tensor made outside the graph (a leaf)" if tensor.grad_fn is None
                      else f"the output of {tensor.grad_fn.op_name()}, computed before detect_anomaly")
            raise FloatingPointError(
                f"detect_anomaly: input {position} of {cls.op_name()} (shape {tuple(tensor.shape)}) already "
                f"holds {kind}: it comes from {source}, not from {cls.op_name()}"
            )
    check_finite(out, f"forward of {cls.op_name()}")


def _op_error(cls: type, inputs: tuple, error: Exception) -> Exception:
    """numpy's error from inside an op, restated with the op's name and its inputs' shapes."""
    shapes = " and ".join(str(t._data.shape) for t in inputs)
    message = f"{cls.op_name()}: inputs of shapes {shapes}: {error}"
    if isinstance(error, IndexError):
        return IndexError(message)
    if isinstance(error, TypeError):
        return TypeError(message)
    return ShapeError(message)  # numpy's ValueErrors are about shapes (broadcasting)
