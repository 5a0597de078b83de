"""See the graph autograd builds, and watch backward walk it.

* ``draw_graph(loss)`` → a ``graphviz.Digraph`` (shown inline in Jupyter); ``render_graph(graph, "g.svg")``
  saves it (.svg, .png, .pdf, or .dot for the source).
* ``trace_backward(loss)`` runs backward and prints each step; it returns the steps, which
  ``draw_graph(loss, grads=steps, step=k)`` turns into a picture of backward after k steps.
* ``explore(loss)`` runs backward and gives a page that steps through it (buttons, slider, arrow keys):
  inline in Jupyter, or ``.save("backward.html")`` for a browser.

All three name each tensor after the variable it is bound to in the code that calls them (``names={}``: not).
The ops of each ``nn.Module`` call are drawn as one box (``blocks.0.sa``): ``expand=["blocks.0.sa"]`` opens
it in ``draw_graph``, a click opens it in ``explore``.

The pictures need the optional graphviz package (``pip install -e ".[viz]"`` in a clone); Graphviz's program
``dot`` draws them, or, where it is missing, Graphviz compiled to WebAssembly (``wasm.py``) in the browser
(in Pyodide, in the kernel). The trace and ``build_graph`` (the graph as plain data) work without either.
"""

from __future__ import annotations

from typing import Any

from .errors import GraphvizNotFoundError, dot_available
from .explore import BackwardExplorer, explore
from .graph import GraphSpec, build_graph, tensor_names
from .stats import ArrayStats, array_stats
from .trace import BackwardStep, format_trace, gradients_at, trace_backward

# these need the graphviz package, so they are imported on first use (see __getattr__)
_RENDER_NAMES = ("draw_graph", "render_graph", "GraphPicture")

__all__ = [
    "ArrayStats", "BackwardExplorer", "BackwardStep", "GraphSpec", "GraphvizNotFoundError", "array_stats",
    "build_graph", "dot_available", "explore", "format_trace", "gradients_at", "tensor_names",
    "trace_backward", *_RENDER_NAMES,
]


def __getattr__(name: str) -> Any:
    if name in _RENDER_NAMES:
        from . import render  # raises ImportError("... pip install -e ".[viz]" ...") without graphviz

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
