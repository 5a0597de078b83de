"""Pictures of the graph: ``draw_graph`` builds a ``graphviz.Digraph``, ``render_graph`` saves it.

Every label is an HTML-like graphviz label, and every piece of text in it goes through ``escape``, so
tensor names such as ``<b>|{x}"\\n`` appear exactly as written.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import wasm
from .errors import INSTALL_DOT, MISSING_PACKAGE, GraphvizNotFoundError, dot_available
from .graph import MAX_NODES, ROLES, BoxNode, ClusterNode, GraphSpec, TensorNode, build_graph
from .names import model_or_callers, names_or_callers
from .stats import PREVIEW_SIZE, array_stats, format_shape
from .trace import backward_ran

try:
    import graphviz
except ImportError as error:  # graphviz is optional: only the pictures need it
    raise ImportError(MISSING_PACKAGE) from error

#: file extension -> what render_graph writes
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

STYLE = {  # fill colour, border colour of each kind of node
    "parameter": ("#fde3a7", "#b36b00"),
    "input": ("#eeeeee", "#777777"),
    "intermediate": ("#dcebf7", "#3d6e99"),
    "output": ("#d4efd4", "#2e7d32"),
    "op": ("#ffffff", "#333333"),
    "module": ("#ede7f6", "#5e35b1"),  # a closed module call: one box for all its ops
    "highlight": ("#ffd6d6", "#d00000"),
}
GRAD_COLOR = "#b00000"
STALE_COLOR = "#888888"  # a .grad that does not belong to the drawn graph's backward
PIXELS_PER_INCH = 96  # CSS pixels: a notebook shows a picture w points wide as w * 96/72 pixels
SMALL = 10  # font size of the detail lines
MODULE_WRAP = 24  # in pictures of modules, longer value lines are cut (heads side by side stay narrow)
wasm.preload()  # Pyodide: Graphviz compiled to WebAssembly gets ready while the notebook goes on


class GraphPicture(graphviz.Digraph):
    """A ``graphviz.Digraph`` that Jupyter shows inline; drawn by Graphviz compiled to WebAssembly when
    ``dot`` is missing (``viz/wasm.py``)."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
        try:
            return super()._repr_mimebundle_(include, exclude, **kwargs)
        except (graphviz.ExecutableNotFound, OSError):  # OSError: Pyodide runs no programs at all
            return wasm.mimebundle(self.source, INSTALL_DOT)


