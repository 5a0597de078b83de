"""Group a graph's ops by the ``nn.Module`` call that made them: the picture of a big model stays legible.

``Module.__call__`` leaves on the op behind each tensor it returns a record of the call,
``fn.module_calls``: tuples ``(module, args, kwargs, start, end)``, where start and end come from one counter,
so that calls nest like brackets. Nothing is recorded per op. Here, at drawing time, the ops of each call are
found by walking back from its outputs:

* the walk stops at the call's arguments and at leaves;
* it stops at ops that existed before the call began: the ancestors of its arguments, and the outputs of
  calls that had ended before it started (a tensor the module read without being passed it, such as a state
  kept from an earlier call of the same module);
* an op it reached is kept only if it reads an argument, a parameter or buffer of the modules called, or the
  output of a kept op (an op on outside tensors alone was computed outside the call).

Each op belongs to the innermost call that holds it, and the calls nest in a tree. Calls are named after the
module's path in the model, as ``named_modules()`` has it (``blocks.0.sa.heads.1``): the model is the
``model=`` argument, or else the Module of the caller's namespace that holds most of the modules called.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..function import Function
from ..nn.module import Module
from ..tensor import Tensor


@dataclass(eq=False)
class Call:
    """One call of one Module in the graph, with the ops it made itself (its nested calls have theirs)."""

    index: int  # in the order the calls started: the picture's node is "m<index>"
    module: Module = field(repr=False)
    args: list[Tensor] = field(repr=False)  # the tensors passed in (positional, keyword, in tuples or lists)
    start: int
    end: int
    outputs: list[Function] = field(repr=False)  # the ops behind the tensors the call returned
    ops: list[Function] = field(default_factory=list, repr=False)  # forward order
    children: list[Call] = field(default_factory=list, repr=False)
    parent: Call | None = field(default=None, repr=False)
    qualname: str = ""  # "blocks.0.sa": what draw_graph(expand=[...]) matches
    name: str = ""  # qualname, or "cell (call 2)" for the second call of a module
    spoken: str = ""  # as the names of its outputs say it: "blocks.0.sa(x)", "net.0(xb)" (not "0(xb)")

    @property
    def key(self) -> str:
        return f"m{self.index}"

    @property
    def kind(self) -> str:
        return type(self.module).__name__

    def encloses(self, other: Call) -> bool:
        return self.start < other.start and other.end < self.end

    def all_ops(self) -> Iterator[Function]:
        """Its ops and those of every call inside it."""
        yield from self.ops
        for child in self.children:
            yield from child.all_ops()

    def chain(self) -> Iterator[Call]:
        """This call, its parent, and so on up to the outermost call."""
        call: Call | None = self
        while call is not None:
            yield call
            call = call.parent


@dataclass
class Calls:
    """The module calls of a graph: all of them (in the order they started), the outermost ones, and the
    innermost call of each op that belongs to one."""

    calls: list[Call]
    roots: list[Call]
    owner: dict[Function, Call]

    def named(self, name: str) -> list[Call]:
        return [call for call in self.calls if name in (call.name, call.qualname)]


@dataclass
class ModelNames:
    """Where the names of modules come from: ``roots`` maps a variable name to a Module, in the order they
    are tried; when ``explicit`` the first one is the model (``model=``), else the one covering most calls."""

    roots: dict[str, Module] = field(default_factory=dict)
    explicit: bool = False


def model_names(model: Any, namespace: Mapping[str, Any]) -> ModelNames:
    """``model=`` as given (a Module, a dict name → Module, or ModelNames), then the namespace's Modules."""
    if isinstance(model, ModelNames):
        return model
    found = {name: value for name, value in namespace.items()
             if isinstance(name, str) and not name.startswith("_") and isinstance(value, Module)}
    if model is None:
        return ModelNames(found)
    if isinstance(model, Module):
        name = next((name for name, value in found.items() if value is model), type(model).__name__)
        return ModelNames({name: model, **found}, explicit=True)
    if isinstance(model, Mapping) and all(isinstance(v, Module) for v in model.values()):
        return ModelNames({**model, **found}, explicit=True)
    raise TypeError(f"model: expected an nn.Module (or a dict name -> Module), got {type(model).__name__}")


# ---- finding the calls ----------------------------------------------------------------------------


def _tensors(args: tuple, kwargs: dict) -> list[Tensor]:
    found = []
    for value in itertools.chain(args, kwargs.values()):
        items = value if isinstance(value, (tuple, list)) else (value,)
        found.extend(item for item in items if isinstance(item, Tensor))
    return found


def _ancestors(fns: Iterable[Function]) -> set[Function]:
    seen: set[Function] = set()
    stack = list(fns)
    while stack:
        fn = stack.pop()
        if fn not in seen:
            seen.add(fn)
            stack.extend(parent for parent in fn.parents if parent is not None)
    return seen


def _region(call: Call, first_end: dict[Function, int], position: dict[Function, int],
            owned: set[int]) -> list[Function]:
    """The ops of ``call`` and of the calls inside it (see the module's docstring), in forward order."""
    arguments = {id(t) for t in call.args}
    before = _ancestors(t.grad_fn for t in call.args if t.grad_fn is not None)
    reached: set[Function] = set()
    stack = list(call.outputs)
    while stack:
        fn = stack.pop()
        if fn in reached or fn in before or first_end.get(fn, call.start) < call.start:
            continue
        reached.add(fn)
        stack.extend(parent for tensor, parent in zip(fn.inputs, fn.parents)
                     if parent is not None and id(tensor) not in arguments)
    kept: set[Function] = set()
    for fn in sorted(reached, key=position.__getitem__):
        if any(id(t) in arguments or id(t) in owned or parent in kept
               for t, parent in zip(fn.inputs, fn.parents)):
            kept.add(fn)
    return sorted(kept, key=position.__getitem__)


