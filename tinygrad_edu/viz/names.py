"""Display names for the tensors of a graph: the caller's, a namespace's, or the expression that made them.

``tensor_names(loss)`` numbers what it cannot name (``leaf 0``, ``t0``, ...). With ``expressions=True``
an unnamed intermediate is called after the op and inputs that made it, as the learner wrote it:
``xb @ weights``, ``xb @ weights + bias``, ``sigmoid(…)``. Deep expressions are cut: an input whose own
expression would make the name too long is shown as ``…`` (its box in the picture has the rest).

``names`` may be a plain dict name → Tensor or a namespace such as ``globals()`` or ``locals()``: from a
namespace only the Tensors (and the parameters of Modules, as ``model.weight``) are taken, and private
names (``_``, ``_3``: Jupyter's output history) are skipped. When a tensor has several names, the first one
wins. ``draw_graph``, ``explore`` and ``trace_backward`` called without ``names`` take the learner's own
namespace (``caller_namespace``: the locals, then the globals, of the first frame outside tinygrad_edu).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import Any

from ..engine import topological_order
from ..function import Function
from ..tensor import Tensor
from .modules import ModelNames, model_names

#: unnamed intermediates get expression names at most this long, when the inputs' names allow it
EXPRESSION_LENGTH = 32

# infix ops: symbol and Python's precedence (higher binds tighter)
_INFIX = {"Add": ("+", 1), "Sub": ("-", 1), "Mul": ("*", 2), "Div": ("/", 2), "MatMul": ("@", 2),
          "Pow": ("**", 4)}
_NEG_PRECEDENCE = 3
_ATOM = 9  # names, calls, indexing: never need parentheses
_METHODS = {"Sum": "sum", "Mean": "mean", "Max": "max", "Min": "min", "Reshape": "reshape",
            "Permute": "permute", "Expand": "expand", "Cast": "to"}
_FUNCTIONS = {"BinaryCrossEntropy": "binary_cross_entropy", "CrossEntropy": "cross_entropy",
              "BinaryCrossEntropyWithLogits": "binary_cross_entropy_with_logits", "LogSoftmax": "log_softmax"}
_PLAIN_NAME = re.compile(r"[\w.\[\]… ]+")  # "weights", "leaf 0", "model.weight", "x[0]": no parentheses
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # .../tinygrad_edu/


# ---- where names come from --------------------------------------------------------------------


def parameter_dict(params: Any) -> dict[str, Tensor]:
    """``params`` as name → Tensor: a dict already, or anything with ``named_parameters()`` (a Module)."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        return dict(params.named_parameters())
    if isinstance(params, Mapping):
        return dict(params)
    raise TypeError("params: expected a dict name -> Tensor or a Module with named_parameters(), "
                    f"got {type(params).__name__}")


def _is_namespace(names: Mapping) -> bool:
    """A namespace (globals(), locals(), vars(obj)) holds Tensors among other things; a dict of names
    holds nothing but Tensors. A mapping without any Tensor or Module cannot be meant to name tensors."""
    return any(isinstance(v, Tensor) or hasattr(v, "named_parameters") for v in names.values())


def _from_namespace(names: Mapping) -> dict[str, Tensor]:
    found: dict[str, Tensor] = {}
    for name, value in names.items():
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if isinstance(value, Tensor):
            found[name] = value
        elif hasattr(value, "named_parameters") and not isinstance(value, type):
            try:  # PyTorch's own modules hold torch tensors: only ours are named
                found.update((f"{name}.{p}", t) for p, t in value.named_parameters() if isinstance(t, Tensor))
            except Exception:  # an object that merely looks like a Module: not ours to name
                continue
    return found


def _in_package(filename: str) -> bool:
    return not filename.startswith("<") and os.path.abspath(filename).startswith(_PACKAGE)  # not "<stdin>"


