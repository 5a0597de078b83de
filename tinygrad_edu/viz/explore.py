"""Step through backward in a browser or a notebook: ``explore(loss)``.

``explore`` runs backward as ``trace_backward`` does (the leaves get ``.grad`` as with ``loss.backward()``)
and returns a ``BackwardExplorer``: one self-contained HTML page (the graph as inline SVG, the steps as
data, a little JavaScript; nothing is fetched from a network). Jupyter shows it inline; ``.save(path)``
writes it to a file. At each step the page highlights the op, shows the gradient arriving at its
output, its rule, the gradients it sends, and the running ``.grad`` of the leaves.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import page, wasm
from .graph import MAX_NODES, GraphSpec, build_graph, forward_order, leaves, output_tensors, tensor_names
from .modules import find_calls
from .names import model_or_callers, names_or_callers
from .stats import PREVIEW_SIZE, array_stats, format_shape
from .trace import BackwardStep, gradient_updates, send_notes, trace_backward
from .views import MAX_VIEWS, page_views, plan

_counter = itertools.count()


class BackwardExplorer:
    """An interactive page that steps through the backward pass recorded in ``steps``.

    Made by ``explore(loss)``; or from steps you already have: ``BackwardExplorer(loss, trace_backward(
    loss))``. ``earlier_grads`` (id(leaf) -> array) are the leaves' ``.grad`` before that backward, which
    its gradients were added to.
    """

    def __init__(
        self,
        loss: Tensor,
        steps: Sequence[BackwardStep],
        names: Mapping[str, Any] | None = None,
        params: Any = None,
        *,
        earlier_grads: Mapping[int, np.ndarray] | None = None,
        rankdir: str = "TB",
        max_nodes: int | None = MAX_NODES,
        preview: int = PREVIEW_SIZE,
        expand: Any = None,
        model: Any = None,
        max_views: int = MAX_VIEWS,
    ) -> None:
        if not isinstance(loss, Tensor):
            raise TypeError(f"BackwardExplorer: loss must be a Tensor, got {type(loss).__name__}")
        if not steps or not all(isinstance(step, BackwardStep) for step in steps):
            raise TypeError("BackwardExplorer: steps must be the list trace_backward(loss) returned")
        if not isinstance(max_views, int) or max_views < 1:
            raise ValueError(f"BackwardExplorer: max_views must be a whole number, at least 1, "
                             f"not {max_views!r}")
        self.loss, self.steps = loss, list(steps)
        names, model = names_or_callers(names, params), model_or_callers(model)
        views = plan(find_calls(forward_order(loss), model), expand, max_views)
        spec = build_graph(loss, names, params, max_nodes, expressions=True, expand=views[0].expand,
                           model=model)
        display = tensor_names(loss, names, params, expressions=True, calls=spec.calls)
        self.data = _page_data(loss, self.steps, display, spec, dict(earlier_grads or {}), preview)
        self.data["views"] = page_views(views, lambda view: build_graph(
            loss, names, params, max_nodes, expressions=True, expand=view.expand, model=model))
        # each view's SVG, drawn by `dot` (or, in Pyodide, WebAssembly); without `dot` its DOT source, which
        # the browser draws (viz/wasm.py); neither: no picture, and self.missing says why
        self.views: list[str | None] = []
        self.dots: list[str | None] = []
        for view in views:
            svg, dot, self.missing = _picture(loss, names, params, rankdir, max_nodes, preview,
                                              self.data["loss"], view.expand, model)
            self.views.append(svg)
            self.dots.append(dot)
        self.svg = self.views[0]

    def __repr__(self) -> str:
        ops = " → ".join(step.op for step in self.steps[:8]) + (" → …" if len(self.steps) > 8 else "")
        return (f"BackwardExplorer({len(self.steps)} steps from {self.data['loss']}: {ops}); shown inline "
                f"in Jupyter, or .save('backward.html') and open it in a browser")

    def fragment(self, focus: bool = False, wide: bool = False, standalone: bool = False) -> str:
        """The explorer as an HTML fragment (a ``<div>`` with its style and script).

        ``wide``: it may take more than a notebook column (1000 px), to put the panel beside the picture.
        ``standalone``: for a page of its own (without ``dot``, the page then carries the WebAssembly
        Graphviz that draws its pictures, once).
        """
        data = json.dumps(self.data, ensure_ascii=False)
        # unique on a page (the counter) and across kernel restarts (the content), yet reproducible
        content = "".join([data, *(svg or dot or "" for svg, dot in zip(self.views, self.dots))])
        digest = hashlib.sha1(content.encode("utf-8")).hexdigest()[:10]
        root_id = f"tgx-{digest}-{next(_counter)}"
        data = data.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
        pictures = [svg if svg is not None else wasm.html(dot, standalone=standalone and i == 0)
                    for i, (svg, dot) in enumerate(zip(self.views, self.dots))]
        picture = "".join(f'<div data-part="view" data-view="{i}"{" hidden" if i else ""}>{svg}</div>'
                          for i, svg in enumerate(pictures)) if self.missing == "" \
            else f"<p class='note'>{html.escape(self.missing)}</p>"
        return (f'<div class="tgx{" wide" if wide else ""}" id="{root_id}" tabindex="0" '
                f'data-focus="{"yes" if focus else "no"}">'
                f"<style>{page.STYLE}</style>{page.BODY.replace('PICTURE', picture)}"
                f'<script type="application/json" data-part="data">{data}</script>'
                f"<script>{page.SCRIPT.replace('ROOT_ID', json.dumps(root_id))}</script></div>")

    def _repr_html_(self) -> str:
        return self.fragment()

    def html(self) -> str:
        """A whole HTML page, for a browser."""
        title = html.escape(f"Backward through {self.data['loss']}: {len(self.steps)} steps")
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
                f"<body>{self.fragment(focus=True, wide=True, standalone=True)}</body></html>\n")

    def save(self, path: str | Path) -> Path:
        """Write the page to ``path`` (``.html``) and return the path."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"BackwardExplorer.save: {str(path)!r} should end in .html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html(), encoding="utf-8")
        return path


