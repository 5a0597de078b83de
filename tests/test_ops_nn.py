"""ops/nn.py: Embedding, LayerNorm and Gelu, gradchecked in float64 on random shapes (repeated indices,
padding_idx, odd sizes, several normalized dims) and their values checked against numpy formulas; erf
against math.erf."""

import math

import numpy as np
import pytest
from conftest import leaves

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.ops.nn import erf


@pytest.mark.parametrize("seed", range(4))
def test_embedding_picks_rows_and_scatters_the_gradient_back(seed):
    rng = np.random.default_rng(seed)
    rows, dim = int(rng.integers(1, 6)), int(rng.integers(1, 5))
    idx_shape = tuple(int(n) for n in rng.integers(1, 4, size=rng.integers(0, 3)))
    idx = rng.integers(0, rows, idx_shape)  # small tables: indices repeat
    weight = rng.standard_normal((rows, dim))
    index = tg.tensor(idx)
    out = ops.Embedding.apply(*leaves(weight), index)
    assert out.shape == idx_shape + (dim,) and np.array_equal(out.detach().numpy(), weight[idx])
    assert tg.gradcheck(lambda w: ops.Embedding.apply(w, index) * ops.Embedding.apply(w, index),
                        leaves(weight))
    w = leaves(weight)[0]
    grad = rng.standard_normal(idx_shape + (dim,))
    ops.Embedding.apply(w, index).backward(grad)
    expected = np.zeros_like(weight)
    np.add.at(expected, idx, grad)  # the scatter-add, written the slow way
    assert np.allclose(w.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_embedding_padding_row_gets_no_gradient():
    w = tg.randn(4, 3, dtype=tg.float64, requires_grad=True)
    idx = tg.tensor([[0, 2, 2], [1, 2, 0]])
    ops.Embedding.apply(w, idx, padding_idx=2).sum().backward()
    assert w.grad.numpy()[2].tolist() == [0.0] * 3 and w.grad.numpy()[0].tolist() == [2.0] * 3
    unpadded = w.detach().clone().requires_grad_()
    ops.Embedding.apply(unpadded, idx).sum().backward()  # the true derivative: padding_idx zeroes one row
    assert np.array_equal(np.delete(w.grad.numpy(), 2, 0), np.delete(unpadded.grad.numpy(), 2, 0))


def _layer_norm(x, weight, bias, ndim, eps):
    axes = tuple(range(x.ndim - ndim, x.ndim))
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


@pytest.mark.parametrize("seed", range(6))
def test_layer_norm_values_and_gradients(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(n) for n in rng.integers(1, 5, size=rng.integers(1, 4)))
    ndim = int(rng.integers(1, len(shape) + 1))
    normalized = shape[len(shape) - ndim:]
    if np.prod(normalized) == 1:  # a single element normalizes to 0 whatever it is: nothing to check
        shape = shape[:-1] + (3,)
        normalized = shape[len(shape) - ndim:]
    x, w, b = rng.standard_normal(shape), rng.standard_normal(normalized), rng.standard_normal(normalized)
    out = ops.LayerNorm.apply(*leaves(x, w, b), ndim=ndim, eps=1e-5)
    assert np.allclose(out.detach().numpy(), _layer_norm(x, w, b, ndim, 1e-5), rtol=1e-10, atol=1e-12)
    assert tg.gradcheck(lambda *t: ops.LayerNorm.apply(*t, ndim=ndim, eps=1e-5).sin(), leaves(x, w, b))
    assert tg.gradcheck(lambda t: ops.LayerNorm.apply(t, ndim=ndim, eps=0.1).tanh(), leaves(x))
    assert tg.gradcheck(lambda t, s: ops.LayerNorm.apply(t, s, ndim=ndim, eps=1e-5) ** 2, leaves(x, w))


def test_layer_norm_is_safe_for_large_means_in_float32():
    x = (np.float32(1e4) + np.random.default_rng(0).standard_normal((4, 64)).astype(np.float32))
    out = ops.LayerNorm.apply(tg.tensor(x), eps=1e-5).numpy()
    exact = _layer_norm(x.astype(np.float64), 1.0, 0.0, 1, 1e-5)
    assert out.dtype == np.float32 and np.abs(out - exact).max() < 2e-3
    constant = ops.LayerNorm.apply(tg.full((2, 5), 7.0), eps=1e-5).numpy()
    assert np.array_equal(constant, np.zeros((2, 5), np.float32))  # σ² = 0: x̂ = 0, not NaN


def test_erf_agrees_with_math_erf():
    x = np.concatenate([np.linspace(-8, 8, 20001), [0.0, 1e-300, -1e-12, 2.9999999, 3.0, 5.9999, 6.0, 40.0]])
    expected = np.array([math.erf(v) for v in x])
    assert np.abs(erf(x) - expected).max() <= 3e-15
    assert np.isnan(erf(np.array([np.nan]))[0]) and erf(np.array([-np.inf]))[0] == -1.0


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_values_and_gradients(approximate):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5)) * 3
    out = ops.Gelu.apply(*leaves(x), approximate=approximate).detach().numpy()
    if approximate == "none":
        expected = np.array([v * (1 + math.erf(v / math.sqrt(2))) / 2 for v in x.ravel()]).reshape(x.shape)
    else:
        expected = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    assert np.allclose(out, expected, rtol=1e-13, atol=1e-14)
    assert tg.gradcheck(lambda t: ops.Gelu.apply(t, approximate=approximate), leaves(x))
    small = tg.tensor([-1.0, 0.5], dtype=tg.float32)
    assert ops.Gelu.apply(small, approximate=approximate).dtype == tg.float32


def test_softmax_values_and_gradients():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 5)) * 4
    for axis in (0, 1, 2):
        out = ops.Softmax.apply(*leaves(x), axis=axis).detach().numpy()
        e = np.exp(x - x.max(axis, keepdims=True))
        assert np.allclose(out, e / e.sum(axis, keepdims=True), rtol=1e-14)
        assert tg.gradcheck(lambda t, axis=axis: ops.Softmax.apply(t, axis=axis) ** 2, leaves(x))
    masked = np.where(np.tri(4, dtype=bool), x[0, :, :4], -np.inf)  # a causal mask: zeros above the diagonal
    out = ops.Softmax.apply(tg.tensor(masked, dtype=tg.float64), axis=1).numpy()
    assert np.array_equal(out == 0, ~np.tri(4, dtype=bool)) and np.allclose(out.sum(1), 1)
    assert tg.tensor(1000.0).softmax(0).item() == 1.0 and tg.ones(0, 3).softmax(-1).shape == (0, 3)
