"""``tinygrad_edu.compile``: capture a training step once, replay it as plain numpy.

    step = torch.compile(train_step)        # or @torch.compile above the def
    for xb, yb in batches:
        loss = step(xb, yb)                   # 1st call: eager, recorded; later calls: the replay

An eager autograd pays Python for every op it records and every node it walks back. The first call of a
compiled step runs eagerly while ``capture.py`` writes down, one line per op, the numpy code it ran: the
forward ops, the backward walk with its unbroadcasting and accumulation, the optimizer's update. Later
calls with the same *signature* run those lines (``replay.py``): no Tensor or Function per op, no graph,
no walk — bitwise the same numbers as eager. ``step.source()`` prints that code.

What the capture cannot follow it refuses, with a warning naming your file and line (``fullgraph=True``
raises instead, after the call has run eagerly): then that signature runs eagerly from then on. Python
values the step reads during capture (a global, a module's flag) are baked in: ``step.reset()`` forgets
every capture.
"""

from __future__ import annotations

import functools
import threading
import types
import warnings
from collections.abc import Callable
from typing import Any

from ..function import is_anomaly_enabled
from ..tensor import Tensor
from . import capture, doors, replay
from .capture import Recorder, Refusal
from .replay import MISS

__all__ = ["CompileError", "CompileWarning", "Compiled", "compile"]

CACHE_LIMIT = 8  # captures per compiled function, as torch.compile's cache_size_limit; then eagerly


class CompileWarning(UserWarning):
    """A compiled function runs eagerly for a signature: capture met something it cannot replay."""


class CompileError(RuntimeError):
    """Raised under ``fullgraph=True`` when capture cannot replay the step (after it ran eagerly)."""


def compile(model: Callable | None = None, *, fullgraph: bool = False, dynamic: Any = None,  # noqa: A001
            backend: Any = "numpy", mode: Any = None, options: Any = None, disable: bool = False) -> Any:
    """PyTorch's ``torch.compile``: a function (or module) that captures its first call per signature
    and replays the captured numpy code afterwards. Used bare, with arguments, or as a decorator.

    ``fullgraph=True``: raise ``CompileError`` (after the eager call completes) where the default warns and
    runs eagerly. ``disable=True`` returns ``model`` itself. ``dynamic``, ``backend``, ``mode`` and
    ``options`` are accepted for PyTorch's code and change nothing: there is one backend, numpy, and
    every new shape is captured anew.
    """
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode,
                                 options=options, disable=disable)
    if not callable(model):
        raise TypeError(f"compile: expected a function or a module to compile, got {type(model).__name__}")
    return model if disable else Compiled(model, fullgraph)