def caller_namespace() -> dict[str, Any]:
    """The learner's namespace: the locals, then the globals, of the first frame outside tinygrad_edu.

    Skipping every frame of the package finds the learner's code however deep the call came from
    (``explore`` → ``trace_backward`` → here). A name bound in both is the local one; the order is the order
    the names were first bound in (dicts keep it), so "the first name wins" gives the same name every run.
    """
    frame = sys._getframe(1)
    while frame is not None and _in_package(frame.f_code.co_filename):
        frame = frame.f_back
    if frame is None:
        return {}
    try:
        namespace = dict(frame.f_locals)
        for name, value in frame.f_globals.items():
            namespace.setdefault(name, value)
        return namespace
    finally:
        del frame  # a frame held on to keeps every local of the learner's alive


def model_or_callers(model: Any) -> ModelNames:
    """Where module calls get their names: ``model`` (a Module) first when given, and the Modules of the
    caller's namespace (the model among them is the one that holds most of the modules called)."""
    return model if isinstance(model, ModelNames) else model_names(model, caller_namespace())


def names_or_callers(names: Mapping[str, Any] | None, params: Any = None) -> Mapping[str, Any]:
    """``names`` as given; when None, the tensors of the caller's namespace (``names={}``: none at all).

    A tensor that ``params`` names keeps that name: the explicit argument beats the guess.
    """
    if names is not None:
        return names
    named_by_params = {id(t) for t in parameter_dict(params).values()}
    found = _from_namespace(caller_namespace())
    return {name: t for name, t in found.items() if id(t) not in named_by_params}


def _checked_names(names: Mapping[str, Any] | None, what: str) -> dict[int, str]:
    by_id: dict[int, str] = {}
    names = names or {}
    if not isinstance(names, Mapping):
        raise TypeError(f"{what}: expected a dict name -> Tensor (or globals()), got {type(names).__name__}")
    if any(not isinstance(t, Tensor) for t in names.values()) and _is_namespace(names):
        names = _from_namespace(names)
    for name, tensor in names.items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{what}: {name!r} should map to a Tensor, not {type(tensor).__name__}")
        by_id.setdefault(id(tensor), str(name))  # the first name wins
    return by_id


def forward_order(root: Tensor) -> list[Function]:
    """Every op behind ``root``, each after the ops that made its inputs (the order forward ran them)."""
    if root.grad_fn is None:
        return []
    return topological_order(root.grad_fn)[::-1]


# ---- expressions ------------------------------------------------------------------------------


def _wrap(text: str, precedence: int, needed: int) -> str:
    return f"({text})" if precedence < needed else text


def _expression(fn: Function, args: list[tuple[str, int]]) -> tuple[str, int]:
    """``fn`` applied to ``args`` (text, precedence) as Python code, with its own precedence."""
    op = fn.op_name()
    if op in _INFIX and len(args) == 2:
        symbol, level = _INFIX[op]
        (left, left_level), (right, right_level) = args
        # a - (b - c) and a ** b ** c keep their parentheses: + - * / @ group left, ** groups right
        left_needs, right_needs = (level + 1, level) if op == "Pow" else (level, level + 1)
        left, right = _wrap(left, left_level, left_needs), _wrap(right, right_level, right_needs)
        return f"{left} {symbol} {right}", level
    if op == "Neg":
        return "-" + _wrap(args[0][0], args[0][1], _NEG_PRECEDENCE), _NEG_PRECEDENCE
    if op in _METHODS:
        axis = getattr(fn, "axis", None)
        inside = "" if op in ("Sum", "Mean", "Max", "Min") and axis is None else "…"
        if isinstance(axis, tuple) and len(axis) == 1:
            inside = str(axis[0])
        return f"{_wrap(args[0][0], args[0][1], _ATOM)}.{_METHODS[op]}({inside})", _ATOM
    if op == "GetItem":
        return f"{_wrap(args[0][0], args[0][1], _ATOM)}[…]", _ATOM
    name = _FUNCTIONS.get(op, op.lower())
    return f"{name}({', '.join(text for text, _ in args)})", _ATOM


def _plain(name: str) -> tuple[str, int]:
    return name, _ATOM if _PLAIN_NAME.fullmatch(name) else 0


def _spelled(fn: Function, call: Any, args: list[tuple[str, int]]) -> tuple[str, int]:
    """The op applied to ``args``, or the module ``call`` applied to its arguments: ``blocks.0(x)``."""
    if call is None:
        return _expression(fn, args)
    return f"{call.spoken}({', '.join(text for text, _ in args)})", _ATOM


