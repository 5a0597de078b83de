"""Names in pictures: expressions for unnamed intermediates, and names taken from a namespace."""

from __future__ import annotations

import runpy
import textwrap
import types

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz import BackwardExplorer, explore, trace_backward
from tinygrad_edu.viz.graph import build_graph, tensor_names
from tinygrad_edu.viz.names import EXPRESSION_LENGTH


def lesson_loss():
    """The lesson's code as a learner writes it: nothing named by hand."""
    rng = np.random.default_rng(0)
    xb = tg.tensor(rng.random((4, 784), dtype=np.float32))
    yb = tg.tensor([[1], [1], [0], [0]])
    weights = tg.randn(784, 1).requires_grad_()
    bias = tg.randn(1).requires_grad_()

    def mnist_loss(predictions, targets):
        predictions = predictions.sigmoid()
        return tg.where(targets == 1, 1 - predictions, predictions).mean()

    loss = mnist_loss(xb @ weights + bias, yb)
    return {"xb": xb, "yb": yb, "weights": weights, "bias": bias, "loss": loss, "mnist_loss": mnist_loss}


def by_tensor(names: dict[int, str], **tensors) -> dict[str, str]:
    return {label: names[id(t)] for label, t in tensors.items()}


def intermediates(loss) -> list:
    """The intermediate tensors behind ``loss`` in forward order (as build_graph numbers them)."""
    return [node.tensor for node in build_graph(loss).tensors if node.role == "intermediate"]


def test_expression_names_from_a_namespace():
    ns = lesson_loss()
    names = tensor_names(ns["loss"], ns, expressions=True)
    scores, predictions, p, one_minus_p, picked = intermediates(ns["loss"])
    assert by_tensor(names, s=scores, pr=predictions, p=p, o=one_minus_p) == {
        "s": "xb @ weights", "pr": "xb @ weights + bias", "p": "sigmoid(xb @ weights + bias)",
        "o": "1 - sigmoid(xb @ weights + bias)"}
    assert names[id(picked)] == "where(input 0, …, …)"  # yb == 1 was not recorded: an unnamed input
    assert names[id(ns["loss"])] == "loss"
    assert names[id(one_minus_p.grad_fn.inputs[0])] == "1"  # a constant shows its value


def test_expression_names_without_any_names_are_cut_short():
    ns = lesson_loss()
    names = tensor_names(ns["loss"], expressions=True)
    scores, predictions, p, one_minus_p, _ = intermediates(ns["loss"])
    assert by_tensor(names, s=scores, pr=predictions, p=p, o=one_minus_p) == {
        "s": "input 0 @ leaf 0", "pr": "input 0 @ leaf 0 + leaf 1", "p": "sigmoid(… + leaf 1)",
        "o": "1 - sigmoid(… + leaf 1)"}
    assert names[id(ns["loss"])] == "output"
    assert all(len(name) <= EXPRESSION_LENGTH for name in names.values())


def test_default_names_stay_numbered():
    ns = lesson_loss()
    names = tensor_names(ns["loss"])
    assert [names[id(t)] for t in intermediates(ns["loss"])] == ["t0", "t1", "t2", "t3", "t4"]
    assert "constant 0" in names.values()


def test_expressions_follow_python_precedence():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    a = (x * 2 - 1) ** 2
    b = x - (x - 3)
    c = -x
    d = (a / b).sum(0)
    e = c.exp().mean()
    loss = d + e
    names = tensor_names(loss, {"x": x}, expressions=True)
    assert by_tensor(names, a=a, b=b, c=c, e=e) == {
        "a": "(x * 2 - 1) ** 2", "b": "x - (x - 3)", "c": "-x", "e": "exp(-x).mean()"}
    assert names[id(d.grad_fn.inputs[0])] == "(x * 2 - 1) ** 2 / (x - (x - 3))"
    assert names[id(d)] == "(… / …).sum(0)"  # the whole would be too long: the inner ops stand for it


def test_a_name_with_operators_is_parenthesized():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    one_minus = 1 - x
    doubled = one_minus * 2
    names = tensor_names(doubled.sum(), {"1 - x": one_minus}, expressions=True)
    assert names[id(doubled)] == "(1 - x) * 2"


