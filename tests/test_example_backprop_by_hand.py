"""examples/backprop_by_hand.py: the hand-written derivatives are right (finite differences, tinygrad_edu),
and training by hand takes the same steps as tinygrad_edu on the lesson's loop."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import lesson
from tinygrad_edu.nn import functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import backprop_by_hand as by_hand  # noqa: E402


def _numeric_gradient(f, param: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(param)
    flat, out = param.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        plus = f()
        flat[k] = original - eps
        minus = f()
        flat[k] = original
        out[k] = (plus - minus) / (2 * eps)
    return grad


def _lesson_batch(rows: int = 6, pixels: int = 5, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, pixels))
    y = np.array([[1], [0]] * (rows // 2))
    return x, y, rng.standard_normal((pixels, 1)), rng.standard_normal(1)


@pytest.mark.parametrize("model", ["simple_net", "mlp"])
def test_two_layer_derivatives_match_finite_differences(model):
    """The hand-written backward passes (float64, a few pixels) are right."""
    rng = np.random.default_rng(1)
    pixels, hidden, n = 6, 5, 7
    x = rng.standard_normal((n, pixels))
    if model == "simple_net":
        y, outputs, loss_and_grad = rng.integers(0, 2, (n, 1)), 1, by_hand.mnist_loss_and_grad
    else:
        y, outputs, loss_and_grad = rng.integers(0, 10, n), 10, by_hand.cross_entropy_and_grad
    params = [rng.standard_normal(s) for s in [(hidden, pixels), (hidden,), (outputs, hidden), (outputs,)]]

    def loss() -> float:
        return by_hand.two_layer_loss_and_grads(params, x, y, loss_and_grad)[0]

    _, grads = by_hand.two_layer_loss_and_grads(params, x, y, loss_and_grad)
    for p, g in zip(params, grads, strict=True):
        np.testing.assert_allclose(g, _numeric_gradient(loss, p), atol=1e-7)


def test_gradcheck_spots_a_wrong_derivative(monkeypatch):
    rng = np.random.default_rng(2)
    x, y = rng.random((4, 5)), rng.integers(0, 2, (4, 1))
    w, b = rng.standard_normal((5, 1)), rng.standard_normal(1)
    assert by_hand.gradcheck_linear(x, y, w, b)[0]
    right = by_hand.linear_loss_and_grads

    def wrong(*args):
        loss, dw, db = right(*args)
        return loss, 2 * dw, db

    monkeypatch.setattr(by_hand, "linear_loss_and_grads", wrong)
    assert not by_hand.gradcheck_linear(x, y, w, b)[0]


def _leaves(*arrays: np.ndarray) -> list[tg.Tensor]:
    return [tg.tensor(a, dtype=tg.float64, requires_grad=True) for a in arrays]


def test_linear_and_mean_sigmoid_gradients_equal_tinygrad_edus():
    x, y, w, b = _lesson_batch()
    loss, dw, db = by_hand.linear_loss_and_grads(x, y, w, b)
    tw, tb = _leaves(w, b)
    expected = lesson.mnist_loss((tg.tensor(x, dtype=tg.float64) @ tw + tb), tg.tensor(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10, atol=1e-14)

    loss, dw, db = by_hand.mean_sigmoid_and_grads(x, w, b)
    tw, tb = _leaves(w, b)
    expected = (tg.tensor(x, dtype=tg.float64) @ tw + tb).sigmoid().mean()
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(db, tb.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_cross_entropy_gradient_equals_tinygrad_edus():
    rng = np.random.default_rng(4)
    logits, y = rng.standard_normal((6, 10)) * 3, rng.integers(0, 10, 6)
    loss, dlogits = by_hand.cross_entropy_and_grad(logits.copy(), y)
    (t,) = _leaves(logits)
    expected = F.cross_entropy(t, tg.tensor(y))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, t.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_momentum_steps_equal_tinygrad_edus_sgd():
    rng = np.random.default_rng(5)
    start = [rng.standard_normal((3, 4)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(p.shape) for p in start] for _ in range(3)]
    params, velocities = [p.copy() for p in start], [None, None]
    tensors = _leaves(*start)
    optimizer = tg.optim.SGD(tensors, lr=0.1, momentum=0.9)
    for step in grads:
        by_hand.sgd_momentum_step(params, step, velocities, lr=0.1, momentum=0.9)
        for t, g in zip(tensors, step, strict=True):
            t.grad = tg.tensor(g, dtype=tg.float64)
        optimizer.step()
    for mine, theirs in zip(params, tensors, strict=True):
        np.testing.assert_allclose(mine, theirs.detach().numpy(), rtol=1e-12)


def test_training_by_hand_takes_the_same_steps_as_tinygrad_edu():
    run = by_hand.main(epochs=1, quiet=True)
    mine, theirs = run["by_hand"], run["tinygrad_edu"]
    assert len(mine["losses"]) == len(theirs["losses"]) == 49  # 12,396 images in batches of 256
    np.testing.assert_allclose(mine["losses"], theirs["losses"], rtol=1e-5, atol=1e-7)
    assert mine["accuracies"] == theirs["accuracies"]
    assert mine["accuracies"][0] > 0.6  # it learned something in one epoch
    for a, b in zip(mine["params"], theirs["params"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_main_prints_both_columns(capsys):
    by_hand.main(epochs=1)
    out = capsys.readouterr().out
    assert "by hand" in out and "tinygrad_edu" in out and "49 steps" in out
