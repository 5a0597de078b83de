"""The doors on Tensor's methods that work without an op (see ``doors.py`` for what a door is): computing
a tensor (comparisons, ``~``, integer casts, copies, indexing without gradients), changing one in place
(``-=``, ``zero_``, ``copy_``, ``x[i] = v``), and giving its values to Python (``item``, ``float``, ``bool``,
printing, ``numpy``, ``tolist``), which capture refuses.
"""

from __future__ import annotations

import numpy as np

from ..function import is_grad_enabled
from ..tensor import Tensor
from ..tensor_dims import DimMethods
from ..tensor_extras import TensorExtras, index_arrays, promote, scalar_operand
from ..tensor_inplace import InPlaceMethods, _number_or_array
from . import capture
from .capture import active
from .doors import door, inside

# ---- computing without an op -------------------------------------------------------------------------------

_compare, _invert = TensorExtras._compare, TensorExtras.__invert__
_to, _clone, _getitem = TensorExtras.to, Tensor.clone, DimMethods.__getitem__


@door(TensorExtras, "_compare")
def _compare_door(self, ufunc, other):
    recorder = active()
    if recorder is None:
        return _compare(self, ufunc, other)
    with inside(recorder):
        a, b = promote(self, other)
        out = _compare(a, ufunc, b)
    names = [recorder.name(a._data, a), recorder.name(b._data, b)]
    code = f"np.{ufunc.__name__}({names[0]}, {names[1]})"
    recorder.derived(out, code, names, f"{ufunc.__name__} (no gradient)")
    return out


@door(TensorExtras, "__invert__")
def _invert_door(self):
    recorder = active()
    if recorder is None:
        return _invert(self)
    with inside(recorder):
        out = _invert(self)
    a = recorder.name(self._data, self)
    recorder.derived(out, f"~{a}", [a], "~ (logical not)")
    return out


@door(TensorExtras, "to")
def _to_door(self, *args, **kwargs):
    recorder = active()
    if recorder is None:
        return _to(self, *args, **kwargs)
    with inside(recorder):
        out = _to(self, *args, **kwargs)
    if out is not self:
        a = recorder.name(self._data, self)
        recorder.derived(out, f"{a}.astype(np.{out.dtype.name})", [a], f"to({out.dtype.name})")
    return out


@door(Tensor, "clone")
def _clone_door(self):
    recorder = active()
    if recorder is None:
        return _clone(self)
    with inside(recorder):
        out = _clone(self)
    a = recorder.name(self._data, self)
    recorder.derived(out, f"{a}.copy()", [a], "clone()")
    return out


@door(DimMethods, "__getitem__")
def _getitem_door(self, index):
    recorder = active()
    if recorder is None:
        return _getitem(self, index)
    with inside(recorder):
        out = _getitem(self, index)
    if recorder.refusal is None and id(out._data) not in recorder.names:  # no GetItem op: no gradient
        index = index_arrays(index)
        if capture._has_mask(index):
            recorder.refuse("indexing with a boolean mask: the result's shape depends on the values")
            return out
        if not isinstance(self._data[index], np.ndarray):  # one element: a view of it, as the method does
            index = (*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)
        a = recorder.name(self._data, self)
        i = recorder.value(index)
        recorder.derived(out, f"{a}[{i}]", [a, i], "indexing (no gradient)")
    return out



# ---- in-place changes -------------------------------------------------------------------------------

_inplace, _zero, _assign = InPlaceMethods._inplace, InPlaceMethods.zero_, InPlaceMethods._assign
_setitem = InPlaceMethods.__setitem__
_IN_GRAPH = ("an in-place change of a tensor in the graph ({op}): capture replays changes of arrays "
             "outside the graph only; write x = x {sign} ... instead")


@door(InPlaceMethods, "_inplace")
def _inplace_door(self, ufunc, op_class, other, op):
    recorder = active()
    if recorder is None:
        return _inplace(self, ufunc, op_class, other, op)
    if self._records(other):
        recorder.refuse(_IN_GRAPH.format(op=op, sign=op[0]))
        return _inplace(self, ufunc, op_class, other, op)
    with inside(recorder):
        result = _inplace(self, ufunc, op_class, other, op)
    t = recorder.name(self._data, self)
    v = recorder.name(other._data, other) if isinstance(other, TensorExtras) else recorder.value(other)
    recorder.effect(f"np.{ufunc.__name__}({t}, {v}, out={t}); mark_changed({t})", f"{op} (in place)", t)
    return result


@door(InPlaceMethods, "zero_")
def _zero_door(self):
    recorder = active()
    if recorder is None or (self._requires_grad and is_grad_enabled()):  # that is _assign's case
        return _zero(self)
    with inside(recorder):
        result = _zero(self)
    t = recorder.name(self._data, self)
    recorder.effect(f"{t}[...] = 0; mark_changed({t})", "zero_()", t)
    return result


@door(InPlaceMethods, "_assign")
def _assign_door(self, source, op):
    recorder = active()
    if recorder is None:
        return _assign(self, source, op)
    with inside(recorder):
        if not isinstance(source, TensorExtras):
            source = scalar_operand(source, self)
    if self._records(source):
        recorder.refuse(_IN_GRAPH.format(op=op, sign="+"))
        return _assign(self, source, op)
    with inside(recorder):
        result = _assign(self, source, op)
    t, s = recorder.name(self._data, self), recorder.name(source._data, source)
    recorder.effect(f"{t}[...] = {s}; mark_changed({t})", op, t)
    return result


@door(InPlaceMethods, "__setitem__")
def _setitem_door(self, index, value):
    recorder = active()
    if recorder is None:
        return _setitem(self, index, value)
    with inside(recorder):
        if not isinstance(value, TensorExtras):
            value = scalar_operand(_number_or_array(value, "__setitem__"), self)
    if self._records(value):
        recorder.refuse(_IN_GRAPH.format(op="__setitem__", sign="+"))
        return _setitem(self, index, value)
    with inside(recorder):
        _setitem(self, index, value)
    t, v = recorder.name(self._data, self), recorder.name(value._data, value)
    recorder.effect(f"{t}[{recorder.value(index_arrays(index))}] = {v}; mark_changed({t})", "x[i] = v", t)


# ---- values into Python: refusals ---------------------------------------------------------------------

_ESCAPES = {
    "item": "`.item()` reads a tensor's value into Python",
    "__float__": "float(tensor) reads a tensor's value into Python",
    "__int__": "int(tensor) reads a tensor's value into Python",
    "__index__": "a tensor used as a Python index reads its value into Python",
    "__bool__": "`if tensor:` (or bool(tensor)) decides in Python from a tensor's value",
    "tolist": "`.tolist()` reads a tensor's values into Python",
    "numpy": "`.numpy()` hands a tensor's array to numpy code that capture does not see",
    "__array__": "np.asarray(tensor) hands a tensor's array to numpy code that capture does not see",
    "__repr__": "printing a tensor reads its values into Python",
    "__format__": "formatting a tensor (f\"{loss}\") reads its values into Python",
}


def _escape(name: str, reason: str) -> None:
    original = TensorExtras.__dict__[name]

    def escape_door(self, *args, **kwargs):
        recorder = active()
        if recorder is not None:
            recorder.refuse(reason + ": a replay runs no Python of yours, so it could not follow it")
        return original(self, *args, **kwargs)

    door(TensorExtras, name)(escape_door)


for _name, _reason in _ESCAPES.items():
    _escape(_name, _reason)