# ---- labels ---------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape(text: Any, limit: int = 80) -> str:
    """Text made safe inside an HTML-like graphviz label.

    ``& < > "`` become entities, backslashes are doubled (graphviz would read ``\\N`` as the node's
    id even inside an HTML label), control characters are shown as ``\\xNN``; very long text is cut.
    """
    text = str(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = html.escape(text, quote=True).replace("\\", "\\\\")
    return text.replace("\n", "<BR/>").replace("\t", " ")


def _row(text: str, *, bold: bool = False, small: bool = True, color: str | None = None) -> str:
    """One line of a label; ``text`` must already be escaped."""
    if bold:
        text = f"<B>{text}</B>"
    attrs = (f' POINT-SIZE="{SMALL}"' if small else "") + (f' COLOR="{color}"' if color else "")
    if attrs:
        text = f"<FONT{attrs}>{text}</FONT>"
    return f"<TR><TD>{text}</TD></TR>"


def _table(rows: list[str]) -> str:
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def _wrapped(text: str, width: int | None) -> list[str]:
    """``text`` cut at its `` · `` into lines of about ``width`` characters (None: one line)."""
    if width is None or len(text) <= width:
        return [text]
    lines = [""]
    for part in text.split(" · "):
        lines[-1:] = [lines[-1] + " · " + part] if lines[-1] and len(lines[-1]) + len(part) < width \
            else [lines[-1], part] if lines[-1] else [part]
    return lines


def _tensor_label(node: TensorNode, grad: tuple | None, missing: str | None, preview: int,
                  stale: bool = False, wrap: int | None = None, name: str | None = None) -> str:
    """Name, shape and dtype, values, and the gradient (or ``missing`` saying why there is none).

    ``stale``: the gradient is a ``.grad`` left by an earlier backward, not this graph's (shown in grey).
    ``wrap``: long value lines are cut at their `` · `` into lines of about this many characters; ``name``:
    the name to show, when not the node's own.
    """
    tensor = node.tensor
    data = tensor._data
    kind = {"parameter": "parameter", "input": "leaf, no grad", "intermediate": "", "output": "output"}
    kind = kind[node.role]
    details = f"{format_shape(data.shape)} {data.dtype}" + (f" · {kind}" if kind else "")
    rows = [_row(escape(node.name if name is None else name), bold=True, small=False), _row(escape(details))]
    rows += [_row(escape(line)) for line in _wrapped("value " + array_stats(data, preview).summary(), wrap)]
    if grad is not None:
        array, complete = grad
        words = "grad from an earlier backward " if stale else "grad " if complete else "grad so far "
        rows += [_row(escape(line), color=STALE_COLOR if stale else GRAD_COLOR)
                 for line in _wrapped(words + array_stats(array, preview).summary(), wrap)]
    elif missing is not None and tensor.requires_grad:
        rows.append(_row(escape(missing), color="#888888"))
    return _table(rows)


def _op_label(op: str, rule: str, show_rules: bool) -> str:
    rows = [_row(escape(op), bold=True, small=False)]
    if show_rules and rule:
        for part in rule.split(";", 1):
            rows.append(_row(escape(part.strip(), limit=70)))
    return _table(rows)


def _inside(name: str, frame: str | None) -> str:
    """``name`` as seen inside the frame of call ``frame``: ``heads.0(…)`` in ``blocks.0.sa`` (but
    ``blocks.0``, not ``0``: a bare number says too little)."""
    rest = name[len(frame) + 1:] if frame and name.startswith(frame + ".") else ""
    return rest if rest[:1].isalpha() else name


def _box_label(box: BoxNode, frame: str | None) -> str:
    inside = frame and box.name.startswith(frame + ".")
    short = box.name[len(frame) + 1:] if inside else box.name  # a bare "0" is fine on a box
    return _table([_row(escape(short), bold=True, small=False), _row(escape(box.kind)),
                   *(_row(escape(line)) for line in _wrapped(box.summary, MODULE_WRAP))])


def _place(graph: graphviz.Digraph, nodes: dict, clusters: list[ClusterNode], parent: str | None) -> None:
    """Draw the nodes of frame ``parent`` (None: the top level), then its inner frames, each a subgraph."""
    for key, label, attrs in nodes.get(parent, []):
        graph.node(key, label, **attrs)
    for cluster in (c for c in clusters if c.parent == parent):
        with graph.subgraph(name=cluster.key) as inner:
            words = f"<B>{escape(cluster.name)}</B> · {escape(cluster.kind)}"
            inner.attr(label=_table([_row(words, small=False)]), style="rounded,dashed",
                       color=STYLE["module"][1], labeljust="l", fontsize="12")
            _place(inner, nodes, clusters, cluster.key)


def _above_frames(graph: graphviz.Digraph, spec: GraphSpec) -> None:
    """A leaf handed to a call from outside (the model's input) goes above the call's frame, not beside it
    (widening it all the way down): invisible edges put the frame's leaves read by its first ops below it."""
    fed = {edge.target for edge in spec.edges}
    first = fed - {edge.target for edge in spec.edges if edge.source in fed}
    leaves = [e for e in spec.edges if e.source not in fed and e.target in spec.cluster_of]
    given = dict.fromkeys(e.source for e in leaves if e.source not in spec.cluster_of)
    for top in dict.fromkeys(e.source for e in leaves if e.source in spec.cluster_of and e.target in first):
        for source in given:
            graph.edge(source, top, style="invis")


def _legend(modules: bool = False, columns: int = 1) -> str:
    """The legend, as an HTML table without its outer ``<>``; ``columns`` entries to a row."""
    def cell(key_cell: str, words: str) -> str:
        return f'{key_cell}<TD ALIGN="LEFT"><FONT POINT-SIZE="{SMALL}">{escape(words)}</FONT></TD>'

    swatch = '<TD BGCOLOR="{}" COLOR="{}" BORDER="1" WIDTH="18"{}> </TD>'
    cells = [cell(swatch.format(*STYLE[role], ""), words) for role, words in ROLES.items()]
    cells.append(cell(swatch.format(*STYLE["op"], ' STYLE="ROUNDED"'), "op (with its derivative rule)"))
    cells.append(cell(f'<TD><FONT COLOR="{GRAD_COLOR}" POINT-SIZE="{SMALL}">red</FONT></TD>',
                      "gradient: d output / d this tensor"))
    cells.append(cell(f'<TD><FONT POINT-SIZE="{SMALL}">- - -</FONT></TD>', "no gradient flows back along it"))
    if modules:
        cells.append(cell(swatch.format(*STYLE["module"], ""), "a module call: its ops in one box"))
        cells.append(cell(swatch.format("#ffffff", STYLE["module"][1], ' STYLE="DASHED"'),
                          "an open call: expand=[its name]"))
    rows = ["<TR>" + "".join(cells[i:i + columns]) + "</TR>" for i in range(0, len(cells), columns)]
    return ('<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2" COLOR="#999999">'
            f'<TR><TD COLSPAN="{2 * columns}"><B>legend</B></TD></TR>' + "".join(rows) + "</TABLE>")


# ---- the picture ----------------------------------------------------------------------------------


def _gradients(spec: GraphSpec, grads: Sequence | None, step: int | None, root: Tensor) -> dict[int, tuple]:
    """id(tensor) -> (gradient, complete) for the tensors whose gradient we know."""
    if grads is not None:
        from .trace import gradients_at

        return gradients_at(grads, root, step)
    known = {}
    for node in spec.tensors:
        grad = node.tensor._grad  # not .grad: that warns for a non-leaf, which a picture is not asking
        if grad is not None:  # a leaf after backward, or a non-leaf that called retain_grad()
            known[id(node.tensor)] = (grad._data, True)
    return known


def _title(spec: GraphSpec, known: dict, grads: Sequence | None, step: int | None, ran: bool) -> str:
    root = spec.root.name
    if grads is not None and step is not None and step < len(grads):
        if step == 0:
            return f"Backward starts: d {root}/d {root} = 1, no op has run yet"
        current = grads[step - 1]
        return (f"Backward step {step} of {len(grads)}: {current.op} (red) got the gradient of its output "
                f"and sent gradients to its inputs")
    if grads is not None:
        return f"After backward: every gradient d {root}/d tensor in red (recorded by trace_backward)"
    zeroed = bool(known) and not any(np.any(array) for array, _ in known.values())
    if ran and zeroed:
        return (f"After backward through {root}, but every .grad is zero now: zeroed since (zero_grad()), "
                f"so this backward's gradients are gone")
    if ran and known:
        return (f"After backward: gradients in red. Non-leaf gradients are not kept (as in PyTorch): "
                f"use trace_backward({root}) or retain_grad() to see them")
    if ran:
        return f"After backward through {root}, but the leaves' .grad were cleared since (zero_grad())"
    if known:
        return (f"Forward graph of {root}: backward has not run through it (or ran with retain_graph=True, "
                f"which leaves no trace); the grey .grad of the leaves is from an earlier backward"
                + (" and all zeros (zeroed)" if zeroed else ""))
    return f"Forward graph of {root}: no gradients yet (call backward() or trace_backward())"


def draw_graph(
    root: Tensor,
    names: Mapping[str, Any] | None = None,
    params: Any = None,
    rankdir: str = "TB",
    *,
    grads: Sequence | None = None,
    step: int | None = None,
    max_nodes: int | None = MAX_NODES,
    preview: int = PREVIEW_SIZE,
    show_rules: bool = True,
    legend: bool = True,
    title: str | None = None,
    expressions: bool = True,
    max_width: int | None = 1000,
    show_grads: bool = True,
    expand: Any = None,
    model: Any = None,
) -> GraphPicture:
    """Draw the computation graph behind ``root`` (usually the loss) as a ``graphviz.Digraph``.

    Tensors are boxes (name, shape, dtype, values or min/mean/max, and the gradient once known), ops
    are boxes with their derivative rule, and edges point the way data flows, top to bottom
    (``rankdir="LR"``: left to right). Tensors are named after the variables of the code that calls
    ``draw_graph`` (its locals, then its globals; ``model.weight`` for a Module's parameters), or by
    ``names`` (a dict name → Tensor, or a namespace; ``names={}``: no names) and ``params`` (a Module or a
    dict name → Tensor); unnamed intermediates are called after the expression that made them
    (``expressions=False``: ``t0``, ``t1``, ...). Gradients shown are the
    ``.grad`` of leaves after ``backward()``; pass ``grads=trace_backward(loss)`` to also see those of
    intermediate tensors, and ``step=k`` for the state after the first k backward steps (0: before any).
    Graphs with more than ``max_nodes`` nodes show the part nearest ``root`` and say how much is left out;
    pictures wider than ``max_width`` pixels (a notebook column) are scaled down to fit.

    The ops of each ``nn.Module`` call are drawn as one box named after the module's place in the model
    (``blocks.0.sa``), the model being ``model`` or, when not given, the Module of the caller's variables
    that holds most of the modules called. The outermost calls are drawn open, as a frame around what they
    made; ``expand=["blocks.0.sa"]`` opens that call too (and the calls around it), ``expand=True`` opens
    every call and ``expand=False`` none.
    """
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'TB' (top to bottom) or 'LR' (left to right), "
                         f"not {rankdir!r}")
    if step is not None and (grads is None or not 0 <= step <= len(grads)):
        raise ValueError("draw_graph: step=k needs grads=trace_backward(loss) and 0 <= k <= number of steps")
    if max_width is not None and (not isinstance(max_width, int) or max_width < 100):
        raise ValueError(f"draw_graph: max_width is in pixels and at least 100 (or None), not {max_width!r}")
    names = names_or_callers(names, params)
    spec = build_graph(root, names, params, max_nodes, expressions=expressions, expand=expand,
                       model=model_or_callers(model))
    known = _gradients(spec, grads, step, root) if show_grads else {}
    ran = grads is not None or backward_ran(root)
    highlight = grads[step - 1].fn if grads is not None and step else None

    graph = GraphPicture(name="tinygrad_edu graph", encoding="utf-8")
    graph.attr(rankdir=rankdir, fontname="Helvetica", labelloc="t", labeljust="l", fontsize="14",
               nodesep="0.25", ranksep="0.35")
    if max_width is not None:
        graph.attr(size=f"{max_width / PIXELS_PER_INCH:.4g},1000")
    graph.attr("node", fontname="Helvetica", style="filled", shape="box")
    graph.attr("edge", fontname="Helvetica", fontsize=str(SMALL), arrowsize="0.7")
    words = title if title is not None else _title(spec, known, grads, step, ran)
    modules = bool(spec.boxes or spec.clusters)
    lines = textwrap.wrap(words, 90)  # not wider than the legend, three entries to a row
    heading = [_row("<BR/>".join(escape(line, limit=200) for line in lines), small=False)]
    if legend and modules:  # above the picture, three to a row: beside it, it would widen a wide picture
        heading.append(f"<TR><TD>{_legend(True, columns=3)}</TD></TR>")
    graph.attr(label=_table(heading))

    nodes: dict[str | None, list[tuple[str, str, dict]]] = {}  # the frame each node is drawn in -> nodes
    frames = {cluster.key: cluster.call.qualname for cluster in spec.clusters}
    for node in spec.tensors:
        fill, border = STYLE[node.role]
        extra = {"peripheries": "2"} if node.role == "output" else {}
        if not show_grads:
            missing = None
        elif grads is not None:
            missing = "grad: not reached yet"
        elif ran:  # after a plain backward(): only leaves (and retain_grad() tensors) keep .grad
            missing = "grad not kept (non-leaf)" if node.tensor.grad_fn is not None else "grad: None"
        else:
            missing = None
        label = _tensor_label(node, known.get(id(node.tensor)), missing, preview, stale=not ran,
                              wrap=MODULE_WRAP if modules else None,
                              name=_inside(node.name, frames.get(spec.cluster_of.get(node.key))))
        nodes.setdefault(spec.cluster_of.get(node.key), []).append(
            (node.key, label, dict(fillcolor=fill, color=border, **extra)))
    current = spec.shown_as.get(highlight)  # the op at work, or the box that holds it
    for op in spec.ops:
        fill, border = STYLE["highlight" if op.key == current else "op"]
        nodes.setdefault(spec.cluster_of.get(op.key), []).append(
            (op.key, _op_label(op.op, op.rule, show_rules), dict(
                shape="box", style="filled,rounded", fillcolor=fill, color=border,
                penwidth="3" if op.key == current else "1")))
    for box in spec.boxes:
        fill, border = STYLE["highlight" if box.key == current else "module"]
        nodes.setdefault(spec.cluster_of.get(box.key), []).append(
            (box.key, _box_label(box, frames.get(spec.cluster_of.get(box.key))), dict(
                shape="box", style="filled,bold", fillcolor=fill, color=border,
                penwidth="3" if box.key == current else "2", peripheries="2")))
    _place(graph, nodes, spec.clusters, None)
    _above_frames(graph, spec)
    for edge in spec.edges:
        attrs = {} if edge.needs_grad else {"style": "dashed", "color": "#999999"}
        if current is not None and current in (edge.source, edge.target) and edge.needs_grad:
            attrs.update(color=STYLE["highlight"][1], penwidth="2")
        if edge.label:
            attrs["label"] = f'<<FONT POINT-SIZE="{SMALL}">{escape(edge.label)}</FONT>>'
        graph.edge(edge.source, edge.target, **attrs)

    if spec.hidden_nodes:
        note = f"… {spec.hidden_nodes} more nodes not drawn (max_nodes={max_nodes} of {spec.total_nodes})"
        graph.node("more", _table([_row(escape(note), small=False)]), shape="note", style="dashed")
        for key in spec.hidden_inputs:
            graph.edge("more", key, style="dashed")
    if legend and not modules:
        graph.node("legend", f"<{_legend()}>", shape="plain", style="")
    return graph