def _expression_names(order: list[Function], named: dict[int, str], output_of: dict[Function, Tensor],
                      limit: int, made_by_call: Mapping[Function, Any] | None = None) -> dict[int, str]:
    """An expression for the output of every op whose output has no name, in forward order.

    When the whole expression is longer than ``limit``, the unnamed inputs are shown by their op alone
    (``… + bias``), and if that is still too long, as ``…``. A tensor a module call returned is named after
    the call: ``blocks.0.sa(x)`` (``made_by_call``: op -> the outermost ``modules.Call`` that returned it).
    """
    full: dict[int, tuple[str, int]] = {key: _plain(name) for key, name in named.items()}
    short = dict(full)  # each expression with its own unnamed inputs shown as "…"
    result: dict[int, str] = {}
    hidden = ("…", _ATOM)
    for fn in order:
        out = output_of.get(fn)
        if out is None or id(out) in full:
            continue
        call = (made_by_call or {}).get(fn)
        keys = [id(t) for t in (call.args if call is not None else fn.inputs)]
        shorter = _spelled(fn, call, [full[k] if k in named else hidden for k in keys])
        for args in ([full.get(k, hidden) for k in keys], [short.get(k, hidden) for k in keys]):
            text, level = _spelled(fn, call, args)
            if len(text) <= limit:
                break
        else:
            text, level = shorter
        full[id(out)], short[id(out)] = (text, level), shorter
        result[id(out)] = text
    return result


# ---- all of it --------------------------------------------------------------------------------


def tensor_names(
    root: Tensor, names: Mapping[str, Any] | None = None, params: Any = None, *, expressions: bool = False,
    calls: Any = None,
) -> dict[int, str]:
    """A display name for every tensor in the graph, keyed by ``id(tensor)``.

    The caller's ``names`` (a dict name → Tensor, or a namespace such as ``globals()``) win, then
    parameter names, then defaults in forward order: ``input 0``, ``constant 0`` (a single number),
    ``leaf 0`` (requires grad), ``t0`` (made by an op) and ``output`` for the root. With
    ``expressions=True`` unnamed constants show their value and unnamed intermediates the expression
    that made them (``xb @ weights + bias``), or after the module call that returned them (``calls``:
    ``modules.find_calls``'s); the root is still ``output`` unless named.
    """
    given = _checked_names(parameter_dict(params), "params")
    given.update(_checked_names(names, "names"))
    order = forward_order(root)
    result: dict[int, str] = {}
    counters = {"input": 0, "constant": 0, "leaf": 0, "t": 0}

    def default(tensor: Tensor) -> str:
        if tensor.grad_fn is not None:
            kind = "t"
        elif tensor.requires_grad:
            kind = "leaf"
        else:
            kind = "constant" if tensor._data.ndim == 0 else "input"
            if kind == "constant" and expressions:
                value = tensor._data.item()
                return str(value) if isinstance(value, (bool, int)) else f"{value:.6g}"  # 1.0001, not 1
        name = f"{kind}{counters[kind]}" if kind == "t" else f"{kind} {counters[kind]}"
        counters[kind] += 1
        return name

    for fn in order:
        for tensor in fn.inputs:
            key = id(tensor)
            if key not in result:
                result[key] = given[key] if key in given else default(tensor)
    result[id(root)] = given.get(id(root), "output")
    if expressions:
        output_of = {t.grad_fn: t for fn in order for t in fn.inputs if t.grad_fn is not None}
        made = {id(t) for t in output_of.values()}
        named = {key: name for key, name in result.items() if key in given or key not in made}
        made_by_call = {}
        for call in calls.calls if calls is not None else []:  # the innermost call wins: lm_head(…)
            made_by_call.update((fn, call) for fn in call.outputs)
            named.update((id(t), given[id(t)]) for t in call.args if id(t) not in named and id(t) in given)
        result.update(_expression_names(order, named, output_of, EXPRESSION_LENGTH, made_by_call))
    return result