def test_namespace_skips_what_is_not_a_tensor_and_names_module_parameters():
    model = tg.nn.Linear(3, 1)
    x = tg.ones(2, 3)
    out = model(x)
    loss = out.mean()
    namespace = {"np": np, "tg": tg, "lesson_loss": lesson_loss, "lr": 0.1, "epochs": 3, "sizes": [1, 2],
                 "Linear": tg.nn.Linear, "model": model, "x": x, "loss": loss, "_": loss, "_3": out,
                 "__name__": "__main__", "mod": types.ModuleType("m")}
    names = tensor_names(loss, namespace, expressions=True)
    assert names[id(x)] == "x" and names[id(loss)] == "loss"
    assert names[id(model.weight)] == "model.weight" and names[id(model.bias)] == "model.bias"
    assert names[id(out)] == "linear(x, model.weight, model.bias)"  # not "_3": private names are skipped


def test_names_from_real_globals():
    ns = lesson_loss()
    globals().update(lesson_xb=ns["xb"], lesson_weights=ns["weights"])
    try:
        names = tensor_names(ns["loss"], globals(), expressions=True)
    finally:
        del globals()["lesson_xb"], globals()["lesson_weights"]
    assert names[id(intermediates(ns["loss"])[0])] == "lesson_xb @ lesson_weights"


def test_a_dict_without_tensors_is_still_an_error():
    ns = lesson_loss()
    with pytest.raises(TypeError, match=r"names: 'x' should map to a Tensor, not int"):
        tensor_names(ns["loss"], {"x": 3})
    with pytest.raises(TypeError, match=r"names: expected a dict name -> Tensor"):
        tensor_names(ns["loss"], [ns["xb"]])


def test_deep_chains_are_named_quickly():
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):
        y = (y * 1.0001).sigmoid()
    names = tensor_names(y.sum(), {"x": x}, expressions=True)
    assert max(len(name) for name in names.values()) <= EXPRESSION_LENGTH
    assert names[id(y)] == "sigmoid(… * 1.0001)"  # a constant shows its value in full


# ---- without names=: the caller's own variables ----------------------------------------------------

SHARED_WEIGHT = tg.tensor([0.5, -1.0], requires_grad=True)  # a global, named by tests that do not bind it


def lesson_parts():
    rng = np.random.default_rng(1)
    xb = tg.tensor(rng.random((4, 3), dtype=np.float32))
    yb = tg.tensor([[1], [0], [1], [0]])
    weights = tg.randn(3, 1).requires_grad_()
    bias = tg.zeros(1).requires_grad_()
    return xb, yb, weights, bias


def test_trace_backward_names_the_tensors_after_the_callers_locals():
    xb, yb, weights, bias = lesson_parts()
    predictions = xb @ weights + bias
    loss = tg.where(yb == 1, 1 - predictions.sigmoid(), predictions.sigmoid()).mean()
    steps = trace_backward(loss, file=None)
    assert steps[0].output_name == "loss" and steps[-1].input_names == ("xb", "weights")
    assert [s.output_name for s in steps if s.op == "Add"] == ["predictions"]
    assert "bias" in steps[[s.op for s in steps].index("Add")].input_names


def test_names_off_with_an_empty_dict_and_explicit_names_still_win():
    xb, _, weights, bias = lesson_parts()
    loss = (xb @ weights + bias).sum()
    expected = [({"names": {}}, ("input 0", "leaf 0")), ({"names": {"W": weights}}, ("input 0", "W")),
                ({"params": {"W": weights}}, ("xb", "W"))]  # the explicit name, not "weights"
    for kwargs, inputs in expected:
        assert trace_backward(loss, file=None, retain_graph=True, **kwargs)[-1].input_names == inputs


def test_locals_before_globals_and_the_first_name_bound_wins_every_run():
    w = SHARED_WEIGHT
    also_w = w  # bound later: loses to w
    loss = (also_w * 3).sum()
    for _ in range(3):
        assert trace_backward(loss, file=None, retain_graph=True)[-1].input_names[0] == "w"

    def no_local_name():
        return trace_backward((SHARED_WEIGHT * 2).sum(), file=None)[-1].input_names[0]

    assert no_local_name() == "SHARED_WEIGHT"


