"""The computation graph behind a tensor, as plain Python data (no graphviz needed here).

A Tensor made by an op remembers that op as its ``grad_fn``; the op (a ``Function``) remembers its
``inputs``. Walking ``grad_fn`` → ``inputs`` → their ``grad_fn`` … from the loss finds every op and
every tensor that the loss was computed from. ``build_graph`` does that walk with an explicit queue
(no recursion) and gives every tensor a name and a role; ``render.draw_graph`` turns the result into
a picture and ``trace.trace_backward`` uses the same names.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..function import Function
from ..tensor import Tensor
from .modules import Call, Calls, find_calls, hidden_in, model_names, opened, summary
from .names import forward_order, parameter_dict, tensor_names

# tensor_names, parameter_dict and forward_order live in names.py; they are imported from here too
__all__ = ["MAX_NODES", "ROLES", "BoxNode", "ClusterNode", "Edge", "GraphSpec", "OpNode", "TensorNode",
           "arg_names", "build_graph", "forward_order", "leaves", "op_rule", "output_tensors",
           "parameter_dict", "tensor_names"]

#: how many nodes (tensors + ops) a picture shows at most, unless the caller says otherwise
MAX_NODES = 300

# the four kinds of tensor node, with the words the legend uses for them
ROLES = {
    "parameter": "parameter (leaf that requires grad: gets .grad)",
    "input": "input or constant (leaf, no grad needed)",
    "intermediate": "intermediate result (made by an op)",
    "output": "output (where backward starts)",
}


@dataclass
class TensorNode:
    key: str  # node id in the picture: "t0", "t1", ...
    tensor: Tensor = field(repr=False)
    name: str
    role: str  # one of ROLES


@dataclass
class OpNode:
    key: str  # "op0", "op1", ...
    fn: Function = field(repr=False)
    op: str  # "MatMul", "Add", ...
    rule: str  # first line of the op's docstring: its derivative


@dataclass
class Edge:
    source: str
    target: str
    label: str = ""  # which argument of the op ("a", "b", "cond") when the op has several
    needs_grad: bool = True  # False: no gradient flows back along this edge


@dataclass
class BoxNode:
    key: str  # "m0", "m1", ...: a closed module call, drawn as one box
    call: Call = field(repr=False)
    name: str  # "blocks.0.sa"
    kind: str  # "MultiHeadAttention"
    summary: str  # "34 ops: MatMul ×8, Softmax ×4, …"


@dataclass
class ClusterNode:
    key: str  # "cluster_m0": an open module call, a frame around what it made
    call: Call = field(repr=False)
    name: str
    kind: str
    parent: str | None  # the frame around this one


@dataclass
class GraphSpec:
    """Everything a picture shows, in data-flow order (inputs before the ops that use them)."""

    tensors: list[TensorNode]
    ops: list[OpNode]
    edges: list[Edge]
    root: TensorNode
    total_nodes: int  # tensors + ops (and boxes) in the whole graph
    hidden_nodes: int  # how many of them were left out because of max_nodes
    hidden_inputs: list[str] = field(default_factory=list)  # drawn tensors whose op was left out
    boxes: list[BoxNode] = field(default_factory=list)
    clusters: list[ClusterNode] = field(default_factory=list)  # parents before children
    cluster_of: dict[str, str] = field(default_factory=dict)  # node key -> the frame it is drawn in
    shown_as: dict[Function, str] = field(default_factory=dict, repr=False)  # drawn op -> its node or box
    number: dict[int, int] = field(default_factory=dict, repr=False)  # id(tensor) -> n of its key "tn"
    op_keys: dict[Function, str] = field(default_factory=dict, repr=False)  # every op -> its key "opn"
    calls: Calls | None = field(default=None, repr=False)

    def key_of(self, thing: Tensor | Function) -> str:
        """The node key of any tensor or op of the graph, drawn or not: the same in every picture of it."""
        return self.op_keys[thing] if isinstance(thing, Function) else f"t{self.number[id(thing)]}"


# ---- facts about ops --------------------------------------------------------------------------


def op_rule(fn: Function | type) -> str:
    """The op's derivative rule: the first line of its class docstring, without reST quotes."""
    cls = fn if isinstance(fn, type) else type(fn)
    doc = inspect.getdoc(cls) or ""
    return doc.strip().splitlines()[0].replace("``", "") if doc.strip() else ""


@functools.cache
def _forward_arg_names(cls: type) -> tuple[tuple[str, ...], str | None]:
    names, rest = [], None
    for parameter in list(inspect.signature(cls.forward).parameters.values())[1:]:
        if parameter.kind is parameter.VAR_POSITIONAL:
            rest = parameter.name
            break
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            names.append(parameter.name)
    return tuple(names), rest


