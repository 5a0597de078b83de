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
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..function import Function
from ..tensor import Tensor
from .names import forward_order, parameter_dict, tensor_names

# tensor_names, parameter_dict and forward_order live in names.py; they are imported from here too
__all__ = ["MAX_NODES", "ROLES", "Edge", "GraphSpec", "OpNode", "TensorNode", "arg_names", "build_graph",
           "forward_order", "leaves", "op_rule", "output_tensors", "parameter_dict", "tensor_names"]

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
class GraphSpec:
    """Everything a picture shows, in data-flow order (inputs before the ops that use them)."""

    tensors: list[TensorNode]
    ops: list[OpNode]
    edges: list[Edge]
    root: TensorNode
    total_nodes: int  # tensors + ops in the whole graph
    hidden_nodes: int  # how many of them were left out because of max_nodes
    hidden_inputs: list[str] = field(default_factory=list)  # drawn tensors whose op was left out


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


def _ops_nearest_first(root_fn: Function) -> list[Function]:
    """Breadth-first from the loss: the ops backward reaches first come first."""
    seen = {root_fn}
    queue = deque([root_fn])
    order = []
    while queue:
        fn = queue.popleft()
        order.append(fn)
        for tensor in fn.inputs:
            parent = tensor.grad_fn
            if parent is not None and parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return order


def build_graph(
    root: Tensor,
    names: Mapping[str, Any] | None = None,
    params: Any = None,
    max_nodes: int | None = MAX_NODES,
    *,
    expressions: bool = False,
) -> GraphSpec:
    """Collect the tensors, ops and edges behind ``root``, at most ``max_nodes`` of them.

    When the graph is bigger, the nodes nearest to ``root`` are kept and ``hidden_nodes`` counts
    the rest (the picture then says "… N more nodes not drawn"). ``names`` and ``expressions`` are
    ``tensor_names``'s.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(root).__name__}")
    if max_nodes is not None and max_nodes < 2:
        raise ValueError(f"max_nodes must be at least 2 (one op and its output), got {max_nodes}")
    display = tensor_names(root, names, params, expressions=expressions)
    all_ops = _ops_nearest_first(root.grad_fn) if root.grad_fn is not None else []
    all_tensors = {id(root)} | {id(t) for fn in all_ops for t in fn.inputs}
    total = len(all_tensors) + len(all_ops)

    output_of = output_tensors(root)

    drawn_ids = {id(root)}
    drawn_ops: list[Function] = []
    for fn in all_ops:
        new = {id(t) for t in fn.inputs} - drawn_ids
        if max_nodes is not None and len(drawn_ids) + len(drawn_ops) + 1 + len(new) > max_nodes and drawn_ops:
            break
        drawn_ops.append(fn)
        drawn_ids |= new
    drawn_set = set(drawn_ops)

    # number the nodes in forward order, so pictures read from inputs to loss
    tensors: list[TensorNode] = []
    node_of: dict[int, TensorNode] = {}

    def tensor_node(tensor: Tensor) -> TensorNode:
        key = id(tensor)
        if key not in node_of:
            node = TensorNode(f"t{len(tensors)}", tensor, display[key], tensor_role(tensor, root))
            node_of[key] = node
            tensors.append(node)
        return node_of[key]

    ops: list[OpNode] = []
    edges: list[Edge] = []
    for fn in (fn for fn in forward_order(root) if fn in drawn_set):
        op = OpNode(f"op{len(ops)}", fn, fn.op_name(), op_rule(fn))
        ops.append(op)
        labels = arg_names(fn) if len(fn.inputs) > 1 else ("",) * len(fn.inputs)
        for tensor, label, needed in zip(fn.inputs, labels, fn.needs_input_grad, strict=True):
            edges.append(Edge(tensor_node(tensor).key, op.key, label, bool(needed)))
        edges.append(Edge(op.key, tensor_node(output_of[fn]).key))
    root_node = tensor_node(root)

    hidden_inputs = [node.key for node in tensors if node.tensor.grad_fn is not None
                     and node.tensor.grad_fn not in drawn_set]
    return GraphSpec(tensors, ops, edges, root_node, total, total - len(tensors) - len(ops), hidden_inputs)


def leaves(root: Tensor) -> Iterable[Tensor]:
    """The leaf tensors behind ``root`` (each once), in forward order."""
    seen: set[int] = set()
    for fn in forward_order(root):
        for tensor in fn.inputs:
            if tensor.grad_fn is None and id(tensor) not in seen:
                seen.add(id(tensor))
                yield tensor
