"""Graphs without `dot`: Graphviz compiled to WebAssembly draws them, in Chromium, as `dot` would.

The same checks of widths and labels run on both paths: the SVG `dot` draws (shown by Chromium) and the one
the chrome draws from the DOT source when `dot` is missing. The explorer page without `dot` is clicked
through with the checks of test_viz_explore.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz import explore, trace_backward, wasm
from tinygrad_edu.viz.model import lesson_graph

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
from test_viz_explore import browser, check_step, part  # noqa: E402, F401 (the Chromium that chrome wraps)
from test_viz_graph import NASTY, needs_dot, small_graph  # noqa: E402
from test_viz_notebook import COLUMN_PT  # noqa: E402

from tinygrad_edu.viz.render import SMALL, draw_graph  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def chrome(request):
    """test_viz_explore's headless Chromium (one per module)."""
    return request.getfixturevalue("browser")


@pytest.fixture
def no_dot(tmp_path, monkeypatch):
    """No `dot` on PATH, and a fresh kernel as far as the library is concerned (not sent yet)."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setitem(wasm._state, "sent", False)


# ---- without a chrome ----------------------------------------------------------------------------


def test_the_library_is_the_pinned_file_with_its_licence():
    assert hashlib.sha256(wasm.LIBRARY.read_bytes()).hexdigest() == wasm.LIBRARY_SHA256
    assert wasm.library().startswith("/*!\nViz.js 3.31.0")
    notice = (wasm.LIBRARY.parent / "LICENSE.txt").read_text(encoding="utf-8")
    assert "MIT License" in notice and "Graphviz" in notice and "Eclipse Public License" in notice
    assert '"tinygrad_edu.viz" = ["vendor/*.js", "vendor/*.txt"]' in (ROOT / "pyproject.toml").read_text()


def test_the_library_travels_once_per_kernel(no_dot):
    *_, loss = small_graph()
    first, second = (draw_graph(loss)._repr_mimebundle_() for _ in range(2))
    assert set(first) == {"text/html", "text/plain"} and "brew install graphviz" in first["text/plain"]
    assert wasm.library() in first["text/html"] and wasm.library() not in second["text/html"]
    assert 'digraph \\"tinygrad_edu graph\\"' in second["text/html"]  # the source, as JSON
    wasm.send_again()
    assert wasm.library() in draw_graph(loss)._repr_mimebundle_()["text/html"]


def test_colab_and_pages_of_their_own_always_carry_it(no_dot, monkeypatch):
    *_, loss = small_graph()
    draw_graph(loss)._repr_mimebundle_()
    assert wasm.library() in wasm.html("digraph { a -> b }", standalone=True)
    monkeypatch.setitem(sys.modules, "google.colab", sys)  # Colab shows every output in its own frame
    assert wasm.library() in draw_graph(loss)._repr_mimebundle_()["text/html"]


def test_names_cannot_break_out_of_the_page(no_dot):
    x = tg.tensor([1.0], requires_grad=True)
    fragment = wasm.html(draw_graph((x * 2).sum(), names={"</script><b>x": x}).source)
    assert "</script><b>" not in fragment and "\\u0026lt;/script\\u0026gt;\\u0026lt;b\\u0026gt;x" in fragment


def test_outside_pyodide_nothing_is_drawn_here(no_dot, tmp_path):
    assert wasm.svg("digraph { a -> b }") is None
    *_, loss = small_graph()
    with pytest.raises(tg.viz.GraphvizNotFoundError):  # a file still needs `dot` (or Pyodide)
        tg.viz.render_graph(draw_graph(loss), tmp_path / "g.svg")


def test_explorer_without_dot_carries_the_source(no_dot):
    model = lesson_graph(batch_size=4, seed=0)
    explorer = explore(model.loss, model.names, model.params)
    assert explorer.svg is None and explorer.dots[0].startswith("digraph") and explorer.missing == ""
    page = explorer.html()
    assert page.count(wasm.library()) == 1 and "<svg" not in page.replace(wasm.library(), "")
    assert wasm.library() not in explorer._repr_html_()  # the kernel sent it with the page's first picture


# ---- in Chromium ----------------------------------------------------------------------------------

MEASURE = """
const svg = arguments[0].querySelector("svg");
const scale = svg.querySelector("g").getAttribute("transform").match(/scale\\(([\\d.]+)/)[1];
return [svg.getAttribute("width"), svg.getAttribute("height"), scale,
        Array.from(svg.querySelectorAll("text"), (t) => t.textContent)];
"""


def show(chrome, tmp_path: Path, fragments: list[str]) -> list[tuple[float, float, float, list[str]]]:
    """Open a page of ``fragments`` (one picture each) and read each picture's size (points), scale and
    texts, once every one of them is drawn."""
    boxes = "".join(f'<div class="box">{fragment}</div>' for fragment in fragments)
    page = tmp_path / f"page{time.monotonic_ns()}.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{boxes}</body></html>',
                    encoding="utf-8")
    chrome.get(page.as_uri())
    deadline = time.monotonic() + 30
    count = "return document.querySelectorAll('div.box svg').length"
    while chrome.execute_script(count) < len(fragments) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert chrome.get_log("browser") == []
    found = []
    for box in chrome.find_elements("css selector", "div.box"):
        width, height, scale, texts = chrome.execute_script(MEASURE, box)
        found.append((float(width.removesuffix("pt")), float(height.removesuffix("pt")), float(scale), texts))
    return found


def pictures(graphs, renderer: str, monkeypatch, tmp_path) -> list[str]:
    """What a notebook shows for each graph: dot's SVG, or (no `dot`) the HTML that draws it."""
    if renderer == "dot":
        return [graph._repr_mimebundle_()["image/svg+xml"] for graph in graphs]
    empty = tmp_path / "no-dot"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setitem(wasm._state, "sent", False)  # the first picture brings the library
    return [graph._repr_mimebundle_()["text/html"] for graph in graphs]


RENDERERS = [pytest.param("dot", marks=needs_dot), "wasm"]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_the_lesson_graph_fits_a_notebook_column(renderer, chrome, monkeypatch, tmp_path):
    """test_viz_notebook's checks, on what Chromium shows."""
    model = lesson_graph(batch_size=4, seed=0)
    graphs = [draw_graph(model.loss), draw_graph(model.loss, names=model.names, params=model.params)]
    steps = trace_backward(model.loss, file=None)
    graphs += [draw_graph(model.loss, grads=steps, step=k) for k in range(len(steps) + 1)]
    for width, height, scale, _ in show(chrome, tmp_path, pictures(graphs, renderer, monkeypatch, tmp_path)):
        assert width <= COLUMN_PT
        assert scale >= 0.95 and SMALL * scale >= 9.5
        assert height < 2 * 1000


@pytest.mark.parametrize("renderer", RENDERERS)
def test_left_to_right_is_what_did_not_fit(renderer, chrome, monkeypatch, tmp_path):
    loss = lesson_graph(batch_size=4, seed=0).loss
    graphs = [draw_graph(loss, rankdir="LR", max_width=None), draw_graph(loss, rankdir="LR")]
    (wide, _, wide_scale, _), (fitted, _, fitted_scale, _) = \
        show(chrome, tmp_path, pictures(graphs, renderer, monkeypatch, tmp_path))
    assert wide > 2500 and wide_scale == 1.0
    assert fitted <= COLUMN_PT and fitted_scale < 0.3


@pytest.mark.parametrize("renderer", RENDERERS)
def test_labels_survive(renderer, chrome, monkeypatch, tmp_path):
    """test_viz_graph's label checks (nasty names, gradients, the legend), on what Chromium shows."""
    a, b, c, loss = small_graph()
    loss.backward()
    graphs = [draw_graph(loss, names={NASTY: a, "}{|><": loss, "x'y": c}), draw_graph(loss, names={"a": a})]
    (*_, nasty), (*_, plain) = show(chrome, tmp_path, pictures(graphs, renderer, monkeypatch, tmp_path))
    assert NASTY in nasty and "}{|><" in nasty and "x'y" in nasty
    assert "a" in plain and "grad [3, 4]" in plain and "legend" in plain


def test_a_picture_whose_library_is_gone_says_what_to_do(no_dot, chrome, monkeypatch, tmp_path):
    monkeypatch.setattr(wasm, "WAIT_SECONDS", 1)
    monkeypatch.setitem(wasm._state, "sent", True)  # as if an output no longer on the page had brought it
    page = tmp_path / "gone.html"
    page.write_text(f"<!DOCTYPE html><html><body>{wasm.html('digraph { a -> b }')}</body></html>",
                    encoding="utf-8")
    chrome.get(page.as_uri())
    time.sleep(1.5)
    text = chrome.find_element("css selector", ".tg-viz").text
    assert "The graph was not drawn" in text and "wasm.send_again()" in text


def test_explorer_without_dot_steps_through_backward(no_dot, chrome, tmp_path):
    """The explorer page, saved where `dot` is missing: the picture appears, and every step highlights the
    op in it, as with `dot`."""
    model = lesson_graph(batch_size=4, seed=0)
    explorer = explore(model.loss, model.names, model.params)
    chrome.get(explorer.save(tmp_path / "backward.html").as_uri())
    deadline = time.monotonic() + 30
    while not chrome.find_elements("css selector", ".tgx svg g.node") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert chrome.get_log("browser") == []
    from tinygrad_edu.viz import gradients_at

    grads = [gradients_at(explorer.steps, model.loss, k) for k in range(len(explorer.steps) + 1)]
    check_step(chrome, model, explorer, grads, 0)
    for k in range(1, 7):
        part(chrome, "next").click()
        check_step(chrome, model, explorer, grads, k)


def test_two_explorers_share_one_library(no_dot, chrome, tmp_path):
    """In a notebook the first output brings the library, the second waits for it: both get a picture."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    first, second = explore((x * 2).sum(), {"x": x}), explore(x.sigmoid().mean(), {"x": x})
    page = tmp_path / "two.html"
    body = first._repr_html_() + second._repr_html_()
    assert body.count(wasm.library()) == 1
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{body}</body></html>',
                    encoding="utf-8")
    chrome.get(page.as_uri())
    deadline = time.monotonic() + 30
    while len(chrome.find_elements("css selector", ".tgx svg")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    roots = chrome.find_elements("css selector", ".tgx")
    roots[1].find_element("css selector", "[data-part=next]").click()
    current = roots[1].find_elements("css selector", "g.node.current title")
    assert [t.get_attribute("textContent") for t in current] == [second.data["steps"][0]["key"]]
