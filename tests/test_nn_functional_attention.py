"""nn/functional_attention.py: F.embedding, F.layer_norm, F.dropout and F.gelu (values, gradients through
the functional forms, train/eval, argument checks)."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F


def test_embedding_looks_up_rows_and_checks_its_indices():
    weight = tg.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    idx = tg.tensor([[3, 0], [3, 3]])
    out = F.embedding(idx, weight)
    assert out.shape == (2, 2, 3) and out[0, 0].tolist() == [9.0, 10.0, 11.0]
    out.sum().backward()
    assert weight.grad.numpy()[:, 0].tolist() == [1.0, 0.0, 0.0, 3.0]  # row 3 was picked three times
    padded = tg.randn(4, 3, requires_grad=True)
    F.embedding(idx, padded, padding_idx=-1).sum().backward()  # -1: the last row
    assert padded.grad.numpy()[3].tolist() == [0.0] * 3
    assert F.embedding(tg.tensor([1], dtype=tg.int32), weight).shape == (1, 3)
    with pytest.raises(IndexError, match="index 4 is out of range for a table of 4 rows"):
        F.embedding(tg.tensor([4]), weight)
    with pytest.raises(IndexError, match="index -1"):
        F.embedding(tg.tensor([-1]), weight)
    with pytest.raises(TypeError, match="indices must be integers"):
        F.embedding(tg.tensor([1.0]), weight)
    with pytest.raises(NotImplementedError, match="max_norm"):
        F.embedding(idx, weight, max_norm=1.0)
    with pytest.raises(tg.ShapeError, match="2-D table"):
        F.embedding(idx, tg.ones(3))


def test_layer_norm_normalizes_the_last_dims():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4))
    out = F.layer_norm(tg.tensor(x, dtype=tg.float64), (3, 4)).numpy()
    expected = (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-5)
    assert np.allclose(out, expected, rtol=1e-12)
    w, b = tg.tensor(rng.standard_normal(4)), tg.tensor(rng.standard_normal(4))
    scaled = F.layer_norm(tg.tensor(x), 4, w, b, eps=1e-3).numpy()
    base = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
    assert np.allclose(scaled, base * w.numpy() + b.numpy(), atol=1e-5)
    shifted = F.layer_norm(tg.tensor(x), 4, bias=b).numpy()  # a bias without a weight
    assert np.allclose(shifted, base * (1 + 0 * w.numpy()) + b.numpy(), atol=1e-2)
    assert tg.gradcheck(lambda t, s, c: F.layer_norm(t, (4,), s, c).exp(),
                        [tg.tensor(x, dtype=tg.float64, requires_grad=True),
                         tg.tensor(w.numpy(), dtype=tg.float64, requires_grad=True),
                         tg.tensor(b.numpy(), dtype=tg.float64, requires_grad=True)])
    with pytest.raises(tg.ShapeError, match=r"normalized_shape=\[5\] expects an input of shape \[\*, 5\]"):
        F.layer_norm(tg.ones(2, 4), 5)
    with pytest.raises(tg.ShapeError, match=r"weight must have shape \(4,\)"):
        F.layer_norm(tg.ones(2, 4), 4, tg.ones(3))
    with pytest.raises(ValueError, match="positive ints"):
        F.layer_norm(tg.ones(2, 4), (0,))
    with pytest.raises(TypeError, match="floating-point"):
        F.layer_norm(tg.ones(2, 4, dtype=tg.int64), 4)


def test_dropout_in_training_and_not():
    x = tg.ones(1000, 10)
    assert F.dropout(x, 0.5, training=False) is x and F.dropout(x, 0.0) is x
    tg.manual_seed(0)
    out = F.dropout(x, 0.3)
    kept = out.numpy() != 0
    assert np.allclose(out.numpy()[kept], 1 / 0.7) and abs(kept.mean() - 0.7) < 0.02
    assert F.dropout(x, 1.0).sum().item() == 0
    g1, g2 = tg.Generator().manual_seed(9), tg.Generator().manual_seed(9)
    assert F.dropout(x, 0.5, generator=g1).tolist() == F.dropout(x, 0.5, generator=g2).tolist()
    y = tg.ones(6)
    F.dropout(y, 0.5, inplace=True)
    assert set(y.tolist()) <= {0.0, 2.0}
    for bad in (1.5, -0.1, "0.5", True):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            F.dropout(x, bad)


def test_dropout_gradient_is_the_mask():
    x = tg.randn(50, 4, requires_grad=True)
    g = tg.Generator().manual_seed(2)
    out = F.dropout(x, 0.25, generator=g)
    out.sum().backward()
    mask = tg.Generator().manual_seed(2)
    expected = F.dropout(tg.ones(50, 4), 0.25, generator=mask).numpy()
    assert np.array_equal(x.grad.numpy(), expected)
    assert np.allclose(out.detach().numpy(), x.detach().numpy() * expected)


def test_gelu():
    x = tg.tensor([-3.0, -0.5, 0.0, 0.5, 3.0])
    exact = [v * (1 + math.erf(v / math.sqrt(2))) / 2 for v in x.tolist()]
    assert np.allclose(F.gelu(x).numpy(), exact, rtol=1e-6)
    tanh = [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))) for v in x.tolist()]
    assert np.allclose(F.gelu(x, approximate="tanh").numpy(), tanh, rtol=1e-5, atol=1e-7)
    assert F.gelu(tg.tensor([1, 2])).dtype == tg.float32
    assert tg.gradcheck(F.gelu, [tg.tensor([[-1.5, 0.3], [2.0, -0.2]], dtype=tg.float64, requires_grad=True)])
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        F.gelu(x, approximate="x")
