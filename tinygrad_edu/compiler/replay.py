"""Replay: the captured lines become one Python function over numpy arrays.

Its first lines check that this call is one the capture is valid for (the *guards*): the same shapes,
dtypes and requires_grad of the arguments, the same grad mode, the same parameters' storage, the same
optimizer hyperparameters, the same presence of each ``.grad`` the step looks at. If one differs the
function returns ``MISS`` before touching anything, and the compiled function captures again. Then come
the captured lines, one per op, and the result. ``source()`` shows exactly this code.
"""

from __future__ import annotations

import inspect
import linecache
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import function
from ..engine import _one_per_input, unbroadcast
from ..function import current_stamp, mark_changed
from ..ops.reduce import _expand_back, _sum
from ..tensor import Tensor
from . import graph
from .capture import Recorder
from .forms import literal

MISS = type("Miss", (), {"__repr__": lambda self: "MISS"})()  # a replay's answer when its guards fail
_make = Tensor.__dict__["_make"].__func__


def namespace() -> dict[str, Any]:
    """The names every replay's code may use, before capture adds its own."""
    return {"np": np, "make": _make, "MISS": MISS, "modes": function._modes, "Tensor": Tensor,
            "mark_changed": mark_changed, "current_stamp": current_stamp, "unbroadcast": unbroadcast,
            "_expand_back": _expand_back, "_sum": _sum, "_one_per_input": _one_per_input,
            "__builtins__": __builtins__}


# ---- the arguments: what a call must look like for a replay ------------------------------------------------


@dataclass
class Signature:
    """The arguments of one call as the replay sees them: the names it unpacks them into, the guards on
    them, and a hashable key (for remembering the calls that run eagerly)."""

    unpack: list[str]          # lines that give each argument a name
    guards: list[str]          # conditions on the arguments and the modes
    arrays: list[str]          # lines that name the arguments' arrays
    key: tuple
    tensors: list[tuple[Any, str, str]]  # (tensor, its name, its array's name)
    described: list[str]       # "xb (256, 784) float32" for the header


def parameter_names(fn: Callable, count: int) -> list[str]:
    fn = getattr(fn, "forward", fn)  # a module: its forward's names
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:count]]
    return names + [f"arg{i}" for i in range(len(names), count)]


def signature(fn: Callable, args: tuple, kwargs: dict, ns: dict[str, Any]) -> Signature:
    sig = Signature([], [], [], (), [], [])
    key: list = [function.is_grad_enabled()]
    names = parameter_names(fn, len(args))
    sig.guards.append(f"len(args) == {len(args)}")
    sig.guards.append(f"kwargs.keys() == {set(kwargs)!r}" if kwargs else "not kwargs")
    items = [(name, f"args[{i}]", value) for i, (name, value) in enumerate(zip(names, args, strict=True))]
    items += [(_identifier(k), f"kwargs[{k!r}]", v) for k, v in sorted(kwargs.items())]
    for name, expr, value in items:
        _describe(sig, key, name, expr, value, ns)
    sig.guards += [f"modes.grad_enabled is {function.is_grad_enabled()}", "not modes.anomaly_enabled"]
    sig.key = tuple(key)
    return sig


def _identifier(name: str) -> str:
    return re.sub(r"\W", "_", name) or "_"


def _describe(sig: Signature, key: list, name: str, expr: str, value: Any, ns: dict[str, Any]) -> None:
    """Guards on one argument, written on the expression that reaches it (``args[0][1]``): each guard is
    only evaluated when the ones before it held, so a list is known to be a list before it is indexed."""
    if isinstance(value, Tensor):
        t, array = f"{name}_t", value._data
        ns.setdefault(f"dt_{array.dtype.name}", array.dtype)
        sig.guards += [f"type({expr}) is {_class_name(type(value), ns)}",
                       f"{expr}._data.shape == {array.shape!r}",
                       f"{expr}._data.dtype is dt_{array.dtype.name}",
                       f"{expr}._requires_grad is {value._requires_grad}",
                       f"{expr}._data.strides == {array.strides!r}"]
        if value._requires_grad:  # a leaf, as captured: a replay does not walk into an argument's graph
            sig.guards.append(f"{expr}.grad_fn is None")
        sig.unpack.append(f"{t} = {expr}")
        sig.arrays.append(f"{name} = {t}._data")
        sig.tensors.append((value, t, name))
        sig.described.append(f"{name} {tuple(array.shape)} {array.dtype}")
        key.append(("tensor", type(value), array.shape, array.dtype.str, value._requires_grad, array.strides))
    elif isinstance(value, (list, tuple)):
        sig.guards += [f"type({expr}) is {type(value).__name__}", f"len({expr}) == {len(value)}"]
        key.append((type(value), len(value)))
        for i, item in enumerate(value):
            _describe(sig, key, f"{name}_{i}", f"{expr}[{i}]", item, ns)
    elif value is None:
        sig.guards.append(f"{expr} is None")
        key.append(None)
        sig.described.append(f"{name}=None")
    elif literal(value) is not None:
        sig.guards += [f"type({expr}) is {type(value).__name__}", f"{expr} == {literal(value)}"]
        key.append((type(value), value))
        sig.described.append(f"{name}={literal(value)}")
    else:  # any other object: this very one (its tensors are guarded where the step uses them)
        bound = f"arg_{name}"
        ns[bound] = value
        sig.guards.append(f"{expr} is {bound}")
        key.append(("object", id(value)))
        sig.described.append(f"{name}: this {type(value).__name__}")


