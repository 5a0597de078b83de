"""How a replay writes each op: its forward, and the gradient of each input, as numpy code on one line.

Each form below is the op's own ``forward``/``backward`` from ``tinygrad_edu/ops/`` with the bookkeeping
taken out (no ``self``, no ``save_for_backward``): the same numpy calls in the same order, so a replay gives
bitwise the same numbers (``tests/test_compile_forms.py`` checks every form against its op, edge values
included). An op without a form here (a new op, or an unusual case such as a 3-D MatMul) is replayed by
calling its own ``forward`` and ``backward`` (``capture.py``): forms are only a shortcut for the cheap,
common ops, where calling a method per op would cost more than the numpy work itself.

A forward form gets the inputs' names, the op's parameters and the arrays capture saw, and returns the
expression of the output (or a statement that assigns ``{out}``), or None: no form for this case. A
backward form gets a ``Grads`` and returns one expression per input (None where no gradient flows).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import ops as O


@dataclass(frozen=True)
class Grads:
    """What a backward form is written from."""

    g: str        # the name of the gradient reaching the op's output
    x: list[str]  # the names of its inputs
    out: str      # the name of its output
    fn: Any       # the op as recorded: its attributes (shape, axis, count, saved arrays)
    zero: str     # the name of a 0-d zero of the gradient's dtype (Where's backward selects it)
    arrays: list  # the input arrays as the forward saw them


@dataclass(frozen=True)
class Form:
    forward: Callable[..., str | None]  # (names, params, arrays, output array) -> expression or None
    grads: Callable[[Grads], tuple]     # one expression (or None) per input
    errstate: str = ""                  # the np.errstate(...) the op's forward runs under, if any


FORMS: dict[type, Form] = {}


def form(cls: type, grads: Callable[[Grads], tuple], errstate: str = "") -> Callable:
    def register(forward: Callable[..., str | None]) -> Callable:
        FORMS[cls] = Form(forward, grads, errstate)
        return forward
    return register


# ---- elementwise ------------------------------------------------------------------------------------


@form(O.Add, lambda c: (c.g, c.g))
def _add(x, p, arrays, out):
    return f"{x[0]} + {x[1]}"


@form(O.Sub, lambda c: (c.g, f"-{c.g}"))
def _sub(x, p, arrays, out):
    return f"{x[0]} - {x[1]}"


@form(O.Mul, lambda c: (f"{c.g} * {c.x[1]}", f"{c.g} * {c.x[0]}"))
def _mul(x, p, arrays, out):
    return f"{x[0]} * {x[1]}"


@form(O.Div, lambda c: (f"{c.g} / {c.x[1]}", f"-{c.g} * {c.out} / {c.x[1]}"))
def _div(x, p, arrays, out):
    return f"{x[0]} / {x[1]}"


@form(O.Neg, lambda c: (f"-{c.g}",))
def _neg(x, p, arrays, out):
    return f"-{x[0]}"


@form(O.Exp, lambda c: (f"{c.g} * {c.out}",))
def _exp(x, p, arrays, out):
    return f"np.exp({x[0]})"


@form(O.Log, lambda c: (f"{c.g} / {c.x[0]}",), errstate='divide="ignore", invalid="ignore"')
def _log(x, p, arrays, out):
    return f"np.log({x[0]})"


@form(O.Sqrt, lambda c: (f"{c.g} / (2 * {c.out})",), errstate='invalid="ignore"')
def _sqrt(x, p, arrays, out):
    return f"np.sqrt({x[0]})"


@form(O.Sigmoid, lambda c: (f"{c.g} * {c.out} * (1 - {c.out})",), errstate='over="ignore"')
def _sigmoid(x, p, arrays, out):
    return f"1 / (1 + np.exp(-{x[0]}))"


@form(O.Tanh, lambda c: (f"{c.g} * (1 - {c.out} * {c.out})",))
def _tanh(x, p, arrays, out):
    return f"np.tanh({x[0]})"


@form(O.Relu, lambda c: (f"{c.g} * ({c.out} > 0) if np.isfinite({c.out}.sum() + {c.g}.sum()) "
                         f"else np.where({c.out} <= 0, {c.zero}, {c.g})",))
def _relu(x, p, arrays, out):
    return f"np.maximum({x[0]}, 0)"


@form(O.Where, lambda c: (None, f"np.where({c.x[0]}, {c.g}, {c.zero})",
                          f"np.where({c.x[0]}, {c.zero}, {c.g})"))
def _where(x, p, arrays, out):
    return f"np.where({x[0]}, {x[1]}, {x[2]})"


@form(O.Cast, lambda c: (c.g,))
def _cast(x, p, arrays, out):
    return f"{x[0]}.astype(np.{np.dtype(p['dtype']).name})"


# ---- reductions ---------------------------------------------------------------------------------------


@form(O.Sum, lambda c: (f"_expand_back({c.g}, {c.fn.shape!r}, {c.fn.axis!r})",))
def _sum(x, p, arrays, out):
    return f"_sum({x[0]}, {p.get('axis')!r}, {p.get('keepdims', False)!r})"


@form(O.Mean, lambda c: (f"_expand_back({c.g} / {c.fn.count!r}, {c.fn.shape!r}, {c.fn.axis!r})",))
def _mean(x, p, arrays, out):
    a, axis, keepdims = arrays[0], p.get("axis"), p.get("keepdims", False)
    count = a.size // max(out.size, 1)
    if count == 0:
        return None  # the mean of nothing (NaN): left to the op's own forward
    if a.size < 1024:
        return f"{x[0]}.sum(axis={axis!r}, keepdims={keepdims!r}) / {count!r}"
    return f"_sum({x[0]}, {axis!r}, {keepdims!r}) / {count!r}"


# ---- moving elements --------------------------------------------------------------------------------------


@form(O.Reshape, lambda c: (f"{c.g}.reshape({c.fn.shape!r})",))
def _reshape(x, p, arrays, out):
    return f"{x[0]}.reshape({p['shape']!r})"


def _permute_grads(c: Grads) -> tuple:
    inverse = sorted(range(len(c.fn.axes)), key=c.fn.axes.__getitem__)  # as Permute.backward
    return (f"{c.g}.transpose({inverse!r})",)


@form(O.Permute, _permute_grads)
def _permute(x, p, arrays, out):
    return f"{x[0]}.transpose({p['axes']!r})"


@form(O.Expand, lambda c: (c.g,))
def _expand(x, p, arrays, out):
    return f"np.broadcast_to({x[0]}, {p['shape']!r})"


# ---- matrix products ---------------------------------------------------------------------------------------


def _matmul_grads(c: Grads) -> tuple:
    b = c.arrays[1]
    transposed = b.flags.f_contiguous and not b.flags.c_contiguous  # as MatMul.backward (W.T laid out as W)
    return f"{c.g} @ {c.x[1]}.T", f"({c.g}.T @ {c.x[0]}).T" if transposed else f"{c.x[0]}.T @ {c.g}"


@form(O.MatMul, _matmul_grads)
def _matmul(x, p, arrays, out):
    return f"{x[0]} @ {x[1]}" if arrays[0].ndim == 2 and arrays[1].ndim == 2 else None


@form(O.Linear, lambda c: (f"{c.g} @ {c.x[1]}", f"{c.g}.T @ {c.x[0]}", f"{c.g}.sum(axis=0)")[:len(c.x)])
def _linear(x, p, arrays, out):
    if len(x) == 2:
        return f"{x[0]} @ {x[1]}.T"
    return f"{{out}} = {x[0]} @ {x[1]}.T; {{out}} += {x[2]}"  # the bias is added in place, as forward does


def literal(value: Any) -> str | None:
    """``repr`` of a Python value that reads back as itself, else None (it must be bound as a constant)."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, tuple) and all(literal(v) is not None for v in value):
        return repr(value)
    return None


def uses(name: str, code: str) -> bool:
    """Does ``code`` read the variable ``name``?"""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", code) is not None


_WORD = re.compile(r"\w+")


def reads(candidates: list[str], code: str) -> list[str]:
    """Which of the names ``candidates`` occur in ``code`` (one scan; an attribute of the same name counts
    too, which only ever keeps a line from being folded)."""
    words = set(_WORD.findall(code))
    return [name for name in candidates if name in words]