def arg_names(fn: Function) -> tuple[str, ...]:
    """Names of the op's inputs as its ``forward`` (and its docstring) calls them: ("a", "b") for Mul."""
    count = len(fn.inputs)
    names, rest = _forward_arg_names(type(fn))
    if len(names) >= count:
        return names[:count]
    rest = rest or "x"
    return names + tuple(f"{rest}[{i}]" for i in range(count - len(names)))


def tensor_role(tensor: Tensor, root: Tensor) -> str:
    if tensor is root:
        return "output"
    if tensor.grad_fn is not None:
        return "intermediate"
    return "parameter" if tensor.requires_grad else "input"


def output_tensors(root: Tensor) -> dict[Function, Tensor]:
    """The tensor each op produced: ``root`` for the last op, otherwise an input of a later op."""
    outputs: dict[Function, Tensor] = {}
    if root.grad_fn is not None:
        outputs[root.grad_fn] = root
    for fn in forward_order(root):
        for tensor in fn.inputs:
            if tensor.grad_fn is not None:
                outputs[tensor.grad_fn] = tensor
    return outputs


# ---- the walk -----------------------------------------------------------------------------------


@dataclass(eq=False)
class _Unit:
    """What one node of the picture stands for: one op, or every op of a closed module call (a box)."""

    key: str
    box: Call | None
    ops: list[Function] = field(default_factory=list)
    inputs: list[tuple[Tensor, str, bool]] = field(default_factory=list)  # (tensor, argument, needs grad)
    outputs: list[Tensor] = field(default_factory=list)


def _units(order: list[Function], op_key: dict[Function, str], box_of: dict[Function, Call],
           output_of: dict[Function, Tensor], root: Tensor) -> dict[str, _Unit]:
    """The picture's op-like nodes in forward order, with the tensors that go in and come out of each."""
    units: dict[str, _Unit] = {}
    made_in: dict[int, str] = {}
    for fn in order:
        box = box_of.get(fn)
        unit = units.setdefault(box.key if box else op_key[fn], _Unit(box.key if box else op_key[fn], box))
        unit.ops.append(fn)
        made_in[id(output_of[fn])] = unit.key
    used_by: dict[int, set[str]] = {}
    for unit in units.values():
        for fn in unit.ops:
            labels = arg_names(fn) if len(fn.inputs) > 1 and unit.box is None else ("",) * len(fn.inputs)
            for tensor, label, needed in zip(fn.inputs, labels, fn.needs_input_grad, strict=True):
                if made_in.get(id(tensor)) != unit.key:  # made and used inside one box: not drawn
                    used_by.setdefault(id(tensor), set()).add(unit.key)
                    unit.inputs.append((tensor, label, bool(needed)))
    for unit in units.values():
        if unit.box is not None:  # one edge per tensor; a leaf only this call uses, not given, stays inside
            given = {id(t) for t in unit.box.args}
            merged: dict[int, tuple[Tensor, str, bool]] = {}
            for tensor, _, needed in unit.inputs:
                if tensor.grad_fn is None and used_by[id(tensor)] == {unit.key} and id(tensor) not in given:
                    continue
                merged[id(tensor)] = (tensor, "", needed or merged.get(id(tensor), (0, 0, False))[2])
            unit.inputs = list(merged.values())
        unit.outputs = [output_of[fn] for fn in unit.ops
                        if output_of[fn] is root or id(output_of[fn]) in used_by]
    return units


def _nearest_first(units: dict[str, _Unit], root: Tensor,
                   max_nodes: int | None) -> tuple[list[str], set[int]]:
    """Breadth-first from the loss (the nodes backward reaches first), as many as ``max_nodes`` allows:
    the units kept, and the tensors they draw."""
    made_in = {id(t): unit.key for unit in units.values() for t in unit.outputs}
    drawn_ids, kept = {id(root)}, []
    first = made_in.get(id(root))
    queue, seen = deque([first] if first else []), {first}
    while queue:
        unit = units[queue.popleft()]
        new = ({id(t) for t, _, _ in unit.inputs} | {id(t) for t in unit.outputs}) - drawn_ids
        if max_nodes is not None and len(drawn_ids) + len(kept) + 1 + len(new) > max_nodes and kept:
            break
        kept.append(unit.key)
        drawn_ids |= new
        for tensor, _, _ in unit.inputs:
            producer = made_in.get(id(tensor))
            if producer is not None and producer not in seen:
                seen.add(producer)
                queue.append(producer)
    return kept, drawn_ids