def explore(
    loss: Tensor,
    names: Mapping[str, Any] | None = None,
    params: Any = None,
    *,
    rankdir: str = "TB",
    max_nodes: int | None = MAX_NODES,
    preview: int = PREVIEW_SIZE,
    retain_graph: bool = False,
    expand: Any = None,
    model: Any = None,
    max_views: int = MAX_VIEWS,
) -> BackwardExplorer:
    """Run backward on ``loss`` (as ``loss.backward()``, traced) and return a page that steps through it.

    Tensors are named as in ``draw_graph``: after the caller's variables, or by ``names`` (a dict name →
    Tensor, or ``globals()``; ``names={}``: numbered) and ``params`` (a Module or dict). In Jupyter the
    result shows inline; ``.save("backward.html")`` writes a page.

    The ops of each ``nn.Module`` call are one box, as in ``draw_graph`` (``expand`` and ``model`` are its);
    clicking a box opens it, clicking the label of an open call's frame closes it, and "◀ box" / "box ▶"
    step backward box by box. The pictures are drawn beforehand: one per module call, the biggest first,
    ``max_views`` in all (a box beyond them says how to draw it).
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"explore: loss must be a Tensor, got {type(loss).__name__}")
    if loss.grad_fn is None:
        raise RuntimeError("explore: this tensor was not made by an op (it has no grad_fn), so there is no "
                           "backward to step through; did you forget requires_grad_() on the parameters?")
    earlier = {id(t): t.grad._data.copy() for t in leaves(loss) if t.grad is not None}
    names = names_or_callers(names, params)  # once: the trace, the table and the picture use the same
    model = model_or_callers(model)
    steps = trace_backward(loss, file=None, names=names, params=params, retain_graph=retain_graph,
                           preview=preview, expressions=True, model=model)
    return BackwardExplorer(loss, steps, names, params, earlier_grads=earlier, rankdir=rankdir,
                            max_nodes=max_nodes, preview=preview, expand=expand, model=model,
                            max_views=max_views)


def _page_data(loss: Tensor, steps: list[BackwardStep], display: dict[int, str], spec: GraphSpec,
               earlier: dict[int, np.ndarray], preview: int) -> dict:
    """What the page's script needs, as plain JSON: tensors by number, and each step's changes."""
    tensors: list[dict] = []
    number: dict[int, int] = {}

    def ref(tensor: Tensor) -> int:
        if id(tensor) not in number:
            number[id(tensor)] = len(tensors)
            tensors.append({"name": display.get(id(tensor), "?"), "key": spec.key_of(tensor),
                            "shape": format_shape(tensor.shape), "needs_grad": tensor.requires_grad})
        return number[id(tensor)]

    def summary(array: np.ndarray) -> str:
        return array_stats(array, preview).summary()

    for fn in forward_order(loss):  # the table lists the tensors in the order forward made them
        for tensor in fn.inputs:
            ref(tensor)
    seed = summary(steps[0].grad_out_array)
    initial = {str(ref(loss)): [seed, "complete"]}  # str keys: as JSON has them
    initial.update((str(number[key]), [summary(grad), "earlier"]) for key, grad in earlier.items())
    outputs = output_tensors(loss)
    page_steps = []
    for step, updates in zip(steps, gradient_updates(steps), strict=True):
        sends = [{"arg": arg, "tensor": ref(tensor), "grad": None if stats is None else stats.summary(),
                  "note": note}
                 for arg, tensor, stats, note in zip(step.arg_names, step.fn.inputs, step.grads_in,
                                                     send_notes(step), strict=True)]
        changes = [[ref(tensor), summary(running + earlier[id(tensor)] if id(tensor) in earlier else running),
                    complete] for tensor, running, complete in updates]
        call = spec.calls.owner.get(step.fn) if spec.calls is not None else None
        page_steps.append({"op": step.op, "key": spec.key_of(step.fn), "rule": step.rule,
                           "module": f"{call.name} ({call.kind})" if call is not None else None,
                           "output": ref(outputs[step.fn]), "arriving": step.grad_out.summary(),
                           "sends": sends, "updates": changes})
    return {"loss": display.get(id(loss), "loss"), "output": ref(loss), "value": summary(loss._data),
            "seed": seed, "tensors": tensors,
            "leaves": [number[id(t)] for t in leaves(loss) if t.requires_grad], "initial": initial,
            "steps": page_steps}


def _picture(loss: Tensor, names: Any, params: Any, rankdir: str, max_nodes: int | None, preview: int,
             loss_name: str, expand: Any = None, model: Any = None) -> tuple[str | None, str | None, str]:
    """The graph as inline SVG, or else its DOT source for the browser to draw (without `dot`), or neither
    and why not (no graphviz package)."""
    try:
        import graphviz

        from .render import draw_graph
    except ImportError as error:
        return None, None, f"(No picture: {error})"
    graph = draw_graph(loss, names, params, rankdir, max_nodes=max_nodes, preview=preview, show_grads=False,
                       title=f"Backward through {loss_name}, step by step", expand=expand, model=model)
    try:
        svg = graph.pipe(format="svg").decode("utf-8")
    except (graphviz.ExecutableNotFound, OSError):  # no `dot` (Pyodide: no programs): WebAssembly draws it
        svg = wasm.svg(graph.source)
        if svg is None:
            return None, graph.source, ""
    return re.sub(r"<!--.*?-->\n?", "", svg[svg.index("<svg"):], flags=re.S), None, ""  # comments: ~10 %
