"""trace_backward: one record per op, in the engine's order, with the gradients computed by hand."""

from __future__ import annotations

import io
import os
import shutil
import time
from types import SimpleNamespace

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz import ArrayStats, array_stats, gradients_at, trace_backward
from tinygrad_edu.viz.model import lesson_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's `dot` program is missing")


def small_graph():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    c = tg.tensor([5.0, 6.0])
    return a, b, c, (a * b + c).sum()


def fake_sample(seed: int = 1):
    """A stand-in for load_mnist_sample(): random uint8 'images' (N, 28, 28)."""
    rng = np.random.default_rng(seed)
    images = {name: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
              for name, n in (("train_3", 10), ("train_7", 12), ("valid_3", 3), ("valid_7", 3))}
    return SimpleNamespace(**images)


def test_array_stats():
    tiny = array_stats(np.array([[0.25], [-0.5]], np.float32))
    assert tiny.values == (0.25, -0.5) and tiny.summary() == "[0.25, -0.5]"
    assert tiny.describe() == "(2, 1) float32  [0.25, -0.5]"
    big = array_stats(np.arange(10.0))
    assert big.values is None and (big.min, big.mean, big.max) == (0.0, 4.5, 9.0)
    assert big.summary() == "min 0 · mean 4.5 · max 9"
    assert array_stats(np.float32(1.0)).summary() == "1"
    assert array_stats(np.zeros((0, 3))).summary() == "empty"
    assert array_stats(np.array([True, False])).summary() == "[True, False]"


def test_small_graph_steps():
    a, b, c, loss = small_graph()
    steps = trace_backward(loss, file=None, names={"a": a, "b": b, "c": c})
    assert [s.op for s in steps] == ["Sum", "Add", "Mul"]
    assert [s.index for s in steps] == [1, 2, 3]
    total, add, mul = steps
    assert total.output_shape == () and total.input_shapes == ((2,),)
    assert total.grad_out.values == (1.0,) and total.grads_in[0].values == (1.0, 1.0)
    assert add.input_names == ("t0", "c") and add.arg_names == ("a", "b")
    assert add.grads_in[1] is None  # c does not require grad
    assert mul.rule == "out = a * b;  d/da = b,  d/db = a"
    assert mul.grads_in[0].values == (3.0, 4.0)  # d/da = b
    assert mul.grads_in[1].values == (1.0, 2.0)  # d/db = a
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 2.0])


def test_text_of_small_graph(capsys):
    a, b, c, loss = small_graph()
    trace_backward(loss, names={"a": a, "b": b, "c": c, "loss": loss})
    text = capsys.readouterr().out
    assert text.startswith("Backward pass from loss = 22: 3 ops")
    assert "step 1: Sum   t1 (2,)  ->  loss ()" in text
    assert "  rule:      out = a * b;  d/da = b,  d/db = a" in text
    assert "  arriving:  d loss/d loss = () float32  1" in text
    assert "  to b (c):  nothing, it does not require grad" in text
    assert "  to a (a):  d loss/d a = (2,) float32  [3, 4]   (added to a.grad)" in text
    assert "  a.grad = (2,) float32  [3, 4]" in text


def test_file_none_prints_nothing(capsys):
    *_, loss = small_graph()
    trace_backward(loss, file=None)
    assert capsys.readouterr().out == ""


def test_file_argument():
    *_, loss = small_graph()
    out = io.StringIO()
    trace_backward(loss, file=out)
    assert "step 3: Mul" in out.getvalue()


def test_same_leaf_gradients_as_backward():
    a1, b1, _, loss1 = small_graph()
    loss1.backward()
    a2, b2, _, loss2 = small_graph()
    trace_backward(loss2, file=None)
    np.testing.assert_array_equal(a1.grad.numpy(), a2.grad.numpy())
    np.testing.assert_array_equal(b1.grad.numpy(), b2.grad.numpy())


