"""Pictures for a notebook: the lesson graph fits a ~1000-pixel column, and the title tells the truth."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz import trace_backward
from tinygrad_edu.viz.model import lesson_graph
from tinygrad_edu.viz.trace import backward_ran

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
from tinygrad_edu.viz.render import SMALL, draw_graph  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` program is missing")
COLUMN_PT = 750  # a 1000-pixel notebook column, in the points dot writes (72 per inch, 96 pixels per inch)


def svg_size(graph) -> tuple[float, float, float]:
    """Width and height (points) of the rendered SVG, and the scale dot applied to fit it."""
    svg = graph.pipe(format="svg").decode()
    width, height = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    scale = re.search(r'transform="scale\(([\d.]+)', svg).group(1)
    return float(width), float(height), float(scale)


def title(graph) -> str:
    words = re.search(r"\blabel=<<TABLE.*?<TD>(.*?)</TD>", graph.source).group(1)
    return words.replace("<BR/>", " ")  # a long title is wrapped


# ---- size ----------------------------------------------------------------------------------------


@needs_dot
def test_the_lesson_graph_fits_a_notebook_column_at_a_legible_size():
    model = lesson_graph(batch_size=4, seed=0)
    pictures = [draw_graph(model.loss), draw_graph(model.loss, names=model.names, params=model.params)]
    steps = trace_backward(model.loss, file=None)
    pictures += [draw_graph(model.loss, grads=steps, step=k) for k in range(len(steps) + 1)]
    for picture in pictures:
        width, height, scale = svg_size(picture)
        assert width <= COLUMN_PT
        assert scale >= 0.95 and SMALL * scale >= 9.5  # detail lines stay ~13 px high: nothing shrinks
        assert height < 2 * 1000  # tall, not absurdly: about two screens


@needs_dot
def test_left_to_right_is_what_did_not_fit():
    model = lesson_graph(batch_size=4, seed=0)
    width, _, scale = svg_size(draw_graph(model.loss, rankdir="LR", max_width=None))
    assert width > 2500 and scale == 1.0
    width, _, scale = svg_size(draw_graph(model.loss, rankdir="LR"))
    assert width <= COLUMN_PT and scale < 0.3  # squeezed into the column: why top to bottom is the default


def test_max_width_is_checked():
    loss = lesson_graph(batch_size=2, seed=0).loss
    assert 'size="10.42,1000"' in draw_graph(loss).source
    assert " size=" not in draw_graph(loss, max_width=None).source
    with pytest.raises(ValueError, match="draw_graph: max_width is in pixels"):
        draw_graph(loss, max_width=3)
    with pytest.raises(ValueError, match="draw_graph: rankdir"):
        draw_graph(loss, rankdir="sideways")


def test_unnamed_intermediates_are_labelled_by_their_expression():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w).sigmoid().sum()
    source = draw_graph(loss, names={"x": x, "w": w}).source
    assert "<B>x * w</B>" in source and "<B>sigmoid(x * w)</B>" in source
    numbered = draw_graph(loss, names={"x": x, "w": w}, expressions=False).source
    assert "<B>t0</B>" in numbered and "<B>x * w</B>" not in numbered


# ---- the title -----------------------------------------------------------------------------------


def parameters_and_loss(w=None):
    w = tg.tensor([0.5, -1.0], requires_grad=True) if w is None else w
    x = tg.tensor([2.0, 3.0])
    return w, (x * w).sum()


def test_fresh_graph():
    w, loss = parameters_and_loss()
    assert title(draw_graph(loss)).startswith("Forward graph of loss: no gradients yet")  # the local name
    assert not backward_ran(loss)


def test_zeroed_grads_left_by_a_training_loop_are_not_called_after_backward():
    w = tg.tensor([0.5, -1.0], requires_grad=True)
    for _ in range(3):  # the lesson's loop: forward, backward, step, zero the gradients
        _, loss = parameters_and_loss(w)
        loss.backward()
        with tg.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
    _, new_loss = parameters_and_loss(w)  # drawn before its backward
    graph = draw_graph(new_loss, names={"w": w})
    words = title(graph)
    assert "After backward" not in words
    assert words.startswith("Forward graph of output: backward has not run through it")
    assert "from an earlier backward and all zeros (zeroed)" in words
    assert "grad from an earlier backward [0, 0]" in graph.source and 'COLOR="#888888"' in graph.source


def test_gradients_of_an_earlier_step_are_shown_as_earlier():
    w, first = parameters_and_loss()
    first.backward()
    _, second = parameters_and_loss(w)
    graph = draw_graph(second, names={"w": w})
    assert "After backward" not in title(graph) and "zeros" not in title(graph)
    assert "grad from an earlier backward [2, 3]" in graph.source


def test_after_backward_and_after_zeroing_or_clearing():
    w, loss = parameters_and_loss()
    loss.backward()
    assert backward_ran(loss)
    assert title(draw_graph(loss)).startswith("After backward: gradients in red")
    assert "grad [2, 3]" in draw_graph(loss).source
    w.grad.zero_()
    assert "every .grad is zero now: zeroed since (zero_grad())" in title(draw_graph(loss))
    w.grad = None
    assert "the leaves&#x27; .grad were cleared since" in title(draw_graph(loss))


def test_evidence_from_a_retained_graph():
    w, traced = parameters_and_loss()
    trace_backward(traced, file=None, retain_graph=True)  # nothing released, but the trace saw it
    assert not traced.grad_fn.released and backward_ran(traced)
    assert title(draw_graph(traced)).startswith("After backward")

    w, kept = parameters_and_loss()
    kept.retain_grad()
    kept.backward(retain_graph=True)
    assert backward_ran(kept)  # the output asked for its .grad, and got it

    w, plain = parameters_and_loss()
    plain.backward(retain_graph=True)  # leaves no evidence: the title must not claim either way
    assert not backward_ran(plain)
    words = title(draw_graph(plain))
    assert "After backward" not in words and "or ran with retain_graph=True, which leaves no trace" in words
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 3.0])


def test_a_long_title_is_wrapped_not_widening_the_picture():
    """A title is cut into lines of at most 90 characters (about the legend's width above a model's
    picture), every word kept; a short one stays one line."""
    w, loss = parameters_and_loss()
    loss.backward()
    words = re.search(r"\blabel=<<TABLE.*?<TD>(.*?)</TD>", draw_graph(loss).source).group(1)
    lines = words.split("<BR/>")
    assert len(lines) == 2 and all(len(line) <= 90 for line in lines)
    assert " ".join(lines).startswith("After backward: gradients in red. Non-leaf gradients are not kept")
    assert "<BR/>" not in draw_graph(loss, title="a short title").source
