"""Capture: while one call of a step runs eagerly, write down what it does to arrays, one line of numpy
code per op, for the replay to run instead of the Python that produced them.

The doors (``doors.py``) report every event here: an op's forward (``op``), a step of the backward walk
(``backward_step``), a gradient reaching a leaf (``sink``), an in-place change, an optimizer's update.
Each event becomes a line whose inputs are *names*: every array the step touches gets one. Arrays that
come from outside the step (a parameter, a closure's tensor) are bound by reference, and the replay
checks (a *guard*) that they are still the same; arrays made by the step from Python data are constants;
arrays an op computes are the values of the lines. A line whose inputs are all constants is computed
now, once (constant folding: the implicit gradient 1 of ``loss.backward()`` and Mean's backward of it).

What the capture cannot follow (a value read into Python, random numbers, a shape that depends on the
data) is a *refusal*: it is noted with the user's file and line, and the call runs on eagerly.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops as O
from ..tensor import Tensor
from . import graph
from .forms import FORMS, literal
from .walk import WalkMethods

_local = threading.local()  # .recorder: the capture running in this thread, if any
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_OWN_CODE = (os.path.join(_PACKAGE, "lesson.py"),)  # the chapter's code: a user's file, though in the package


def current() -> Recorder | None:
    """The capture running in this thread (None when none runs)."""
    return getattr(_local, "recorder", None)


def active() -> Recorder | None:
    """The capture running in this thread, unless it has already given up (then the doors stand open)."""
    recorder = getattr(_local, "recorder", None)
    return recorder if recorder is not None and recorder.refusal is None else None


def internal(filename: str) -> bool:
    return filename.startswith(_PACKAGE) and filename not in _OWN_CODE


def user_location(frame: Any = None) -> tuple[str, int]:
    """The file and line of the innermost caller outside tinygrad_edu: the user's line."""
    frame = frame or sys._getframe(1)
    last = frame
    while frame is not None and internal(frame.f_code.co_filename):
        last, frame = frame, frame.f_back
    frame = frame or last
    return frame.f_code.co_filename, frame.f_lineno


@dataclass(frozen=True)
class Refusal:
    """Why a capture gave up, and the user's line where it happened."""

    reason: str
    filename: str
    lineno: int

    def __str__(self) -> str:
        return f"{self.reason} (at {os.path.basename(self.filename)}:{self.lineno})"


@dataclass
class Origin:
    """How an array that no door explained came to be: from Python data (a constant), shared with numpy
    (``from_numpy``: read each call), or computed by code capture does not see (``derived``)."""

    kind: str
    reason: str = ""
    where: tuple[str, int] = ("?", 0)


@dataclass
class OpRecord:
    """An op recorded in the graph, for its backward: its inputs' names, its output's, and (when replayed
    by its own methods) the name of the op object the replay makes."""

    x: list[str]
    out: str
    generic: str | None
    fn: Any
    arrays: list  # the input arrays as forward saw them


_RANDOM_FILES = tuple(os.sep + name for name in ("sampling.py", "random.py"))