def test_what_is_not_a_tensor_is_skipped_without_complaint():
    class LooksLikeAModule:  # e.g. a PyTorch model next to ours: its tensors are not ours
        def named_parameters(self):
            return iter([("weight", np.ones(2))])

    other_model, settings, weights = LooksLikeAModule(), {"lr": 0.1}, tg.ones(2).requires_grad_()
    model = tg.nn.Linear(2, 1)
    loss = model(weights).sum()
    names = {name for step in trace_backward(loss, file=None) for name in step.input_names}
    assert {"weights", "model.weight", "model.bias"} <= names and settings and other_model


def test_explore_and_its_picture_use_the_callers_names_through_every_layer():
    xb, _, weights, bias = lesson_parts()
    scores = xb @ weights + bias
    explorer = explore(scores.sigmoid().mean())  # explore -> trace_backward -> tensor_names: one user frame
    names = [t["name"] for t in explorer.data["tensors"]]
    assert {"xb", "weights", "bias", "scores"} <= set(names)
    assert [s.input_names for s in explorer.steps][-1] == ("xb", "weights")
    if explorer.svg is not None:
        assert ">weights<" in explorer.svg and ">scores<" in explorer.svg
    again = BackwardExplorer(explorer.loss, explorer.steps)  # made by hand from the steps: the same names
    assert [t["name"] for t in again.data["tensors"]] == names


def test_draw_graph_names_the_callers_tensors():
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    from tinygrad_edu.viz import draw_graph

    xb, _, weights, bias = lesson_parts()
    loss = (xb @ weights + bias).sigmoid().mean()
    source = draw_graph(loss).source
    assert "<B>weights</B>" in source and "<B>xb @ weights + bias</B>" in source and "<B>loss</B>" in source
    assert "<B>leaf 0</B>" in draw_graph(loss, names={}).source


def test_module_level_code_is_named_by_its_globals(tmp_path):
    script = tmp_path / "learner.py"
    script.write_text(textwrap.dedent("""
        import tinygrad_edu as torch
        from tinygrad_edu.viz import trace_backward

        xb = torch.ones(2, 3)
        weights = torch.ones(3, 1).requires_grad_()
        loss = (xb @ weights).sum()
        STEPS = trace_backward(loss, file=None)
    """), encoding="utf-8")
    namespace = runpy.run_path(str(script))
    steps = namespace["STEPS"]
    assert steps[0].output_name == "loss" and steps[-1].input_names == ("xb", "weights")


def test_an_executed_notebook_names_its_variables(tmp_path):
    nbformat = pytest.importorskip("nbformat", reason="executing a notebook needs nbformat: the dev extra")
    pytest.importorskip("nbclient", reason="executing a notebook needs nbclient: pip install -e '.[dev]'")
    pytest.importorskip("ipykernel", reason="executing a notebook needs ipykernel: pip install -e '.[dev]'")
    from nbclient import NotebookClient

    cells = [
        "import tinygrad_edu as torch\nfrom tinygrad_edu.viz import explore, trace_backward\n"
        "xb = torch.ones(4, 3)\nweights = torch.ones(3, 1).requires_grad_()\n"
        "bias = torch.zeros(1).requires_grad_()",
        "loss = (xb @ weights + bias).sigmoid().mean()\nsteps = trace_backward(loss, file=None)\n"
        "print(steps[0].output_name, steps[-1].input_names)",
        "def fresh():\n    return (xb @ weights).sum()\n"
        "print(sorted(t['name'] for t in explore(fresh()).data['tensors']))",
        "print(trace_backward((xb @ weights).sum(), file=None, names={})[-1].input_names)",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = ["".join(o.get("text", "") for o in cell.outputs).strip() for cell in notebook.cells]
    assert printed[1] == "loss ('xb', 'weights')"
    assert printed[2] == "['output', 'weights', 'xb', 'xb @ weights']"  # from the function's globals
    assert printed[3] == "('input 0', 'leaf 0')"