def _class_name(cls: type, ns: dict[str, Any]) -> str:
    ns.setdefault(cls.__name__, cls)
    return cls.__name__


# ---- the function ------------------------------------------------------------------------------------------


@dataclass
class Replay:
    run: Callable[[tuple, dict], Any]
    code: str                       # the function's source
    header: Callable[[], str]       # what it refers to, written when source() asks (not at each capture)

    @property
    def source(self) -> str:
        return self.header() + self.code


_COUNTER = iter(range(1, 1 << 62))


def assemble(recorder: Recorder, sig: Signature, result: str, title: str) -> Replay:
    """Write the replay's source, compile it and return it with the source (for ``step.source()``)."""
    name = _identifier(title)
    guards = list(dict.fromkeys(recorder.guards))  # each once, in order
    body = [f"def {name}(args, kwargs):"]
    body += _condition(sig.guards, "    ")
    body += [f"    {line}" for line in sig.unpack]
    body += _condition(guards, "    ")
    if sig.arrays:
        body.append("    " + "; ".join(sig.arrays))
    if recorder.checks:
        body += _condition(recorder.checks, "    ")
    for code, comment in _without_copies(recorder, result):
        body.append(f"    {code:<66} # {comment}" if code and comment else f"    {code or '# ' + comment}")
    body.append(f"    return {result}")
    if recorder.backward is not None:  # the result's graph node runs this (graph.py)
        body = [line.replace("BACKWARD", f"{name}_backward") for line in body]
        body += ["", ""] + graph.backward_source(name, recorder)
    source = "\n".join(body) + "\n"
    filename = f"<tinygrad_edu.compile {name} #{next(_COUNTER)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # for tracebacks
    exec(compile(source, filename, "exec"), recorder.ns)
    outside = [(n, recorder.ns[n], recorder.names[id(recorder.ns[n]._data)]) for n in recorder.outside_names]
    consts, ns = frozenset(recorder.consts), recorder.ns
    return Replay(ns[name], source, lambda: _header(sig, title, source, outside, consts, ns))


def _without_copies(recorder: Recorder, result: str) -> list[tuple[str, str]]:
    """The lines, where a new ``.grad`` takes its gradient without the copy eager makes when nothing else
    holds that array: it was made fresh by one line and no other line reads it. The values are the same;
    the copy (measured: 6 % of the MLP's step, which creates every .grad each step) is not needed."""
    lines = list(recorder.lines)
    if not recorder.copies:
        return lines
    code = "\n".join(line for line, _ in lines) + "\n" + result
    for index, g, uncopied in recorder.copies:
        # twice: in the line that made it, and in this one
        if len(re.findall(rf"(?<![\w.]){g}(?!\w)", code)) == 2:
            lines[index] = (uncopied, lines[index][1] + f" (no copy: nothing else holds {g})")
    return lines


def _condition(conditions: list[str], indent: str) -> list[str]:
    if not conditions:
        return []
    joined = f"\n{indent}        and ".join(conditions)
    return [f"{indent}if not ({joined}):", f"{indent}    return MISS"]


def _header(sig: Signature, title: str, code: str, outside: list, consts: frozenset, ns: dict) -> str:
    """What the code refers to, for a reader: the arguments captured, the outside tensors, the constants."""
    lines = [f"# {title}, captured for: {', '.join(sig.described) or 'no arguments'}"
             f" (grad mode {'on' if sig.key[0] else 'off'})"]
    for name, tensor, array in outside:
        lines.append(f"#   {name}: a tensor from outside the step, {tuple(tensor.shape)} {tensor.dtype}; "
                     f"{array} is its array, read where it lives")
    for name in sorted(consts & set(re.findall(r"\w+", code))):
        value = ns.get(name)
        if isinstance(value, np.ndarray):
            shown = repr(value.item()) if value.size == 1 else f"an array {value.shape}"
            lines.append(f"#   {name} = {shown} ({value.dtype}): a constant, computed once during capture")
    return "\n".join(lines) + "\n"