class Recorder(WalkMethods):
    """One capture in progress: the replay's lines so far, and a name for every array it has seen."""

    def __init__(self, hints: dict[int, str], ns: dict[str, Any]) -> None:
        self.hints = hints             # id(object) -> the name the user's code gives it
        self.ns = ns                   # the replay's global names: outside tensors, constants, helpers
        self.consts: set[str] = set()  # names in ns whose values never change (folding may use them)
        self.lines: list[tuple[str, str]] = [("", "---- forward")]  # (code, comment)
        self.guards: list[str] = []    # what must still hold of the outside state for a replay to be valid
        self.names: dict[int, str] = {}    # id(array) -> its name in the replay
        self.tensors: dict[int, str] = {}  # id(tensor) -> the name of a Tensor the replay uses itself
        self.made: set[int] = set()        # every tensor made during the capture
        self.origins: dict[int, Origin] = {}
        self.grads: set[int] = set()       # tensors whose .grad the step has read or written
        self.ops: dict[int, OpRecord] = {}
        self.pending: dict[int, list[str]] = {}  # in a backward walk: id(fn) -> the gradients reaching it
        self.waiting: list[tuple] = []    # gradients given to a leaf before the walk named them
        self.keep: list[Any] = []         # everything seen stays alive, so that no id is reused
        self.depth = 0                    # > 0 inside a door: the nets below do not look
        self.refusal: Refusal | None = None
        self._count = itertools.count(1)
        self.checks: list[str] = []    # conditions on the arguments' values (checked before anything runs)
        self.changed = False           # has a line changed an array in place yet (then no line may MISS)
        self.sources: set[str] = set()  # names of the arguments' arrays
        self.outside_names: list[str] = []  # the tensors from outside the step, as bound
        self.copies: list[tuple[int, str, str]] = []  # new .grad copies that need none (replay.py decides)
        self.backward: tuple | None = None  # the result's backward, recorded by graph.probe
        self.leaf_grads: dict[int, tuple[str, list[str]]] = {}  # graph.probe: each input's gradients
        self._taken = set(ns)
        self._bound: dict[int, str] = {}
        self._zeros: dict[np.dtype, str] = {}

    # ---- names ----------------------------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        while True:
            name = f"{prefix}{next(self._count)}"
            if name not in self._taken:
                self._taken.add(name)
                return name

    def unique(self, hint: str) -> str:
        name = re.sub(r"\W", "_", hint)
        name = "_" + name if name[:1].isdigit() or not name else name
        candidate, n = name, 1
        while candidate in self._taken:
            n += 1
            candidate = f"{name}_{n}"
        self._taken.add(candidate)
        return candidate

    def bind(self, value: Any, prefix: str, const: bool = False, hint: str | None = None) -> str:
        name = self.unique(hint) if hint else self.fresh(prefix)
        self.ns[name] = value
        if const:
            self.consts.add(name)
        self.keep.append(value)
        return name

    def constant(self, value: Any, hint: str) -> str:
        """A name for a fixed object the replay calls (an op class, an optimizer), bound once."""
        name = self._bound.get(id(value))
        if name is None:
            name = self._bound[id(value)] = self.bind(value, "k", const=True, hint=hint)
        return name

    def register(self, array: Any, name: str) -> None:
        self.names[id(array)] = name
        self.keep.append(array)

    def value(self, value: Any) -> str:
        """An expression for a parameter of an op or an index: arrays by name, Python values as literals."""
        if isinstance(value, np.ndarray):
            return self.name(value)
        if isinstance(value, tuple):
            return "(" + "".join(self.value(v) + ", " for v in value) + ")"
        if isinstance(value, list):
            return "[" + ", ".join(self.value(v) for v in value) + "]"
        if isinstance(value, slice):
            return f"slice({self.value(value.start)}, {self.value(value.stop)}, {self.value(value.step)})"
        if value is Ellipsis:
            return "..."
        text = literal(value)
        return text if text is not None else self.bind(value, "k", const=True)

    def name(self, array: np.ndarray, tensor: Any = None) -> str:
        """The name of an array: known, or an outside tensor's (bound now, with its guards), a constant
        made from Python data, or a refusal when it was computed where capture cannot see."""
        found = self.names.get(id(array))
        if found is not None:
            return found
        if tensor is not None and id(tensor) not in self.made and id(tensor) not in self.tensors:
            self.outside(tensor)
            return self.names.get(id(array), "refused")
        origin = self.origins.get(id(array))
        if origin is not None and origin.kind == "derived":
            self.refuse(origin.reason, origin.where)
            return "refused"
        const = origin is not None and origin.kind == "constant"
        found = self.bind(array, "c" if const else "e", const=const)
        self.register(array, found)
        return found

    def outside(self, tensor: Any) -> str | None:
        """Bind a tensor made before the step: the replay uses it where it lives, and checks that its
        storage, requires_grad and grad_fn are still the ones captured."""
        if tensor.grad_fn is not None:
            self.refuse(f"a tensor made outside the step by {tensor.grad_fn.name()} is used in it, so its "
                        "backward would leave the step; compute it inside, or pass .detach()")
            return None
        hint = self.hints.get(id(tensor))
        name = self.bind(tensor, "t", hint=hint + "_t" if hint else None)
        self.tensors[id(tensor)] = name
        self.outside_names.append(name)
        array = tensor._data
        array_name = self.names.get(id(array))
        if array_name is None:
            array_name = self.bind(array, "p", hint=hint)
            self.register(array, array_name)
        self.guards += [f"{name}._data is {array_name}", f"{name}._requires_grad is {tensor._requires_grad}",
                        f"{name}.grad_fn is None"]
        return name

    def tensor(self, tensor: Any) -> str | None:
        """The name of a Tensor the replay must use itself (for its .grad): an argument or an outside one;
        None for a tensor made inside the step (the replay makes no tensors of its own)."""
        found = self.tensors.get(id(tensor))
        if found is None and id(tensor) not in self.made:
            found = self.outside(tensor)
        return found

    # ---- lines ----------------------------------------------------------------------------------------

    def emit(self, code: str, reads: list[str] | None, outs: list[tuple[str, Any]], comment: str,
             pure: bool = True) -> None:
        """Add a line. A pure line that reads only constants is computed now instead (constant folding)."""
        if pure and reads is not None and all(r in self.consts for r in reads):
            exec(code, self.ns)
            self.consts.update(name for name, _ in outs)
            if comment:
                folded = ", ".join(name for name, _ in outs)
                self.lines.append(("", f"{comment}: {folded}, a constant, computed once during capture"))
        else:
            self.lines.append((code, comment))
        for name, array in outs:
            if array is not None:
                self.register(array, name)

    def effect(self, code: str, comment: str, target: str | None = None) -> None:
        """A line that changes an array in place (never folded); a constant may not be changed."""
        if target is not None and target in self.consts:
            self.refuse("an in-place change of a tensor made from Python data inside the step: the replay "
                        "would change the captured constant itself; make it with .clone() or outside")
        self.changed = True
        self.lines.append((code, comment))

    def section(self, title: str) -> None:
        """A comment line that says which part of the step the next lines come from."""
        self.lines.append(("", f"---- {title}"))

    def refuse(self, reason: str, where: tuple[str, int] | None = None) -> None:
        if self.refusal is None:
            self.refusal = Refusal(reason, *(where or user_location()))

    # ---- forward ----------------------------------------------------------------------------------------

    def op(self, cls: type, inputs: tuple, params: dict, out: Any) -> None:
        """An op ran: one line, from its form in forms.py or by calling its own forward."""
        arrays = [t._data for t in inputs]
        x = [self.name(a, t) for a, t in zip(arrays, inputs, strict=True)]
        if cls in (O.GetItem, O.SetItem) and _has_mask(params.get("index")):
            self.refuse("indexing with a boolean mask: the result's shape depends on the values")
        if self.refusal is not None:
            return
        fn = out.grad_fn  # the op itself when it was recorded in the graph
        name, form = self.fresh("v"), FORMS.get(cls)
        expr = form.forward(x, params, arrays, out._data) if form and not _has_array(params) else None
        generic = None
        if expr is not None:
            self.emit(statement(name, expr, out._data, form.errstate), x, [(name, out._data)], cls.__name__)
        else:
            generic = self.fresh("op")
            args = ", ".join(x + [f"{k}={self.value(v)}" for k, v in params.items()])
            call = f"{generic}.forward({args})"
            code = f"{generic} = {self.constant(cls, cls.__name__)}(); " \
                   f"{name} = {f'np.asarray({call})' if out._data.ndim == 0 else call}"
            if fn is not None:
                code += f"; {generic}.needs_input_grad = {fn.needs_input_grad!r}"
            self.emit(code, None, [(name, out._data)], f"{cls.__name__} (its own forward)", pure=False)
        if fn is not None:
            self.ops[id(fn)] = OpRecord(x, name, generic, fn, arrays)
            self.keep.append(fn)

    def derived(self, result: Any, expr: str, reads: list[str], comment: str) -> None:
        """A tensor computed outside the ops (a comparison, a cast to int, a copy): one line."""
        if self.refusal is None and id(result._data) not in self.names:
            name = self.fresh("v")
            self.emit(statement(name, expr, result._data), reads, [(name, result._data)], comment)

    # ---- new tensors, optimizers, arguments, the result ----------------------------------------------------

    def new_tensor(self, tensor: Any, frame: Any, from_data: bool = False) -> None:
        """A tensor was made (``Tensor._make``, ``Tensor(...)``). Outside the doors, its array is noted with
        how it came to be: from Python data, random numbers (refused now), or other code (refused if used)."""
        self.made.add(id(tensor))
        self.keep.append(tensor)
        array = tensor._data
        if id(array) in self.names or id(array) in self.origins:
            return
        if self.depth:  # inside a door, which explains what it makes; a number it meets is a constant
            if frame.f_code.co_name == "scalar_operand":
                self.origins[id(array)] = Origin("constant")
                self.keep.append(array)
            return
        library = []  # tinygrad_edu's frames between the user's line and here
        while frame is not None and internal(frame.f_code.co_filename):
            library.append(frame.f_code)
            frame = frame.f_back
        where = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else ("?", 0)
        if any(c.co_filename.endswith(_RANDOM_FILES) or c.co_name == "_random_fill" for c in library):
            return self.refuse("random numbers drawn inside the step: a replay would use the first call's "
                               "numbers again; draw them outside the step and pass them in", where)
        direct = library[0] if library else None
        if from_data or direct is None or direct.co_name in ("made", "scalar_operand", "_constant"):
            origin = Origin("constant")
        elif direct.co_name == "from_numpy":
            origin = Origin("shared")
        else:
            qualname = getattr(direct, "co_qualname", direct.co_name)
            what = f"{qualname} ({os.path.basename(direct.co_filename)})"
            origin = Origin("derived", f"{what} computes a tensor in a way capture does not follow", where)
        self.origins[id(array)] = origin
        self.keep.append(array)

    def arg(self, tensor: Any, name: str, array_name: str) -> None:
        """An argument of the step: its tensor and array names (read from ``args`` each call)."""
        self._taken.update((name, array_name))
        self.tensors[id(tensor)] = name
        self.keep.append(tensor)
        known = self.names.get(id(tensor._data))
        if known is not None:  # two arguments share one array
            self.guards.append(f"{name}._data is {known}")
        else:
            self.register(tensor._data, array_name)
            self.sources.add(array_name)

    def result(self, value: Any, top: bool = True) -> str:
        """The expression the replay returns for the step's result."""
        if self.refusal is not None:  # the call ran on eagerly: there is no replay to return from
            return "None"
        if isinstance(value, (list, tuple)):
            items = [self.result(v, False) for v in value]
            if isinstance(value, list):
                return "[" + ", ".join(items) + "]"
            return "(" + "".join(i + ", " for i in items) + ")"
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return "{" + ", ".join(f"{k!r}: {self.result(v, False)}" for k, v in value.items()) + "}"
        if not isinstance(value, Tensor):
            text = literal(value)
            return text if text is not None else self.constant(value, "result")
        if id(value) in self.tensors:
            return self.tensors[id(value)]
        if value.grad_fn is not None and not value.grad_fn.released:
            if top and self.backward is None:  # torch.compile(model): one graph node for the replay's result
                return graph.probe(self, value)
            self.refuse("more than one result is still part of a graph: the replay gives one tensor a graph "
                        "node; return one, or call backward() inside the compiled function")
            return "None"
        array = self.name(value._data, value)
        return f"make({array}.copy())" if array in self.consts else f"make({array})"

def statement(name: str, expr: str, out: np.ndarray, errstate: str = "") -> str:
    """``name = expr``: an op's output is an array even when numpy returns a scalar (as Tensor._make)."""
    if "{out}" in expr:
        line = expr.format(out=name)
    else:
        line = f"{name} = {f'np.asarray({expr})' if out.ndim == 0 else expr}"
    return f"with np.errstate({errstate}): {line}" if errstate else line


def _has_array(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return True
    if isinstance(value, dict):
        return any(_has_array(v) for v in value.values())
    return isinstance(value, (tuple, list)) and any(_has_array(v) for v in value)


def _has_mask(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) and p.dtype == bool for p in parts)