# ---- files ----------------------------------------------------------------------------------------


def picture_format(path: str | Path) -> str:
    """``svg``, ``png``, ``pdf`` or ``dot`` from the file's extension; ValueError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: unknown picture format {suffix or '(no extension)'!r}; "
                         f"use one of {', '.join(FORMATS)}")
    return FORMATS[suffix]


def render_graph(graph: graphviz.Digraph, path: str | Path) -> Path:
    """Save ``graph`` to ``path``, in the format its extension names (.svg .png .pdf, or .dot for the source).

    When Graphviz's ``dot`` program is missing, Pyodide still draws ``.svg`` (``viz/wasm.py``); otherwise the
    source is written next to ``path`` (``.dot``) and ``GraphvizNotFoundError`` explains how to install it.
    """
    path = Path(path)
    fmt = picture_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "dot":
        path.write_text(graph.source, encoding="utf-8")
        return path
    if fmt == "png":
        graph = graph.copy()
        graph.attr(dpi="144")
    try:
        data = graph.pipe(format=fmt)
    except (graphviz.ExecutableNotFound, OSError):
        drawn = wasm.svg(graph.source) if fmt == "svg" else None  # Pyodide draws SVG without `dot`
        if drawn is not None:
            path.write_text(drawn, encoding="utf-8")
            return path
        dot_path = path.with_suffix(".dot")
        dot_path.write_text(graph.source, encoding="utf-8")
        raise GraphvizNotFoundError(path, dot_path) from None
    path.write_bytes(data)
    return path


__all__ = ["GraphPicture", "GraphvizNotFoundError", "dot_available", "draw_graph", "escape", "render_graph"]
