"""Names in pictures: expressions for unnamed intermediates, and names taken from a namespace."""

from __future__ import annotations

import types

import numpy as np
import pytest

import tinygrad_edu as tg
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