class Compiled:
    """A compiled function: its captures (one replay per signature) and the signatures that run eagerly."""

    def __init__(self, fn: Callable, fullgraph: bool = False) -> None:
        self._orig_mod = fn  # PyTorch's name for what was compiled
        self._fullgraph = fullgraph
        self._replays: tuple = ()
        self._sources: list[Any] = []  # each capture's Replay, for source()
        self._eager: dict[tuple, Refusal | None] = {}  # signature key -> why it runs eagerly
        self._lock = threading.Lock()
        self._hints: dict[int, str] | None = None
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for run in self._replays:
            result = run(args, kwargs)
            if result is not MISS:
                if run is not self._replays[0]:  # the last one used is tried first next time
                    with self._lock:
                        self._replays = (run,) + tuple(r for r in self._replays if r is not run)
                return result
        return self._miss(args, kwargs)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:  # @compile on a method: bound to obj
        return self if obj is None else types.MethodType(self, obj)

    def __getattr__(self, name: str) -> Any:  # a compiled module still has its parameters, train(), ...
        if name.startswith("__") or name == "_orig_mod":
            raise AttributeError(name)
        return getattr(self._orig_mod, name)

    def __repr__(self) -> str:
        return f"<compiled {getattr(self._orig_mod, '__qualname__', type(self._orig_mod).__name__)}: " \
               f"{len(self._replays)} capture(s)>"

    def reset(self) -> None:
        """Forget every capture and every eager signature: the next call captures again (after changing
        a Python value the step reads, say, or model.eval())."""
        with self._lock:
            self._replays, self._sources, self._eager = (), [], {}

    def source(self, index: int | None = None) -> str:
        """The numpy code of every capture (or of capture ``index``, in the order they were made: -1 is the
        last), one line per op, as the replays run it; then the signatures that run eagerly, and why."""
        if not self._sources and not self._eager:
            return "# nothing captured yet: call the compiled function first\n"
        if index is not None:
            return self._sources[index].source
        parts = [made.source for made in self._sources]
        for refusal in self._eager.values():
            parts.append(f"# a signature runs eagerly: {refusal or 'too many captures'}\n")
        return "\n".join(parts)

    # ---- a call no replay took ----------------------------------------------------------------------

    def _miss(self, args: tuple, kwargs: dict) -> Any:
        fn = self._orig_mod
        if capture.current() is not None or is_anomaly_enabled():  # inside a capture: part of it
            return fn(*args, **kwargs)
        ns = replay.namespace()
        sig = replay.signature(fn, args, kwargs, ns)
        if sig.key in self._eager:
            return fn(*args, **kwargs)
        if len(self._replays) >= CACHE_LIMIT:
            return self._run_eagerly(sig, None, fn(*args, **kwargs))
        if self._hints is None:
            self._hints = hints(fn)  # names for source(), looked up once
        recorder = Recorder(self._hints, ns)
        for tensor, name, array_name in sig.tensors:
            recorder.arg(tensor, name, array_name)
        with doors.recording(recorder):
            result = fn(*args, **kwargs)
            returned = recorder.result(result)
        if recorder.refusal is not None:
            return self._run_eagerly(sig, recorder.refusal, result)
        title = getattr(fn, "__name__", None) or type(fn).__name__.lower()
        made = replay.assemble(recorder, sig, returned, title)
        with self._lock:
            self._replays += (made.run,)
            self._sources.append(made)
        return result

    def _run_eagerly(self, sig: replay.Signature, refusal: Refusal | None, result: Any) -> Any:
        """After an eager call that capture gave up on: warn (or raise) once, and remember the signature."""
        name = getattr(self._orig_mod, "__qualname__", type(self._orig_mod).__name__)
        if refusal is None:
            message = f"tinygrad_edu.compile: {name} was captured {CACHE_LIMIT} times (a new signature " \
                      "each time: shapes, learning rates, ...); new signatures run eagerly"
            filename, lineno = capture.user_location()
        else:
            message = f"tinygrad_edu.compile: {name} runs eagerly for this signature " \
                      f"({', '.join(sig.described) or 'no arguments'}): {refusal}"
            filename, lineno = refusal.filename, refusal.lineno
        if self._fullgraph:
            raise CompileError(message)
        with self._lock:
            self._eager[sig.key] = refusal
        warnings.warn_explicit(message, CompileWarning, filename, lineno)
        return result


def hints(fn: Any) -> dict[int, str]:
    """Names for the tensors, modules' parameters and optimizers a function reaches through its closure,
    its globals and ``self``: ``weights`` rather than ``p3`` in ``source()``."""
    found: dict[int, str] = {}

    def visit(obj: Any, name: str, depth: int) -> None:
        if id(obj) in found or depth > 3:
            return
        if isinstance(obj, Tensor):
            found[id(obj)] = name
        elif hasattr(obj, "named_parameters") and callable(obj.named_parameters):  # a Module
            found[id(obj)] = name
            for pname, p in obj.named_parameters():
                found.setdefault(id(p), f"{name}.{pname}")
        elif hasattr(obj, "param_groups"):  # an Optimizer
            found[id(obj)] = name
        elif isinstance(obj, (list, tuple)) and len(obj) <= 64:
            for i, item in enumerate(obj):
                visit(item, f"{name}{i}", depth + 1)
        elif callable(obj) and hasattr(obj, "__code__"):
            code = obj.__code__
            for var, cell in zip(code.co_freevars, obj.__closure__ or (), strict=True):
                try:
                    visit(cell.cell_contents, var, depth + 1)
                except ValueError:  # a cell not filled yet
                    pass
            scope = getattr(obj, "__globals__", {})
            for var in code.co_names:
                if var in scope and not isinstance(scope[var], type(functools)):
                    visit(scope[var], var, depth + 1)

    target = fn.__func__ if hasattr(fn, "__func__") else fn
    if hasattr(fn, "__self__"):
        visit(fn.__self__, "self", 0)
    visit(target if callable(target) and hasattr(target, "__code__") else fn,
          "model" if hasattr(fn, "named_parameters") else "fn", 0)
    return found