def test_lesson_model_against_numpy():
    model = lesson_graph(batch_size=4, seed=3, sample=fake_sample())
    steps = trace_backward(model.loss, file=None, names=model.names, params=model.params)
    assert [s.op for s in steps] == ["Mean", "Where", "Sub", "Sigmoid", "Add", "MatMul"]
    assert [s.output_shape for s in steps] == [(), (4, 1), (4, 1), (4, 1), (4, 1), (4, 1)]
    assert steps[-1].input_shapes == ((4, 784), (784, 1))
    assert steps[4].input_shapes == ((4, 1), (1,))
    assert steps[4].input_names == ("xb @ weights", "bias")
    assert [s.unbroadcast for s in steps][4] == (False, True)  # only bias was summed
    assert not any(any(s.unbroadcast) for i, s in enumerate(steps) if i != 4)

    # the same numbers by hand, in float64
    x = model.xb.numpy().astype(np.float64)
    y = model.yb.numpy()
    w = model.weights.detach().numpy().astype(np.float64)
    b = model.bias.detach().numpy().astype(np.float64)
    p = 1 / (1 + np.exp(-(x @ w + b)))
    np.testing.assert_allclose(model.loss.item(), np.where(y == 1, 1 - p, p).mean(), rtol=1e-5)
    d_picked = np.full((4, 1), 1 / 4)  # Mean: 1/n each
    d_p = np.where(y == 1, -d_picked, d_picked)  # Where, then Sub's -1 for the 3s
    d_pred = d_p * p * (1 - p)  # Sigmoid
    by_op = {s.op: s for s in steps}
    np.testing.assert_allclose(by_op["Mean"].grads_in_arrays[0], d_picked)
    np.testing.assert_allclose(by_op["Sigmoid"].grad_out_array, d_p, rtol=1e-6)
    np.testing.assert_allclose(by_op["Sigmoid"].grads_in_arrays[0], d_pred, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(by_op["Add"].grads_in_arrays[1], d_pred.sum(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(by_op["MatMul"].grads_in_arrays[1], x.T @ d_pred, rtol=1e-4, atol=1e-6)
    assert by_op["MatMul"].grads_in[0] is None  # xb needs no gradient
    weights_grad = by_op["MatMul"].grads_in[1]
    assert weights_grad.values is None and weights_grad.shape == (784, 1)
    assert weights_grad.min == pytest.approx((x.T @ d_pred).min(), rel=1e-4, abs=1e-6)
    assert weights_grad.mean == pytest.approx((x.T @ d_pred).mean(), rel=1e-4, abs=1e-6)
    assert weights_grad.max == pytest.approx((x.T @ d_pred).max(), rel=1e-4, abs=1e-6)
    np.testing.assert_allclose(model.weights.grad.numpy(), x.T @ d_pred, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.bias.grad.numpy(), d_pred.sum(0), rtol=1e-4, atol=1e-6)


def test_lesson_trace_text():
    model = lesson_graph(batch_size=4, seed=3, sample=fake_sample())
    out = io.StringIO()
    trace_backward(model.loss, file=out, names=model.names, params=model.params)
    text = out.getvalue()
    order = [text.index(f": {op} ") for op in ("Mean", "Where", "Sub", "Sigmoid", "Add", "MatMul")]
    assert order == sorted(order)
    assert "to cond (yb == 1):  nothing, it does not require grad" in text
    assert "summed over the broadcast axes: (4, 1) -> (1,); added to bias.grad" in text
    assert "step 6: MatMul   xb (4, 784), weights (784, 1)  ->  xb @ weights (4, 1)" in text
    assert "d/db = aᵀ @ grad" in text


def test_errors():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="single number"):
        trace_backward(x * 2, file=None)
    with pytest.raises(RuntimeError, match="no grad_fn"):
        trace_backward(x, file=None)
    with pytest.raises(TypeError, match="expected a Tensor"):
        trace_backward(3.0, file=None)


def test_twice_needs_retain_graph():
    a, b, _, loss = small_graph()
    trace_backward(loss, file=None, retain_graph=True)
    trace_backward(loss, file=None)
    np.testing.assert_array_equal(a.grad.numpy(), [6.0, 8.0])  # accumulated, as with backward()
    with pytest.raises(RuntimeError, match="second time"):
        trace_backward(loss, file=None)


def test_gradients_at_tracks_partial_sums():
    x = tg.tensor([0.5, -1.0], requires_grad=True)
    p = x.sigmoid()
    loss = (p * 2 + p).sum()
    steps = trace_backward(loss, file=None)
    known = gradients_at(steps, loss, 2)  # after Sum and Add: p has Add's share only
    grad, complete = known[id(p)]
    np.testing.assert_array_equal(grad, [1.0, 1.0])
    assert not complete
    grad, complete = gradients_at(steps, loss, 3)[id(p)]
    np.testing.assert_array_equal(grad, [3.0, 3.0])
    assert complete
    assert id(x) not in gradients_at(steps, loss, 3)
    assert gradients_at(steps, loss, 0) == {id(loss): (steps[0].grad_out_array, True)}
    assert set(gradients_at(steps, loss)) == set(gradients_at(steps, loss, len(steps)))


def test_long_chain_is_fast():
    x = tg.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.0001
    start = time.perf_counter()
    steps = trace_backward(y.sum(), file=None)
    assert time.perf_counter() - start < 5
    assert len(steps) == 2001
    assert x.grad.item() == pytest.approx(1.0001**2000, rel=1e-4)


def test_pictures_as_dot_sources(tmp_path):
    pytest.importorskip("graphviz")
    a, b, c, loss = small_graph()
    steps = trace_backward(loss, file=None, pictures=tmp_path / "steps", picture_format="dot")
    names = sorted(p.name for p in (tmp_path / "steps").iterdir())
    assert names == ["00-start.dot", "01-Sum.dot", "02-Add.dot", "03-Mul.dot"]
    assert [s.picture.name for s in steps] == names[1:]
    assert "Backward step 2 of 3: Add" in (tmp_path / "steps" / "02-Add.dot").read_text(encoding="utf-8")


@needs_dot
def test_pictures_as_svg(tmp_path):
    model = lesson_graph(batch_size=2, seed=0, sample=fake_sample())
    steps = trace_backward(model.loss, file=None, pictures=tmp_path, names=model.names, params=model.params)
    assert len(list(tmp_path.glob("*.svg"))) == len(steps) + 1
    assert all(s.picture.read_bytes().startswith(b"<?xml") for s in steps)


def test_pictures_without_dot(tmp_path, monkeypatch, capsys):
    pytest.importorskip("graphviz")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    *_, loss = small_graph()
    steps = trace_backward(loss, file=None, pictures=tmp_path / "steps")
    assert sorted(p.suffix for p in (tmp_path / "steps").iterdir()) == [".dot"] * 4
    assert all(s.picture.suffix == ".dot" for s in steps)
    assert "apt-get install graphviz" in capsys.readouterr().err


def test_max_pictures(tmp_path, capsys):
    pytest.importorskip("graphviz")
    *_, loss = small_graph()
    steps = trace_backward(loss, file=None, pictures=tmp_path, picture_format="dot", max_pictures=1)
    assert len(list(tmp_path.iterdir())) == 2 and steps[1].picture is None
    assert "first 1 of 3 steps" in capsys.readouterr().err


def test_step_record_repr_is_short():
    *_, loss = small_graph()
    steps = trace_backward(loss, file=None)
    assert "grad_out_array" not in repr(steps[0]) and isinstance(steps[0].grad_out, ArrayStats)


def test_pictures_keep_a_folder_already_there_and_refuse_a_file(tmp_path, capsys):
    pytest.importorskip("graphviz")
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "01-Sum.dot").write_text("mine")
    steps = trace_backward(small_graph()[-1], file=None, pictures=tmp_path / "steps", picture_format="dot")
    assert (tmp_path / "steps" / "01-Sum.dot").read_text() == "mine"
    assert [s.picture for s in steps] == [tmp_path / "steps-2" / n for n in ("01-Sum.dot", "02-Add.dot",
                                                                             "03-Mul.dot")]
    assert all(s.picture.read_text().startswith("digraph") for s in steps)
    assert f"the pictures go to {tmp_path / 'steps-2'}" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"trace_backward: pictures=.*01-Sum.dot.*is a file, not a folder"):
        trace_backward(small_graph()[-1], file=None, pictures=tmp_path / "steps" / "01-Sum.dot")
    assert sorted(os.listdir(tmp_path)) == ["steps", "steps-2"]