def _clusters(spec: GraphSpec, calls: Calls, units: dict[str, _Unit], kept: set[str]) -> None:
    """The open module calls as frames: which frame each drawn node sits in (none: the top level)."""
    def frame(call: Call | None) -> str | None:
        return None if call is None else "cluster_" + call.key

    home: dict[str, Call | None] = {}
    for key in kept:
        unit = units[key]
        home[key] = unit.box.parent if unit.box is not None else calls.owner.get(unit.ops[0])
        for tensor in unit.outputs:
            home.setdefault(f"t{spec.number[id(tensor)]}", home[key])
    for node in spec.tensors:  # a leaf sits in the innermost frame around every node that uses it
        if node.key not in home:
            around = [home[e.target] for e in spec.edges if e.source == node.key]
            chains = [list(call.chain()) if call else [] for call in around]
            common = [c for c in chains[0] if all(c in chain for chain in chains)] if chains else []
            inner = common[0] if common else None
            while inner is not None and any(t is node.tensor for t in inner.args):  # given it: from outside
                inner = inner.parent
            home[node.key] = inner
    used = {call for call in home.values() if call is not None}
    for call in list(used):
        used.update(call.chain())
    spec.cluster_of = {key: frame(call) for key, call in home.items() if call is not None}
    spec.clusters = [ClusterNode(frame(call), call, call.name, call.kind, frame(call.parent))
                     for call in calls.calls if call in used]


def build_graph(
    root: Tensor,
    names: Mapping[str, Any] | None = None,
    params: Any = None,
    max_nodes: int | None = MAX_NODES,
    *,
    expressions: bool = False,
    expand: Any = None,
    model: Any = None,
) -> GraphSpec:
    """Collect the tensors, ops and edges behind ``root``, at most ``max_nodes`` of them.

    When the graph is bigger, the nodes nearest to ``root`` are kept and ``hidden_nodes`` counts
    the rest (the picture then says "… N more nodes not drawn"). ``names`` and ``expressions`` are
    ``tensor_names``'s. The ops of each ``nn.Module`` call are one box (``boxes``) unless the call is open:
    the outermost calls, those ``expand`` names (``["blocks.0.sa"]``) and the calls around them; an open
    call is a frame (``clusters``) around what it made. ``model`` names the calls (``modules.model_names``).
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(root).__name__}")
    if max_nodes is not None and max_nodes < 2:
        raise ValueError(f"max_nodes must be at least 2 (one op and its output), got {max_nodes}")
    order = forward_order(root)
    calls = find_calls(order, model_names(model, {}))
    display = tensor_names(root, names, params, expressions=expressions, calls=calls)
    output_of = output_tensors(root)
    op_key = {fn: f"op{i}" for i, fn in enumerate(order)}
    box_of = hidden_in(calls, opened(calls, expand))
    units = _units(order, op_key, box_of, output_of, root)
    kept, drawn_ids = _nearest_first(units, root, max_nodes)

    number: dict[int, int] = {}  # every tensor's place in forward order: its key is the same in every view
    every: dict[int, Tensor] = {}
    for tensor in itertools.chain.from_iterable([*fn.inputs, output_of[fn]] for fn in order):
        number.setdefault(id(tensor), len(number))
        every[id(tensor)] = tensor
    number.setdefault(id(root), len(number))
    every[id(root)] = root
    drawable = {id(root)} | {id(t) for u in units.values() for t in [*(i[0] for i in u.inputs), *u.outputs]}

    tensors = [TensorNode(f"t{number[i]}", every[i], display[i], tensor_role(every[i], root))
               for i in sorted(drawn_ids, key=number.__getitem__)]
    key_of = {id(node.tensor): node.key for node in tensors}
    kept_set = set(kept)
    ops, boxes, edges, shown_as = [], [], [], {}
    for unit in units.values():
        if unit.key not in kept_set:
            continue
        if unit.box is None:
            ops.append(OpNode(unit.key, unit.ops[0], unit.ops[0].op_name(), op_rule(unit.ops[0])))
        else:
            boxes.append(BoxNode(unit.key, unit.box, unit.box.name, unit.box.kind, summary(unit.box)))
        shown_as.update((fn, unit.key) for fn in unit.ops)
        edges += [Edge(key_of[id(t)], unit.key, label, needed) for t, label, needed in unit.inputs]
        edges += [Edge(unit.key, key_of[id(t)]) for t in unit.outputs]
    made_in = {id(t): unit.key for unit in units.values() for t in unit.outputs}
    hidden_inputs = [node.key for node in tensors if made_in.get(id(node.tensor), None) not in (None, *kept)]
    total = len(units) + len(drawable)
    spec = GraphSpec(tensors, ops, edges, next(n for n in tensors if n.tensor is root), total,
                     total - len(tensors) - len(kept), hidden_inputs, boxes, shown_as=shown_as, number=number,
                     op_keys=op_key, calls=calls)
    _clusters(spec, calls, units, kept_set)
    return spec


def leaves(root: Tensor) -> Iterable[Tensor]:
    """The leaf tensors behind ``root`` (each once), in forward order."""
    seen: set[int] = set()
    for fn in forward_order(root):
        for tensor in fn.inputs:
            if tensor.grad_fn is None and id(tensor) not in seen:
                seen.add(id(tensor))
                yield tensor
