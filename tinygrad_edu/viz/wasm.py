"""Graphs without Graphviz's ``dot`` program: Graphviz compiled to WebAssembly draws the DOT source.

When ``dot`` is missing or cannot run (a laptop without Graphviz, Colab before ``apt-get``, Pyodide, where
no program can run at all), the pictures are still drawn, by Graphviz itself compiled to WebAssembly: the
npm package ``@viz-js/viz`` 3.31.0 (MIT; it carries Graphviz, EPL), shipped in ``vendor/`` with its
licence. Two ways:

* in Pyodide (JupyterLite), Python itself runs in a JavaScript engine: ``svg(source)`` draws there and
  returns the SVG, so a notebook shows a plain SVG and ``render_graph`` writes ``.svg`` files;
* anywhere else, the browser that shows the notebook or the page draws it: ``html(source)`` is a
  ``<div>`` that draws ``source`` when it is shown. The library (1.3 MB) travels with the first such
  ``<div>`` of a kernel (or of a page), and the later ones use it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

LIBRARY = Path(__file__).with_name("vendor") / "viz-global.js"
LIBRARY_SHA256 = "c9e0b310f9883910e01c66054b48b7ff4be3d8695141116635e72b0af152692e"  # @viz-js/viz 3.31.0
EVENT = "tinygrad-edu-picture"  # sent (bubbling) by a picture's <div> once the browser has drawn it
WAIT_SECONDS = 30  # how long a picture waits for the library that an earlier output brings

_state: dict[str, Any] = {"sent": False, "instance": None, "pending": None}
_counter = itertools.count()


@cache
def library() -> str:
    """The text of viz-global.js, checked against its pinned SHA-256."""
    data = LIBRARY.read_bytes()
    if hashlib.sha256(data).hexdigest() != LIBRARY_SHA256:
        raise RuntimeError(f"{LIBRARY} is not the @viz-js/viz 3.31.0 file it should be (SHA-256 differs)")
    return data.decode("utf-8")


# ---- in Pyodide: draw here ----------------------------------------------------------------------


def svg(source: str) -> str | None:
    """The SVG of the DOT ``source``, drawn in this process's JavaScript engine: only in Pyodide, and only
    once the WebAssembly module is ready (``preload`` starts it; None until then, and outside Pyodide)."""
    instance = _instance()
    if instance is None:
        return None
    import js
    from pyodide.ffi import to_js

    return str(instance.renderString(source, to_js({"format": "svg"}, dict_converter=js.Object.fromEntries)))


def preload() -> None:
    """In Pyodide: start compiling the WebAssembly module, so that it is ready by the next cell."""
    if sys.platform == "emscripten":
        _instance()


def _instance() -> Any:
    if sys.platform != "emscripten":
        return None
    if _state["instance"] is None:
        import js
        from pyodide.ffi import can_run_sync, create_once_callable, run_sync

        if _state["pending"] is None:
            if not hasattr(js, "Viz"):
                js.eval(library())  # defines Viz on the worker's global object
            _state["pending"] = js.Viz.instance()
            _state["pending"].then(create_once_callable(lambda instance: _state.update(instance=instance)))
        if can_run_sync():  # JavaScript promise integration: wait for it here
            _state["instance"] = run_sync(_state["pending"])
    return _state["instance"]


# ---- elsewhere: the browser draws ---------------------------------------------------------------

_LOADER = """
(function (id, waitSeconds, eventName) {
  const box = document.getElementById(id);
  const note = box.querySelector("[data-part=wait]");
  const source = JSON.parse(box.querySelector("script[data-part=dot]").textContent);
  function draw(viz) {
    const picture = viz.renderSVGElement(source);
    note.replaceWith(picture);
    box.dispatchEvent(new CustomEvent(eventName, {bubbles: true}));
  }
  function fail(why) { note.textContent = "(The graph was not drawn: " + why + ")"; }
  const started = Date.now();
  (function wait() {
    if (!window.tinygradEduViz && window.Viz) window.tinygradEduViz = window.Viz.instance();
    if (window.tinygradEduViz) window.tinygradEduViz.then(draw).catch((error) => fail(String(error)));
    else if (Date.now() - started < 1000 * waitSeconds) setTimeout(wait, 100);
    else fail("the renderer comes with the first graph of this kernel, which is not on this page; " +
              "run tinygrad_edu.viz.wasm.send_again() and this cell again");
  })();
})(__ID__, __WAIT__, __EVENT__);
"""


def send_again() -> None:
    """Let the next picture carry the library again (the page that had it was reloaded or cleared)."""
    _state["sent"] = False


def html(source: str, *, standalone: bool = False) -> str:
    """A ``<div>`` that draws the DOT ``source`` in the browser that shows it.

    It carries the library when ``standalone`` (a page of its own), the first time in this process (a
    notebook's kernel: its later pictures use the library the first one brought), and always on Colab,
    which shows every output in a frame of its own.
    """
    carry = standalone or not _state["sent"] or "google.colab" in sys.modules
    _state["sent"] = True
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:10]
    box_id = f"tg-viz-{digest}-{next(_counter)}"  # unique on a page, reproducible in a rerun
    data = json.dumps(source).replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    # the library inside a function whose parameters hide a page's AMD loader or CommonJS names
    lib = f"<script>(function (define, module, exports) {{\n{library()}\n}}).call(window);</script>" \
        if carry else ""
    loader = _LOADER.replace("__ID__", json.dumps(box_id)).replace("__WAIT__", str(WAIT_SECONDS)) \
        .replace("__EVENT__", json.dumps(EVENT))
    return (f'<div class="tg-viz" id="{box_id}"><p data-part="wait" style="color: #666">(drawing the graph '
            f"with Graphviz compiled to WebAssembly…)</p>"
            f'<script type="application/json" data-part="dot">{data}</script>{lib}'
            f"<script>{loader}</script></div>")


def mimebundle(source: str, advice: str) -> dict[str, str]:
    """What Jupyter shows for a graph when ``dot`` cannot run: an SVG drawn here (Pyodide), else a
    ``<div>`` the browser draws, with ``advice`` as the plain-text version."""
    drawn = svg(source)
    if drawn is not None:
        return {"image/svg+xml": drawn}
    return {"text/html": html(source),
            "text/plain": "(Graphviz's `dot` program was not found: the graph is drawn in the browser by "
                          f"Graphviz compiled to WebAssembly.)\n{advice}"}
