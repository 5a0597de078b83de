"""draw_graph / build_graph / render_graph: the picture of the computation graph."""

from __future__ import annotations

import re
import shutil
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz import GraphvizNotFoundError, build_graph, trace_backward
from tinygrad_edu.viz.graph import ROLES, tensor_names

graphviz = pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
from tinygrad_edu.viz.render import GraphPicture, draw_graph, escape, render_graph  # noqa: E402

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` program is missing")


def small_graph():
    """(a * b + c).sum() with a, b parameters and c a constant input."""
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    c = tg.tensor([5.0, 6.0])
    loss = (a * b + c).sum()
    return a, b, c, loss


def node_labels(graph) -> dict[str, str]:
    """node id -> its label, read from the graph's dot source."""
    labels = {}
    for line in graph.body:
        match = re.match(r"\s*(\w+) \[label=(<.*>)", line)
        if match and "->" not in line:
            labels[match.group(1)] = match.group(2)
    return labels


def edges(graph) -> list[tuple[str, str]]:
    return [tuple(m.groups()) for line in graph.body if (m := re.match(r"\s*(\w+) -> (\w+)", line))]


def svg_texts(svg: bytes) -> list[str]:
    """Every text element of an SVG (parsing also proves the SVG is well-formed XML)."""
    root = ET.fromstring(svg)
    return ["".join(element.itertext()) for element in root.iter("{http://www.w3.org/2000/svg}text")]


# ---- structure ------------------------------------------------------------------------------------


def test_counts_of_small_graph():
    *_, loss = small_graph()
    spec = build_graph(loss)
    assert len(spec.tensors) == 6  # a, b, a*b, c, a*b+c, sum
    assert [op.op for op in spec.ops] == ["Mul", "Add", "Sum"]  # forward order
    assert len(spec.edges) == 8  # Mul 2+1, Add 2+1, Sum 1+1
    assert spec.total_nodes == 9 and spec.hidden_nodes == 0
    graph = draw_graph(loss)
    labels = node_labels(graph)
    assert sum(key.startswith("t") for key in labels) == 6
    assert sum(key.startswith("op") for key in labels) == 3
    assert len(edges(graph)) == 8
    assert "legend" in labels


def test_edges_follow_data_flow():
    a, b, c, loss = small_graph()
    spec = build_graph(loss, names={"a": a, "b": b, "c": c, "loss": loss})
    key = {node.name: node.key for node in spec.tensors}
    op = {o.op: o.key for o in spec.ops}
    pairs = {(e.source, e.target, e.label) for e in spec.edges}
    assert (key["a"], op["Mul"], "a") in pairs and (key["b"], op["Mul"], "b") in pairs
    assert (key["c"], op["Add"], "b") in pairs
    assert (op["Sum"], key["loss"], "") in pairs
    assert not [e for e in spec.edges if e.target == key["a"]]  # nothing flows into a leaf


def test_edges_without_gradient_are_marked():
    a, b, c, loss = small_graph()
    spec = build_graph(loss, names={"c": c})
    c_key = next(n.key for n in spec.tensors if n.name == "c")
    (edge,) = [e for e in spec.edges if e.source == c_key]
    assert edge.needs_grad is False
    assert sum(not e.needs_grad for e in spec.edges) == 1
    assert 'style=dashed' in draw_graph(loss).source


def test_same_tensor_used_twice_gives_two_edges():
    x = tg.tensor([2.0], requires_grad=True)
    spec = build_graph((x * x).sum())
    x_key = spec.tensors[0].key
    assert [e.label for e in spec.edges if e.source == x_key] == ["a", "b"]


def test_leaf_root_is_a_single_node():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    spec = build_graph(x)
    assert len(spec.tensors) == 1 and not spec.ops and not spec.edges
    assert spec.root.role == "output"


def test_non_tensor_root_is_rejected():
    with pytest.raises(TypeError, match="expected a Tensor"):
        draw_graph(np.ones(3))


# ---- names and roles ----------------------------------------------------------------------------


def test_default_names_and_roles():
    a, b, c, loss = small_graph()
    names = tensor_names(loss)
    assert [names[id(t)] for t in (a, b, c, loss)] == ["leaf 0", "leaf 1", "input 0", "output"]
    roles = {node.name: node.role for node in build_graph(loss).tensors}
    assert roles == {"leaf 0": "parameter", "leaf 1": "parameter", "t0": "intermediate", "input 0": "input",
                     "t1": "intermediate", "output": "output"}


def test_constants_are_named_constant():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (1 - x).sum()
    assert "constant 0" in tensor_names(loss).values()


def test_names_and_params_dict():
    a, b, c, loss = small_graph()
    names = tensor_names(loss, names={"c (data)": c, "loss": loss}, params={"weight": a, "bias": b})
    assert [names[id(t)] for t in (a, b, c, loss)] == ["weight", "bias", "c (data)", "loss"]


def test_caller_names_beat_parameter_names():
    a, b, c, loss = small_graph()
    names = tensor_names(loss, names={"mine": a}, params={"weight": a})
    assert names[id(a)] == "mine"


def test_params_from_a_module_like_object():
    a, b, c, loss = small_graph()

    class Model:
        def named_parameters(self):
            return iter([("layer.weight", a), ("layer.bias", b)])

    graph = draw_graph(loss, params=Model())
    labels = "".join(node_labels(graph).values())
    assert "<B>layer.weight</B>" in labels and "<B>layer.bias</B>" in labels


def test_params_from_a_real_module():
    nn = pytest.importorskip("tinygrad_edu.nn")
    model = nn.Linear(3, 1)
    loss = model(tg.ones(2, 3)).mean()
    names = set(tensor_names(loss, params=model).values())
    assert {"weight", "bias"} <= names


def test_bad_names_are_reported():
    *_, loss = small_graph()
    with pytest.raises(TypeError, match="should map to a Tensor"):
        draw_graph(loss, names={"x": 3})
    with pytest.raises(TypeError, match="named_parameters"):
        draw_graph(loss, params=[1, 2])


# ---- labels -------------------------------------------------------------------------------------


def test_labels_show_name_shape_dtype_and_values():
    a, b, c, loss = small_graph()
    labels = node_labels(draw_graph(loss, names={"a": a, "loss": loss}))
    a_label = next(label for label in labels.values() if "<B>a</B>" in label)
    assert "(2,) float32" in a_label and "parameter" in a_label and "value [1, 2]" in a_label
    loss_label = next(label for label in labels.values() if "<B>loss</B>" in label)
    assert "() float32" in loss_label and "value 22" in loss_label
    assert "Mul" in "".join(labels.values()) and "d/da = b" in "".join(labels.values())


def test_big_tensors_show_min_mean_max():
    w = tg.tensor(np.arange(100, dtype=np.float32).reshape(10, 10), requires_grad=True)
    source = draw_graph(w.sum(), names={"w": w}).source
    assert "(10, 10) float32" in source
    assert "value min 0 · mean 49.5 · max 99" in source


def test_before_backward_says_no_gradients_yet():
    *_, loss = small_graph()
    graph = draw_graph(loss, legend=False)
    assert "no gradients yet" in graph.source
    tensor_labels = [label for key, label in node_labels(graph).items() if key.startswith("t")]
    assert len(tensor_labels) == 6 and not [label for label in tensor_labels if ">grad" in label]


def test_after_backward_shows_leaf_gradients_and_explains_missing_ones():
    a, b, c, loss = small_graph()
    loss.backward()
    labels = node_labels(draw_graph(loss, names={"a": a, "b": b}))
    a_label = next(label for label in labels.values() if "<B>a</B>" in label)
    b_label = next(label for label in labels.values() if "<B>b</B>" in label)
    assert "grad [3, 4]" in a_label and "grad [1, 2]" in b_label  # d(sum(a*b))/da = b
    assert "grad not kept (non-leaf)" in "".join(labels.values())
    assert "After backward" in draw_graph(loss).source


def test_retain_grad_shows_an_intermediate_gradient():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    middle = a * 3
    middle.retain_grad()
    loss = (middle * middle).sum()
    loss.backward()
    labels = node_labels(draw_graph(loss, names={"middle": middle}))
    middle_label = next(label for label in labels.values() if "<B>middle</B>" in label)
    assert "grad [6, 12]" in middle_label  # 2 * middle


def test_traced_gradients_of_intermediates():
    a, b, c, loss = small_graph()
    steps = trace_backward(loss, file=None)
    source = draw_graph(loss, grads=steps).source
    assert source.count("grad [1, 1]") == 2  # a*b and a*b+c (c needs no gradient)
    assert "grad [3, 4]" in source and "grad [1, 2]" in source and "grad 1" in source
    assert "recorded by trace_backward" in source


def test_step_pictures_highlight_the_op_and_show_partial_sums():
    x = tg.tensor([0.5, -1.0], requires_grad=True)
    p = x.sigmoid()
    loss = (p * 2 + p).sum()  # p feeds two ops: its gradient arrives in two parts
    steps = trace_backward(loss, file=None)
    assert [s.op for s in steps] == ["Sum", "Add", "Mul", "Sigmoid"]
    start = draw_graph(loss, grads=steps, step=0)
    assert "no op has run yet" in start.source and "#d00000" not in start.source
    after_add = draw_graph(loss, grads=steps, step=2, names={"p": p})
    p_label = next(label for label in node_labels(after_add).values() if "<B>p</B>" in label)
    assert "grad so far [1, 1]" in p_label  # from Add; Mul has not run yet
    assert "Backward step 2 of 4: Add" in after_add.source
    highlighted = [line for line in after_add.body if "penwidth=3" in line]
    assert len(highlighted) == 1 and "<B>Add</B>" in highlighted[0]
    after_mul = draw_graph(loss, grads=steps, step=3, names={"p": p})
    p_label = next(label for label in node_labels(after_mul).values() if "<B>p</B>" in label)
    assert "grad [3, 3]" in p_label and "so far" not in p_label
    with pytest.raises(ValueError, match="step=k"):
        draw_graph(loss, grads=steps, step=5)
    with pytest.raises(ValueError, match="step=k"):
        draw_graph(loss, step=1)


def test_legend_names_every_kind_of_node():
    *_, loss = small_graph()
    legend = node_labels(draw_graph(loss))["legend"]
    for words in ROLES.values():
        assert escape(words) in legend
    assert "op (with its derivative rule)" in legend
    assert "legend" not in node_labels(draw_graph(loss, legend=False))


def test_roles_look_different():
    *_, loss = small_graph()
    lines = {line.split(" [")[0].strip(): line for line in draw_graph(loss).body if " [label=" in line}
    spec = build_graph(loss)
    colours = {node.role: re.search(r'fillcolor="([^"]+)"', lines[node.key]).group(1)
               for node in spec.tensors}
    assert len(set(colours.values())) == 4
    assert "peripheries=2" in lines[spec.root.key]


def test_rankdir():
    *_, loss = small_graph()
    assert "rankdir=TB" in draw_graph(loss, rankdir="TB").source
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(loss, rankdir="sideways")


# ---- escaping -------------------------------------------------------------------------------------

NASTY = 'w<b>|{x}" \\N & \\n é'


def test_escape():
    assert escape('<a>|{b}"&') == "&lt;a&gt;|{b}&quot;&amp;"
    assert escape("a\\Nb") == "a\\\\Nb"  # graphviz would replace \N by the node id
    assert escape("bell\x07") == "bell\\\\x07"
    assert escape("x" * 100, limit=10) == "x" * 9 + "…"
    assert escape("two\nlines") == "two<BR/>lines"


def test_nasty_names_are_escaped_in_the_source():
    a, b, c, loss = small_graph()
    source = draw_graph(loss, names={NASTY: a, "}{|><": loss}).source
    assert "<B>w&lt;b&gt;|{x}&quot; \\\\N &amp; \\\\n é</B>" in source
    assert "<B>}{|&gt;&lt;</B>" in source


@needs_dot
def test_nasty_names_survive_rendering(tmp_path):
    a, b, c, loss = small_graph()
    graph = draw_graph(loss, names={NASTY: a, "}{|><": loss, "x'y": c})
    texts = svg_texts(render_graph(graph, tmp_path / "nasty.svg").read_bytes())
    assert NASTY in texts and "}{|><" in texts and "x'y" in texts


# ---- size -----------------------------------------------------------------------------------------


def chain(length: int):
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(length):
        y = y * 1.0001
    return x, y.sum()


def test_big_graph_is_summarized_quickly():
    x, loss = chain(5000)
    start = time.perf_counter()
    spec = build_graph(loss, max_nodes=300)
    graph = draw_graph(loss, max_nodes=300)
    elapsed = time.perf_counter() - start
    assert elapsed < 5
    assert spec.total_nodes == 3 * 5000 + 3  # per Mul: the op, a constant, an output; plus x, Sum, loss
    drawn = len(spec.tensors) + len(spec.ops)
    assert drawn <= 300 and spec.hidden_nodes == spec.total_nodes - drawn
    assert f"… {spec.hidden_nodes} more nodes not drawn (max_nodes=300 of {spec.total_nodes})" in graph.source
    assert len(spec.hidden_inputs) == 1  # the chain continues behind exactly one drawn tensor
    assert ("more", spec.hidden_inputs[0]) in edges(graph)
    assert spec.root.name == "output"  # the nodes kept are the ones nearest the loss


@needs_dot
def test_big_graph_renders_in_seconds(tmp_path):
    x, loss = chain(5000)
    start = time.perf_counter()
    render_graph(draw_graph(loss), tmp_path / "big.svg")
    assert time.perf_counter() - start < 30
    assert "more nodes not drawn" in " ".join(svg_texts((tmp_path / "big.svg").read_bytes()))


def test_max_nodes_none_draws_everything():
    x, loss = chain(50)
    spec = build_graph(loss, max_nodes=None)
    assert spec.hidden_nodes == 0 and len(spec.ops) == 51
    with pytest.raises(ValueError, match="max_nodes"):
        build_graph(loss, max_nodes=1)


def test_deep_graph_does_not_recurse():
    x, loss = chain(3 * sys.getrecursionlimit())
    spec = build_graph(loss, max_nodes=50)
    assert spec.total_nodes == 3 * 3 * sys.getrecursionlimit() + 3


# ---- files and display --------------------------------------------------------------------------


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_render_formats(tmp_path, suffix, magic):
    *_, loss = small_graph()
    path = render_graph(draw_graph(loss), tmp_path / "sub" / f"graph{suffix}")
    assert path.read_bytes().startswith(magic)


@needs_dot
def test_rendered_svg_shows_labels(tmp_path):
    a, b, c, loss = small_graph()
    loss.backward()
    texts = svg_texts(render_graph(draw_graph(loss, names={"a": a}), tmp_path / "g.svg").read_bytes())
    assert "a" in texts and "grad [3, 4]" in texts and "legend" in texts


def test_dot_source_needs_no_dot_program(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    *_, loss = small_graph()
    path = render_graph(draw_graph(loss), tmp_path / "graph.dot")
    assert path.read_text(encoding="utf-8").startswith('digraph "tinygrad_edu graph"')


def test_unknown_extension(tmp_path):
    *_, loss = small_graph()
    with pytest.raises(ValueError, match=r"unknown picture format '\.jpg'"):
        render_graph(draw_graph(loss), tmp_path / "graph.jpg")


def test_missing_dot_writes_the_source_and_explains(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    *_, loss = small_graph()
    graph = draw_graph(loss)
    with pytest.raises(GraphvizNotFoundError) as caught:
        render_graph(graph, tmp_path / "graph.svg")
    message = str(caught.value)
    assert caught.value.dot_path == tmp_path / "graph.dot"
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8") == graph.source
    assert not (tmp_path / "graph.svg").exists()
    advice_lines = ("apt-get install graphviz", "brew install graphviz", "winget install graphviz",
                    "conda install -c conda-forge graphviz", f"dot -Tsvg {tmp_path / 'graph.dot'}")
    for advice in advice_lines:
        assert advice in message
    bundle = graph._repr_mimebundle_()  # Jupyter: the browser draws it (test_viz_wasm), and advice
    assert list(bundle) == ["text/html", "text/plain"] and "brew install graphviz" in bundle["text/plain"]


@needs_dot
def test_jupyter_display():
    *_, loss = small_graph()
    graph = draw_graph(loss)
    assert isinstance(graph, graphviz.Digraph) and isinstance(graph, GraphPicture)
    assert "<svg" in graph._repr_mimebundle_()["image/svg+xml"]


def test_viz_without_graphviz_gives_install_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    monkeypatch.delitem(sys.modules, "tinygrad_edu.viz.render")
    import tinygrad_edu.viz as viz

    monkeypatch.delattr(viz, "render")  # as if it had never been imported

    with pytest.raises(ImportError, match=re.escape('pip install -e ".[viz]"')):
        from tinygrad_edu.viz import draw_graph  # noqa: F401
    with pytest.raises(ImportError, match=re.escape('pip install -e ".[viz]"')):
        viz.render_graph  # noqa: B018
    *_, loss = small_graph()
    assert len(viz.trace_backward(loss, file=None)) == 3  # the text trace needs no graphviz
    assert len(viz.build_graph(loss).ops) == 3
