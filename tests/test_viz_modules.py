"""Module calls in pictures: what Module.__call__ records, which ops each call made, the names, the boxes."""

from __future__ import annotations

import importlib
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F
from tinygrad_edu.viz import build_graph, trace_backward
from tinygrad_edu.viz.graph import forward_order
from tinygrad_edu.viz.modules import find_calls, model_names

# ---- a toy two-block transformer, built from what exists today (Linear, ReLU, Sequential, ModuleList) ----


class Embedding(nn.Module):
    def __init__(self, count: int, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(tg.randn(count, width) * 0.1)

    def forward(self, idx):
        return self.weight[idx]


class LayerNorm(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.weight, self.bias = nn.Parameter(tg.ones(width)), nn.Parameter(tg.zeros(width))

    def forward(self, x):
        centred = x - x.mean(-1, keepdim=True)
        return centred / (centred.var(-1, keepdim=True) + 1e-5).sqrt() * self.weight + self.bias


class Head(nn.Module):
    def __init__(self, width: int, size: int, block: int) -> None:
        super().__init__()
        self.key, self.query, self.value = (nn.Linear(width, size, bias=False) for _ in range(3))
        self.register_buffer("future", tg.tensor(np.triu(np.ones((block, block), bool), 1)))

    def forward(self, x):
        T = x.shape[1]
        k, q = self.key(x), self.query(x)
        scores = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        scores = tg.where(self.future[:T, :T], tg.tensor(-1e9), scores)
        return scores.softmax(-1) @ self.value(x)


class MultiHead(nn.Module):
    def __init__(self, width: int, heads: int, block: int) -> None:
        super().__init__()
        self.heads = nn.ModuleList([Head(width, width // heads, block) for _ in range(heads)])
        self.proj = nn.Linear(width, width)

    def forward(self, x):
        return self.proj(tg.cat([head(x) for head in self.heads], -1))


class Block(nn.Module):
    def __init__(self, width: int, heads: int, block: int) -> None:
        super().__init__()
        self.sa = MultiHead(width, heads, block)
        self.ffwd = nn.Sequential(nn.Linear(width, 4 * width), nn.ReLU(), nn.Linear(4 * width, width))
        self.ln1, self.ln2 = LayerNorm(width), LayerNorm(width)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        return x + self.ffwd(self.ln2(x))


class ToyGPT(nn.Module):
    """Two blocks of four heads: about 200 ops for one batch."""

    def __init__(self, vocab: int = 12, width: int = 16, heads: int = 4, block: int = 8,
                 layers: int = 2) -> None:
        super().__init__()
        self.token_embedding, self.position_embedding = Embedding(vocab, width), Embedding(block, width)
        self.blocks = nn.Sequential(*[Block(width, heads, block) for _ in range(layers)])
        self.ln_f, self.lm_head = LayerNorm(width), nn.Linear(width, vocab)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.token_embedding(idx) + self.position_embedding(tg.tensor(np.arange(T)))
        logits = self.lm_head(self.ln_f(self.blocks(x)))
        return logits, F.cross_entropy(logits.reshape(B * T, -1), targets.reshape(B * T))


def toy_batch(seed: int = 0, B: int = 2, T: int = 8, vocab: int = 12):
    rng = np.random.default_rng(seed)
    return tg.tensor(rng.integers(0, vocab, (B, T))), tg.tensor(rng.integers(0, vocab, (B, T)))


def toy_loss():
    tg.manual_seed(0)
    model = ToyGPT()
    idx, targets = toy_batch()
    _, loss = model(idx, targets)
    return model, loss


def calls_of(loss, model=None, name="model"):
    return find_calls(forward_order(loss), model_names(model, {name: model} if model is not None else {}))


def spec_of(loss, model, **kwargs):
    """build_graph as draw_graph calls it: the model named as the caller's variable ``model``."""
    return build_graph(loss, model=model_names(model, {"model": model}), expressions=True, **kwargs)


# ---- what Module.__call__ leaves ----------------------------------------------------------------------


def test_a_call_leaves_its_record_on_the_op_behind_its_output():
    layer = nn.Linear(3, 2)
    x = tg.ones(4, 3)
    out = layer(x)
    (record,) = out.grad_fn.module_calls
    module, args, kwargs, start, end = record
    assert module is layer and args == (x,) and kwargs == {} and start < end
    net = nn.Sequential(layer, nn.ReLU())
    y = net(x)
    inner, outer = y.grad_fn.module_calls  # the ReLU's output is the Sequential's too: inner call first
    assert inner[0] is net[1] and outer[0] is net and outer[3] < inner[3] < inner[4] < outer[4]


def test_nothing_is_left_without_a_graph_nor_on_an_argument_handed_back():
    class Identity(nn.Module):
        def forward(self, x):
            return x

    x = tg.ones(2, 3, requires_grad=True)
    made = x * 2
    assert Identity()(made) is made and "module_calls" not in made.grad_fn.__dict__
    with tg.no_grad():
        assert nn.Linear(3, 1)(x).grad_fn is None


def test_every_tensor_of_a_returned_tuple_is_tagged():
    class Both(nn.Module):
        def forward(self, x):
            return x.exp(), {"not": "a tensor"}, x.sin()

    x = tg.ones(2, requires_grad=True)
    first, _, second = Both()(x)
    assert first.grad_fn.module_calls[0] is second.grad_fn.module_calls[0]


# ---- which call made which op --------------------------------------------------------------------------


def test_each_op_belongs_to_the_innermost_call():
    model, loss = toy_loss()
    calls = calls_of(loss, model)
    order = forward_order(loss)
    assert len(order) > 150  # hundreds of ops: why pictures need boxes
    assert all(fn in calls.owner for fn in order)  # the toy's forward computes its loss too
    by_name = {call.name: call for call in calls.calls}
    head = by_name["blocks.0.sa.heads.1"]
    assert [fn.op_name() for fn in head.ops] == ["Permute", "MatMul", "Mul", "Where", "Softmax", "MatMul"]
    assert [child.name for child in head.children] == [f"blocks.0.sa.heads.1.{n}" for n in ("key", "query",
                                                                                             "value")]
    # F.linear on [B, T, C]: the rows as one matrix, one Linear op, and back
    assert [fn.op_name() for fn in by_name["blocks.0.sa.heads.1.key"].ops] == ["Reshape", "Linear", "Reshape"]
    assert by_name["blocks"].parent is by_name["model"] and by_name["model"].parent is None
    assert sum(len(call.ops) for call in calls.calls) == len(order)


def test_a_module_called_twice_is_two_calls_each_with_its_own_ops():
    cell = nn.Linear(2, 2)
    x = tg.ones(1, 2)
    loss = cell(cell(x).tanh()).sum()
    calls = calls_of(loss, cell, "cell")
    assert [call.name for call in calls.calls] == ["cell", "cell (call 2)"]
    assert [[fn.op_name() for fn in call.ops] for call in calls.calls] == [["Linear"]] * 2
    second = loss.grad_fn.inputs[0].grad_fn
    assert calls.owner[second] is calls.calls[1] and calls.owner[second.inputs[0].grad_fn.inputs[0].grad_fn] \
        is calls.calls[0]
    assert second.inputs[0].grad_fn not in calls.owner  # tanh ran between the calls, outside both
    assert loss.grad_fn not in calls.owner and all(call.parent is None for call in calls.calls)


def test_what_a_call_reads_without_being_passed_it_stays_outside():
    weights = tg.ones(3, requires_grad=True)
    outside = (weights * 2).sin()  # made before the call, read by it as a global, not an argument

    class ReadsAGlobal(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(tg.ones(3))

        def forward(self, x):
            return x * self.scale + outside

    class KeepsState(nn.Module):  # an RNN-like cell: its state comes from its previous call
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(tg.ones(3))
            self.state = None

        def forward(self, x):
            self.state = x * self.w if self.state is None else (self.state + x) * self.w
            return self.state

    reader, cell = ReadsAGlobal(), KeepsState()
    x = tg.ones(3)
    loss = (reader(x) + cell(x) + cell(x)).sum()
    calls = calls_of(loss)
    ops = {call.name: [fn.op_name() for fn in call.ops] for call in calls.calls}
    assert ops == {"ReadsAGlobal": ["Mul", "Add"], "KeepsState": ["Mul"],
                   "KeepsState (call 2)": ["Add", "Mul"]}
    assert outside.grad_fn not in calls.owner and outside.grad_fn.inputs[0].grad_fn not in calls.owner


def test_a_call_made_inside_another_is_inside_it_even_of_a_module_it_does_not_own():
    loss_fn = nn.MSELoss()

    class WithItsLoss(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(2, 1)

        def forward(self, x, y):
            return loss_fn(self.layer(x), y)

    model = WithItsLoss()
    loss = model(tg.ones(4, 2), tg.zeros(4, 1))
    calls = calls_of(loss, model)
    assert [(c.name, c.parent.name if c.parent else None) for c in calls.calls] == [
        ("model", None), ("layer", "model"), ("MSELoss", "model")]


# ---- names ---------------------------------------------------------------------------------------------


def test_names_come_from_the_model_in_the_callers_namespace():
    model, loss = toy_loss()
    head = model.blocks[1].sa.heads[2]  # a second name for a submodule: the model's path still wins
    from tinygrad_edu.viz.names import model_or_callers

    found = model_or_callers(None)
    assert list(found.roots) == ["model", "head"] and not found.explicit
    names = {call.module: call.name for call in find_calls(forward_order(loss), found).calls}
    assert names[model] == "model" and names[head] == "blocks.1.sa.heads.2"
    assert names[model.blocks[0].ffwd[1]] == "blocks.0.ffwd.1"
    anonymous = {call.module: call.name for call in calls_of(loss).calls}  # no namespace: the class names
    assert anonymous[model] == "ToyGPT" and anonymous[head] == "blocks.1.sa.heads.2"


def test_an_explicit_model_and_a_second_root():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    head = nn.Linear(3, 1)
    loss = head(net(tg.ones(1, 2))).sum()
    roots = model_names(net, {"net": net, "head": head})
    assert {c.module: c.name for c in find_calls(forward_order(loss), roots).calls} == {
        net: "net", net[0]: "0", net[1]: "1", head: "head"}
    with pytest.raises(TypeError, match=r"model: expected an nn.Module"):
        model_names(3, {})


# ---- the picture -----------------------------------------------------------------------------------------


def test_the_picture_groups_the_ops_into_boxes():
    model, loss = toy_loss()
    spec = spec_of(loss, model)
    assert [box.name for box in spec.boxes] == ["token_embedding", "position_embedding", "blocks", "ln_f",
                                                "lm_head"]
    assert [op.op for op in spec.ops] == ["Add", "Reshape", "CrossEntropy"]  # the model's own ops
    assert [c.name for c in spec.clusters] == ["model"] and spec.hidden_nodes == 0
    assert spec.total_nodes < 30 < len(forward_order(loss))
    blocks = next(box for box in spec.boxes if box.name == "blocks")
    assert blocks.summary.startswith("178 ops · Reshape ×60 · Linear ×30 · MatMul ×16")
    assert {spec.shown_as[fn] for fn in blocks.call.all_ops()} == {blocks.key}


def test_expand_opens_one_call_and_the_calls_around_it():
    model, loss = toy_loss()
    spec = spec_of(loss, model, expand=["blocks.0.sa"])
    assert [c.name for c in spec.clusters] == ["model", "blocks", "blocks.0", "blocks.0.sa"]
    names = [box.name for box in spec.boxes]
    assert [f"blocks.0.sa.heads.{i}" for i in range(4)] + ["blocks.0.sa.proj", "blocks.1"] == \
        [n for n in names if n.startswith(("blocks.0.sa.", "blocks.1"))]
    cluster = {c.key: c.name for c in spec.clusters}
    assert cluster[spec.cluster_of[next(b.key for b in spec.boxes if b.name == "blocks.0.sa.heads.2")]] == \
        "blocks.0.sa"
    frames = {c.key: c.name for c in spec.clusters}
    assert {(op.op, frames[spec.cluster_of[op.key]]) for op in spec.ops} == {
        ("Add", "model"), ("Reshape", "model"), ("CrossEntropy", "model"), ("Add", "blocks.0"),
        ("Cat", "blocks.0.sa")}  # each open call's own ops, in its frame (blocks has none: a Sequential)
    everything = spec_of(loss, model, expand=True, max_nodes=None)
    assert not everything.boxes and len(everything.ops) == len(forward_order(loss))
    one_box = spec_of(loss, model, expand=False)
    assert [box.name for box in one_box.boxes] == ["model"] and not one_box.ops
    with pytest.raises(ValueError, match=r"expand: no module call is named 'blocks.9'; the modules "
                                         r"called are: model, token_embedding, position_embedding, blocks,"):
        spec_of(loss, model, expand=["blocks.9"])


def test_a_box_shows_the_tensors_that_cross_it_and_keeps_its_parameters_inside():
    model, loss = toy_loss()
    spec = spec_of(loss, model, expand=["blocks.0"])
    shown = {node.name for node in spec.tensors}
    assert not any(".weight" in name or ".bias" in name for name in shown)  # the boxes hold them
    ln1 = next(box for box in spec.boxes if box.name == "blocks.0.ln1")
    into = [e.source for e in spec.edges if e.target == ln1.key]
    out = [e.target for e in spec.edges if e.source == ln1.key]
    assert len(into) == 1 and len(out) == 1
    by_key = {node.key: node.name for node in spec.tensors}
    assert by_key[out[0]] == "blocks.0.ln1(… + …)"  # named after the call that returned it
    opened = spec_of(loss, model, expand=["blocks.0.ln1"])
    assert sum(node.role == "parameter" for node in opened.tensors) == 2  # open: its weight and bias show


def test_a_sequential_names_its_layers_outputs_after_its_variable_and_its_input_stays_outside():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    x = tg.ones(2, 3)
    loss = net(x).sum()
    spec = build_graph(loss, {"x": x}, model=model_names(net, {"net": net}), expressions=True)
    assert {"x", "net.0(x)", "net.1(net.0(x))", "net.2(net.1(net.0(x)))"} <= {n.name for n in spec.tensors}
    assert [box.name for box in spec.boxes] == ["0", "1", "2"] and [c.name for c in spec.clusters] == ["net"]
    x_key = next(node.key for node in spec.tensors if node.name == "x")
    assert x_key not in spec.cluster_of  # the call was given x: it is drawn outside the call's frame


def test_modules_named_in_the_trace_and_the_lesson_graph_unchanged():
    model, loss = toy_loss()
    names = [step.output_name for step in trace_backward(loss, file=None, expressions=True)]
    assert names[:3] == ["loss", "lm_head(ln_f(…)).reshape(…)", "lm_head(ln_f(…))"]  # the innermost call
    assert "ln_f(blocks.1(blocks.0(… + …)))" in names  # blocks' output is its last block's
    from tinygrad_edu.viz.model import lesson_graph

    lesson = lesson_graph(batch_size=2, seed=0)
    spec = build_graph(lesson.loss, lesson.names, lesson.params)
    assert not spec.boxes and not spec.clusters and [op.op for op in spec.ops] == [
        "MatMul", "Add", "Sigmoid", "Sub", "Where", "Mean"]


try:  # the tests above need no graphviz (and test_viz_explore imports the toy model from here)
    from tinygrad_edu.viz.render import SMALL, draw_graph
except ImportError:
    draw_graph = None
needs_graphviz = pytest.mark.skipif(draw_graph is None, reason="the graphviz Python package is not installed")
needs_dot = pytest.mark.skipif(draw_graph is None or shutil.which("dot") is None,
                               reason="Graphviz's `dot` program (or the graphviz package) is missing")
COLUMN_PT = 750  # 1000 pixels in points


def svg_size(graph) -> tuple[float, float]:
    """Width (points) of the rendered SVG, and the scale dot applied to fit it into max_width."""
    svg = graph.pipe(format="svg").decode()
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    return width, float(re.search(r'transform="scale\(([\d.]+)', svg).group(1))


@needs_dot
def test_the_picture_of_the_model_fits_a_notebook_column_at_a_legible_size():
    model, loss = toy_loss()
    steps = trace_backward(loss, file=None, retain_graph=True)
    for expand, least in ((None, 0.95), (["blocks"], 0.95), (["blocks.1"], 0.95), (["blocks.0.sa"], 0.9)):
        pictures = draw_graph(loss, expand=expand), draw_graph(loss, expand=expand, grads=steps, step=40)
        for picture in pictures:
            width, scale = svg_size(picture)
            assert width <= COLUMN_PT and scale >= least and SMALL * scale >= 9, (expand, scale)


@needs_graphviz
def test_the_op_at_work_is_shown_by_its_box():
    model, loss = toy_loss()
    steps = trace_backward(loss, file=None, retain_graph=True)
    inside = next(k for k, step in enumerate(steps, 1) if step.fn in build_graph(loss).calls.owner
                  and build_graph(loss).calls.owner[step.fn].qualname.startswith("blocks.1.sa.heads"))
    source = draw_graph(loss, grads=steps, step=inside).source
    blocks = re.search(r"(m\d+) \[label=<<TABLE[^\n]*<B>blocks</B>[^\n]*", source)
    assert 'fillcolor="#ffd6d6"' in blocks.group(0)  # the box holding the op is the highlighted one
    opened = draw_graph(loss, grads=steps, step=inside, expand=["blocks.1.sa"]).source
    assert re.search(r'm\d+ \[label=<<TABLE[^\n]*<B>heads\.\d</B>[^\n]*fillcolor="#ffd6d6"', opened)


# ---- the real models of examples/: gpt_from_scratch.py's GPT and cnn_3s_and_7s.py's simple CNN -------------


def example(name: str):
    folder = str(Path(__file__).resolve().parents[1] / "examples")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(name)


def gpt_loss(seed: int = 0):
    """examples/gpt_from_scratch.py's GPT, two blocks of four heads at small sizes (dropout on: training
    mode), and its loss on a batch of random characters; the model is the caller's variable ``model``."""
    gpt = example("gpt_from_scratch")
    tg.manual_seed(seed)
    model = gpt.gpt_classes(tg)(20, gpt.Config(n_embd=16, n_head=4, n_layer=2, block_size=8, batch_size=2))
    idx, targets = tg.randint(20, (2, 8)), tg.randint(20, (2, 8))
    return model, model(idx, targets)[1]


def cnn_loss(seed: int = 0):
    """fastbook's simple CNN of examples/cnn_3s_and_7s.py and its cross-entropy on two 3s and two 7s."""
    cnn = example("cnn_3s_and_7s")
    from tinygrad_edu.data import load_mnist_sample

    sample = load_mnist_sample()
    x, y = cnn.images_and_labels(sample.valid_3[:2], sample.valid_7[:2])
    tg.manual_seed(seed)
    model = cnn.simple_cnn(tg)
    return model, F.cross_entropy(model(tg.from_numpy(x)), tg.from_numpy(y))


def test_the_real_gpt_is_drawn_as_its_modules():
    model, loss = gpt_loss()
    order = forward_order(loss)
    assert len(order) > 150  # two blocks of four heads, with dropout
    spec = spec_of(loss, model)
    assert [box.name for box in spec.boxes] == ["token_embedding_table", "position_embedding_table", "blocks",
                                                "ln_f", "lm_head"]
    assert spec.total_nodes < 30
    opened = spec_of(loss, model, expand=["blocks.0.sa"])
    assert [box.name for box in opened.boxes if box.name.startswith("blocks.0.sa.")] == [
        *(f"blocks.0.sa.heads.{i}" for i in range(4)), "blocks.0.sa.proj", "blocks.0.sa.dropout"]
    head = next(call for call in opened.calls.calls if call.name == "blocks.1.sa.heads.3")
    assert [fn.op_name() for fn in head.ops] == ["Permute", "MatMul", "Mul", "Where", "Softmax", "MatMul"]
    assert [child.name.rsplit(".", 1)[1] for child in head.children] == ["key", "query", "dropout", "value"]
    cnn, loss = cnn_loss()
    spec = spec_of(loss, cnn)
    assert [box.name for box in spec.boxes] == ["0", "1", "2", "3", "4", "5"]
    assert [box.summary for box in spec.boxes][:2] == ["2 ops · Conv2d · Relu"] * 2


def real_pictures(make, expands):
    """For each ``expand``: the picture before backward, at a step of backward, and after backward()."""
    for expand in expands:
        _, loss = make()
        steps = trace_backward(loss, file=None, retain_graph=True)
        yield expand, draw_graph(loss, expand=expand)
        yield expand, draw_graph(loss, expand=expand, grads=steps, step=len(steps) // 2)
        _, loss = make()
        loss.backward()
        yield expand, draw_graph(loss, expand=expand)  # the gradients of the parameters drawn, a long title


@needs_dot
@pytest.mark.parametrize("model", ["gpt", "cnn"])
def test_the_real_models_fit_a_notebook_column_at_a_legible_size(model):
    """As the lesson's graph and the toy GPT: ≤ 1000 px wide with nothing squeezed below 9-point text, with
    any one block, attention, MLP or layer open."""
    if model == "gpt":
        make, expands = gpt_loss, (None, False, ["blocks"], ["blocks.1"], ["blocks.0.sa"], ["blocks.1.sa"],
                                   ["blocks.0.ffwd"], ["blocks.0.ffwd.net"], ["blocks.1.ln2"], ["lm_head"])
    else:
        make, expands = cnn_loss, (None, False, ["0"], ["0.0"], ["3"], ["4"])
    for expand, picture in real_pictures(make, expands):
        width, scale = svg_size(picture)
        assert width <= COLUMN_PT and scale >= 0.9 and SMALL * scale >= 9, (expand, width, scale)


@needs_dot
def test_the_models_input_is_drawn_above_its_frame_not_beside_it():
    """``idx`` is handed to the GPT from outside, so it is drawn outside the model's frame: above it (the
    frame starts a rank lower), not beside it, where it would widen the whole frame all the way down."""
    import json

    for make, expand in ((gpt_loss, ["blocks.0.sa"]), (cnn_loss, ["0.0"])):
        model, loss = make()
        spec = spec_of(loss, model, expand=expand)
        outer = next(call for call in spec.calls.calls if call.module is model)
        given, frame = spec.key_of(outer.args[0]), next(c.key for c in spec.clusters if c.call is outer)
        layout = json.loads(draw_graph(loss, expand=expand).pipe(format="json"))
        found = {o["name"]: o for o in layout["objects"]}
        x, y = map(float, found[given]["pos"].split(","))
        left, bottom, right, top = map(float, found[frame]["bb"].split(","))
        assert y - float(found[given]["height"]) * 36 > top, make.__name__  # its lower edge above the frame