def _owned_leaves(call: Call, calls: list[Call]) -> set[int]:
    """The parameters and buffers of the module called and of the modules called inside the call."""
    tree = {id(module) for _, module in call.module.named_modules()}
    modules = [call.module] + [c.module for c in calls if call.encloses(c) and id(c.module) not in tree]
    return {id(t) for module in modules for t in itertools.chain(module.parameters(), module.buffers())}


def find_calls(order: list[Function], names: ModelNames | None = None) -> Calls:
    """The module calls behind a graph whose ops are ``order`` (forward order), each with its ops and name."""
    records: dict[int, Call] = {}
    for fn in order:
        for module, args, kwargs, start, end in getattr(fn, "module_calls", ()):
            key = start  # one counter numbers every call's start: a key as good as the record itself
            if key not in records:
                records[key] = Call(0, module, _tensors(args, kwargs), start, end, [])
            records[key].outputs.append(fn)
    calls = sorted(records.values(), key=lambda call: call.start)
    if not calls:
        return Calls([], [], {})
    position = {fn: i for i, fn in enumerate(order)}
    first_end: dict[Function, int] = {}
    for call in calls:
        for fn in call.outputs:
            first_end[fn] = min(first_end.get(fn, call.end), call.end)
    owner: dict[Function, Call] = {}
    for call in sorted(calls, key=lambda c: c.end):  # inner calls end first: they take their ops first
        for fn in _region(call, first_end, position, _owned_leaves(call, calls)):
            owner.setdefault(fn, call)
    for fn in order:
        if fn in owner:
            owner[fn].ops.append(fn)
    owning = set(owner.values())
    calls = _tree([call for call in calls if call in owning or any(call.encloses(o) for o in owning)])
    roots = [call for call in calls if call.parent is None]
    _name(calls, names or ModelNames())
    return Calls(calls, roots, owner)


def _tree(calls: list[Call]) -> list[Call]:
    """Link each call to the innermost call around it, and number them in the order they started."""
    stack: list[Call] = []
    for index, call in enumerate(calls):
        call.index = index
        while stack and not stack[-1].encloses(call):
            stack.pop()
        if stack:
            call.parent = stack[-1]
            stack[-1].children.append(call)
        stack.append(call)
    return calls


def _name(calls: list[Call], names: ModelNames) -> None:
    """``qualname`` from the model's ``named_modules()``, the other namespace Modules' as ``var.path``, and
    the class name for a module found in none; a module called again gets ``(call 2)``, ``(call 3)``, ..."""
    called = {id(call.module) for call in calls}
    roots = list(names.roots.items())
    roots += [(call.kind, call.module) for call in calls if call.parent is None]  # the last resort
    if not names.explicit:  # the model is the root that holds most of the modules called (first on a tie)
        best = max(roots, key=lambda root: sum(id(m) in called for _, m in root[1].named_modules()))
        roots.insert(0, best)
    path: dict[int, str] = {}
    for number, (variable, root) in enumerate(roots):
        for sub, module in root.named_modules():
            if id(module) not in path:
                path[id(module)] = (sub or variable) if number == 0 else \
                    ".".join(filter(None, (variable, sub)))
    seen: Counter[str] = Counter()
    model = roots[0][0] if roots else ""
    for call in calls:
        call.qualname = path.get(id(call.module), call.kind)
        call.spoken = f"{model}.{call.qualname}" if call.qualname[:1].isdigit() else call.qualname
        seen[call.qualname] += 1
        count = seen[call.qualname]
        call.name = call.qualname if count == 1 else f"{call.qualname} (call {count})"


# ---- what a picture shows -------------------------------------------------------------------------


def opened(calls: Calls, expand: Any) -> set[Call]:
    """The calls drawn open (their ops or inner calls shown): the outermost ones, and those ``expand`` names
    (or holds: a ``Call`` is one call, a name every call of that module) with every call around them.
    ``expand=True`` opens all, ``expand=False`` none."""
    if expand is True:
        return set(calls.calls)
    result: set[Call] = set() if expand is False else set(calls.roots)
    if expand is None or isinstance(expand, bool):
        return result
    for name in [expand] if isinstance(expand, (str, Call)) else list(expand):
        matched = [c for c in calls.calls if c.start == name.start] if isinstance(name, Call) \
            else calls.named(str(name))  # a Call found by another drawing is known by its start
        if not matched:
            known = ", ".join(dict.fromkeys(call.qualname for call in calls.calls)) or "none"
            raise ValueError(f"expand: no module call is named {name!r}; the modules called are: {known}")
        for call in matched:
            result.update(call.chain())
    return result


def hidden_in(calls: Calls, open_calls: set[Call]) -> dict[Function, Call]:
    """Each op inside a closed call, and the outermost closed call that hides it (drawn as one box)."""
    box: dict[Call, Call | None] = {}
    for call in calls.calls:  # parents come before their children
        outer = box[call.parent] if call.parent is not None else None
        box[call] = outer if outer is not None else (None if call in open_calls else call)
    return {fn: box[call] for fn, call in calls.owner.items() if box[call] is not None}


def summary(call: Call, limit: int = 3) -> str:
    """``12 ops · MatMul ×3 · Softmax · …``: what the box hides, its most frequent ops first."""
    counts = Counter(fn.op_name() for fn in call.all_ops())
    parts = [f"{op} ×{n}" if n > 1 else op for op, n in counts.most_common()]
    total = sum(counts.values())
    more = ["…"] if len(parts) > limit else []
    return " · ".join([f"{total} op{'s' if total != 1 else ''}", *parts[:limit], *more])
