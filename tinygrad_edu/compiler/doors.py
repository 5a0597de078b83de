"""The doors: the few places every value of a training step passes through.

While a capture runs (in any thread), each door below stands in for the original function, tells this
thread's recorder (``capture.py``) what happened, and does exactly what the original does. When no capture
runs the originals are back in place, so eager code pays nothing for compile: not one check per op.

* ``Function.apply``: every op (``ops/``), forward.
* ``engine.backward`` and ``engine.accumulate_leaf``: the backward walk, and gradients reaching leaves.
* ``Tensor._make`` and ``Tensor.__init__``: every new tensor. One made from Python data is a constant; one
  computed by code no door covers is noted, and refused if the step uses it.
* Tensor methods that compute without an op (comparisons, ``~``, integer casts, copies, indexing without
  gradients), change a tensor in place (``-=``, ``zero_``, ``copy_``, ``x[i] = v``), or give its values
  to Python (``item``, ``float``, ``bool``, printing, ``numpy``, ``tolist``): the last are refusals.
* ``.grad`` and ``.data``, ``Optimizer.step`` and each optimizer's ``update``, seeding a generator, and
  ``Module.__call__`` (the replay checks each module's ``training`` flag).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .. import engine, optim
from ..function import Function
from ..nn import functional as F
from ..nn.module import Module
from ..random import Generator
from ..tensor import Tensor
from . import capture
from .capture import Recorder, active

_PATCHES: list[tuple[Any, str, Any]] = []  # (owner, attribute, the door)
_ORIGINALS = []
_lock = threading.Lock()
_running = 0  # captures running, in all threads


def door(owner: Any, name: str) -> Callable:
    def register(replacement: Any) -> Any:
        _PATCHES.append((owner, name, replacement))
        _ORIGINALS.append((owner, name, owner.__dict__[name]))
        return replacement
    return register


@contextmanager
def recording(recorder: Recorder) -> Iterator[None]:
    """Open the doors and listen, in this thread, while the block runs."""
    global _running
    with _lock:
        if _running == 0:
            for owner, name, replacement in _PATCHES:
                setattr(owner, name, replacement)
        _running += 1
    capture._local.recorder = recorder
    try:
        yield
    finally:
        capture._local.recorder = None
        with _lock:
            _running -= 1
            if _running == 0:
                for owner, name, original in _ORIGINALS:
                    setattr(owner, name, original)


class inside:  # noqa: N801 (used as a function: ``with inside(recorder):``)
    """Within a door: the tensors the original makes are the door's to explain, not the nets'."""

    __slots__ = ("recorder",)

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def __enter__(self) -> None:
        self.recorder.depth += 1

    def __exit__(self, *exc: object) -> None:
        self.recorder.depth -= 1


def _raw(owner: Any, name: str) -> Any:
    value = owner.__dict__[name]
    return value.__func__ if isinstance(value, (staticmethod, classmethod)) else value


# ---- ops and the backward walk ----------------------------------------------------------------------------

_apply = _raw(Function, "apply")
_backward, _accumulate = engine.backward, engine.accumulate_leaf
_root_gradient = Tensor._root_gradient


@door(Function, "apply")
@classmethod
def _apply_door(cls, *inputs, **params):
    recorder = active()
    if recorder is None:
        return _apply(cls, *inputs, **params)
    with inside(recorder):
        out = _apply(cls, *inputs, **params)
    recorder.op(cls, inputs, params, out)
    return out


@door(engine, "backward")
def _backward_door(roots, gradients, retain_graph=False, on_step=None, sink=None):
    recorder = active()
    if recorder is None:
        return _backward(roots, gradients, retain_graph, on_step, sink)
    recorder.begin_walk(roots, gradients)

    def step(fn, grad_out, returned, sent):
        if active() is recorder:
            recorder.backward_step(fn, grad_out, returned, sent)
        if on_step is not None:
            on_step(fn, grad_out, returned, sent)

    with inside(recorder):
        _backward(roots, gradients, retain_graph, step, sink)
    if recorder.waiting and active() is recorder:
        recorder.refuse("a gradient reached a leaf by a way capture did not follow")


@door(engine, "accumulate_leaf")
def _accumulate_door(tensor, grad):
    recorder = active()
    had = tensor._grad is not None
    _accumulate(tensor, grad)
    if recorder is not None:
        recorder.sink(tensor, grad, had)


@door(Tensor, "_root_gradient")
def _root_gradient_door(self, gradient, caller, create_graph=False):
    grad = _root_gradient(self, gradient, caller, create_graph)
    recorder = active()
    if recorder is not None and id(grad) not in recorder.names:
        if gradient is None:  # d loss / d loss = 1: a constant
            recorder.register(grad, recorder.bind(grad, "c", const=True))
        elif isinstance(gradient, Tensor) and gradient._data is grad:
            recorder.name(grad, gradient)
        else:
            recorder.refuse(f"{caller}(gradient=...) was converted to the output's dtype; pass it as a "
                            f"{self.dtype} tensor")
    return grad


# ---- new tensors ------------------------------------------------------------------------------------------

_make, _init = _raw(Tensor, "_make"), Tensor.__init__


@door(Tensor, "_make")
@staticmethod
def _make_net(array, requires_grad=False, grad_fn=None):
    tensor = _make(array, requires_grad, grad_fn)
    recorder = active()
    if recorder is not None:
        recorder.new_tensor(tensor, sys._getframe(1))
    return tensor


@door(Tensor, "__init__")
def _init_net(self, data, dtype=None, requires_grad=False):
    _init(self, data, dtype, requires_grad)
    recorder = active()
    if recorder is not None:
        recorder.new_tensor(self, sys._getframe(1), from_data=True)


# ---- .data and .grad ---------------------------------------------------------------------

_data, _grad = Tensor.__dict__["data"], Tensor.__dict__["grad"]
_detach, _requires_grad_ = Tensor.detach, Tensor.requires_grad_


def _data_get(self):
    recorder = active()
    if recorder is not None:
        recorder.tensor(self)  # an outside tensor is bound now: the new tensor shares its array
    return _data.fget(self)


def _data_set(self, value):
    recorder = active()
    # ``p.data -= x`` ends by assigning p.data its own storage again: only new storage is refused
    if recorder is not None and not (isinstance(value, Tensor) and value._data is self._data):
        recorder.refuse("`.data = ...` gives a tensor new storage inside the step; change it in place "
                        "(p.data -= ...) or do it outside")
    _data.fset(self, value)


door(Tensor, "data")(property(_data_get, _data_set, doc=_data.__doc__))


@door(Tensor, "detach")
def _detach_door(self):
    recorder = active()
    if recorder is not None:
        recorder.tensor(self)
    return _detach(self)


def _grad_get(self):
    value = _grad.fget(self)
    recorder = active()
    if recorder is not None:
        recorder.grad(self, value)
    return value


def _grad_set(self, value):
    _grad.fset(self, value)
    recorder = active()
    if recorder is not None:
        recorder.set_grad(self, value)


door(Tensor, "grad")(property(_grad_get, _grad_set, doc=_grad.__doc__))


@door(Tensor, "requires_grad_")
def _requires_grad_door(self, requires_grad=True):
    recorder = active()
    if recorder is not None and bool(requires_grad) != self._requires_grad and id(self) not in recorder.made:
        recorder.refuse("requires_grad_() changes a tensor made outside the step; do it outside")
    return _requires_grad_(self, requires_grad)


# ---- optimizers, generators, cross_entropy's targets -----------------------------------------------------

_step, _restart, _class_targets = optim.Optimizer.step, Generator._restart, F._class_targets


@door(optim.Optimizer, "step")
def _step_door(self, closure=None):
    recorder = active()
    if recorder is not None:
        recorder.optimizer(self)
    return _step(self, closure)


def _update_door(cls: type) -> None:
    original = cls.__dict__["update"]

    def update_door(self, p, data, grad, **hyper):
        recorder = active()
        if recorder is not None:
            recorder.update(self, p, data, grad, hyper)
        return original(self, p, data, grad, **hyper)

    door(cls, "update")(update_door)


for _cls in (optim.SGD, optim.Adam, optim.RMSprop):
    _update_door(_cls)


_module_call = Module.__call__


@door(Module, "__call__")
def _module_call_door(self, *args, **kwargs):
    recorder = active()
    if recorder is not None:  # train() / eval() decide what a layer does: the replay checks the flag
        name = recorder.constant(self, recorder.hints.get(id(self), type(self).__name__.lower()))
        recorder.guards.append(f"{name}.training is {self.training}")
    return _module_call(self, *args, **kwargs)


@door(Generator, "_restart")
def _restart_door(self, seed, caller):
    recorder = active()
    if recorder is not None:
        recorder.refuse(f"{caller} restarts a random generator inside the step")
    return _restart(self, seed, caller)


@door(F, "_class_targets")
def _class_targets_door(input, target, ignore_index, caller):  # noqa: A002 (the original's names)
    t = _class_targets(input, target, ignore_index, caller)
    recorder = active()
    if recorder is not None:
        recorder.class_targets(t, target, input.shape[1], caller)
    return t


from . import doors_tensor  # noqa: E402, F401 (its doors join the list above)
