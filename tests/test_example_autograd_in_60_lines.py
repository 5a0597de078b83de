"""examples/autograd_in_60_lines.py: MinimalTensor's gradients equal the hand-written derivatives,
tinygrad_edu's and finite differences; a gradient reaching a tensor twice is added up."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import lesson

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import backprop_by_hand as by_hand  # noqa: E402
from autograd_in_60_lines import MinimalTensor, sum_to_shape, where  # noqa: E402


def _batch(rows: int = 32, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.random((rows, lesson.PIXELS), dtype=np.float32)
    y = (rng.random((rows, 1)) < 0.5).astype(np.float32)
    w = rng.standard_normal((lesson.PIXELS, 1), dtype=np.float32)
    b = rng.standard_normal(1, dtype=np.float32)
    return x, y, w, b


def _parameters(*arrays: np.ndarray) -> list[MinimalTensor]:
    return [MinimalTensor(a, requires_grad=True) for a in arrays]


def test_gradients_match_the_hand_written_derivatives_and_tinygrad_edu():
    x, y, w, b = _batch()
    weights, bias = _parameters(w.copy(), b.copy())
    p = (MinimalTensor(x) @ weights + bias).sigmoid()
    loss = where(y == 1, 1 - p, p).mean()
    loss.backward()
    want_loss, want_dw, want_db = by_hand.linear_loss_and_grads(x, y, w, b)
    assert float(loss.data) == pytest.approx(want_loss, rel=1e-6)
    np.testing.assert_allclose(weights.grad, want_dw, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(bias.grad, want_db, rtol=1e-5, atol=1e-8)
    # and tinygrad_edu gets the same numbers from the chapter's code
    tw, tb = tg.tensor(w).requires_grad_(), tg.tensor(b).requires_grad_()
    lesson.mnist_loss(tg.tensor(x) @ tw + tb, tg.tensor(y)).backward()
    np.testing.assert_allclose(tw.grad.numpy(), weights.grad, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(tb.grad.numpy(), bias.grad, rtol=1e-5, atol=1e-8)


def test_a_gradient_reaching_a_node_twice_is_added_up():
    x, y, w, b = _batch(rows=4)
    weights, bias = _parameters(w, b)
    p = (MinimalTensor(x) @ weights + bias).sigmoid()
    p.mean().backward()  # one path
    one_path = weights.grad.copy()
    weights.grad = bias.grad = None
    p2 = (MinimalTensor(x) @ weights + bias).sigmoid()
    where(np.ones_like(y, bool), p2, p2).mean().backward()  # p2 reached twice
    np.testing.assert_allclose(weights.grad, one_path, rtol=1e-6)
    weights.grad = bias.grad = None
    p3 = (MinimalTensor(x) @ weights + bias).sigmoid()
    (p3 + p3).mean().backward()  # both paths carry the whole gradient
    np.testing.assert_allclose(weights.grad, 2 * one_path, rtol=1e-6)


def test_leaf_gradients_accumulate_over_backward_calls_as_in_pytorch():
    x, _, w, b = _batch(rows=4)
    weights, bias = _parameters(w, b)
    (MinimalTensor(x) @ weights + bias).sigmoid().mean().backward()
    once = weights.grad.copy()
    (MinimalTensor(x) @ weights + bias).sigmoid().mean().backward()
    np.testing.assert_allclose(weights.grad, 2 * once, rtol=1e-6)


def test_every_operation_matches_finite_differences_in_float64():
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 2)), rng.standard_normal((1, 2))
    condition = rng.random((5, 2)) < 0.5
    arrays = [x, w, b]

    def loss_of(*leaves: MinimalTensor) -> MinimalTensor:
        z = leaves[0] @ leaves[1] + leaves[2]
        s = z.sigmoid()
        return where(condition, 1 - s, z).mean()

    leaves = _parameters(*arrays)
    loss_of(*leaves).backward()
    eps = 1e-6
    for leaf, array in zip(leaves, arrays, strict=True):
        numeric = np.zeros_like(array)
        for k in np.ndindex(array.shape):
            original = array[k]
            array[k] = original + eps
            plus = float(loss_of(*(MinimalTensor(a) for a in arrays)).data)
            array[k] = original - eps
            minus = float(loss_of(*(MinimalTensor(a) for a in arrays)).data)
            array[k] = original
            numeric[k] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(leaf.grad, numeric, rtol=1e-6, atol=1e-9)


def test_nothing_flows_to_tensors_that_do_not_require_a_gradient():
    x, y, w, b = _batch(rows=4)
    batch = MinimalTensor(x)
    weights, bias = _parameters(w, b)
    p = (batch @ weights + bias).sigmoid()
    where(y == 1, 1 - p, p).mean().backward()
    assert batch.grad is None and not batch.requires_grad and p.requires_grad


def test_sum_to_shape_undoes_broadcasting():
    g = np.arange(24.0).reshape(2, 3, 4)
    assert sum_to_shape(g, (4,)).tolist() == g.sum(axis=(0, 1)).tolist()
    assert sum_to_shape(g, (3, 1)).tolist() == g.sum(axis=(0, 2))[:, None].tolist()
    assert sum_to_shape(g, g.shape) is g


def test_main_shows_gradients_equal_to_tinygrad_edus(capsys):
    result = importlib_main()
    (mine, theirs) = result["grads"]
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-8)
    assert result["loss"][0] == pytest.approx(result["loss"][1], rel=1e-6)
    out = capsys.readouterr().out
    assert "MinimalTensor" in out and "tinygrad_edu" in out and "bias" in out


def importlib_main() -> dict:
    import autograd_in_60_lines

    return autograd_in_60_lines.main()
