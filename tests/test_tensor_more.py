"""tensor_more.py: the new_* constructors, type(), tril/triu and masked_fill (values, dtypes, gradients and
the errors for bad masks and values)."""

import numpy as np
import pytest
from conftest import assert_gradcheck

import tinygrad_edu as tg


def test_new_constructors_take_the_tensors_dtype():
    x = tg.ones(2, dtype=tg.float64)
    assert x.new_zeros(2, 3).dtype == tg.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_ones(4).tolist() == [1.0] * 4 and x.new_empty(2).tolist() == [0.0, 0.0]
    assert x.new_full((2,), 3).dtype == tg.float64 and x.new_full((2,), 3).tolist() == [3.0, 3.0]
    made = x.new_tensor([1, 2])
    assert made.dtype == tg.float64 and made.tolist() == [1.0, 2.0]
    longs = tg.tensor([1, 2]).new_ones(2, 3)
    assert longs.dtype == tg.int64 and longs.shape == (2, 3)
    assert x.new_zeros(2, dtype=tg.int32).dtype == tg.int32
    assert x.new_ones(2, requires_grad=True).requires_grad


def test_type_names_and_converts():
    assert tg.ones(1).type() == "torch.FloatTensor" and tg.ones(1).double().type() == "torch.DoubleTensor"
    assert tg.tensor([1]).type() == "torch.LongTensor" and tg.tensor([True]).type() == "torch.BoolTensor"
    assert tg.tensor([1], dtype=tg.int32).type() == "torch.IntTensor"
    assert tg.tensor([1], dtype=tg.uint8).type() == "torch.ByteTensor"
    x = tg.tensor([1.5, 2.5])
    assert x.type(tg.float32) is x
    assert x.type(tg.float64).dtype == tg.float64 and x.type("torch.DoubleTensor").dtype == tg.float64
    assert x.type("torch.LongTensor").tolist() == [1, 2]
    with pytest.raises(ValueError, match="CPU only"):
        x.type("torch.cuda.FloatTensor")
    with pytest.raises(ValueError, match="invalid type 'float'"):
        x.type("float")


def test_tril_and_triu_keep_a_triangle_of_the_last_two_dims():
    m = np.arange(1.0, 13.0).reshape(3, 4)
    for k in (-2, -1, 0, 1, 3):
        assert np.array_equal(tg.tensor(m).tril(k).numpy(), np.tril(m, k))
        assert np.array_equal(tg.tensor(m).triu(k).numpy(), np.triu(m, k))
        assert np.array_equal(tg.tril(tg.tensor(m), diagonal=k).numpy(), np.tril(m, k))
    batch = np.random.default_rng(0).standard_normal((2, 3, 3))
    assert np.array_equal(tg.triu(tg.tensor(batch, dtype=tg.float64), 1).numpy(), np.triu(batch, 1))
    ints = tg.tril(tg.ones(3, 3, dtype=tg.int64))
    assert ints.dtype == tg.int64 and ints.sum().item() == 6
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        tg.ones(3).tril()
    with pytest.raises(TypeError, match="diagonal must be an int"):
        tg.ones(3, 3).triu(0.5)


def test_tril_and_triu_gradients_are_the_mask():
    rng = np.random.default_rng(1)
    assert_gradcheck(lambda x: x.tril(-1), rng.standard_normal((2, 3, 4)))
    assert_gradcheck(lambda x: x.triu(1) * x, rng.standard_normal((5, 3)))
    x = tg.ones(3, 3, requires_grad=True)
    x.tril().sum().backward()
    assert np.array_equal(x.grad.numpy(), np.tri(3))


def test_masked_fill_broadcasts_the_mask_and_fills_a_number():
    x = tg.zeros(2, 3)
    out = x.masked_fill(tg.tensor([True, False, True]), 5.0)
    assert out.tolist() == [[5.0, 0.0, 5.0], [5.0, 0.0, 5.0]]
    grown = tg.zeros(3).masked_fill(tg.ones(2, 3, dtype=tg.bool_), 1.0)  # out of place: shapes broadcast
    assert grown.shape == (2, 3) and grown.sum().item() == 6
    assert tg.zeros(3, dtype=tg.int64).masked_fill(tg.tensor([True, False, True]), 5.7).tolist() == [5, 0, 5]
    assert tg.masked_fill(tg.ones(2), tg.tensor([True, False]), 3.0).tolist() == [3.0, 1.0]
    scores = tg.ones(2, 2).masked_fill(tg.tril(tg.ones(2, 2)) == 0, float("-inf"))
    assert scores.softmax(-1).tolist() == [[1.0, 0.0], [0.5, 0.5]]  # the causal mask of attention


def test_masked_fill_gradient_is_zero_where_filled_and_flows_to_a_0d_value():
    rng = np.random.default_rng(2)
    mask = tg.tensor(rng.random((3, 1)) < 0.5)
    assert_gradcheck(lambda x: x.masked_fill(mask, -2.0), rng.standard_normal((3, 4)))
    assert_gradcheck(lambda x, v: x.masked_fill(tg.tensor([True, False]), v) * x,
                     rng.standard_normal((3, 2)), np.array(0.7))
    x, v = tg.ones(3, requires_grad=True), tg.tensor(2.0, requires_grad=True)
    x.masked_fill(tg.tensor([True, False, True]), v).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0] and v.grad.item() == 2.0


def test_masked_fill_in_place():
    x = tg.ones(2, 3)
    assert x.masked_fill_(tg.tensor([True, False, True]), 0.0) is x
    assert x.tolist() == [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
    y = tg.ones(3, requires_grad=True)
    z = y * 2
    z.masked_fill_(tg.tensor([False, True, False]), 0.0)
    z.sum().backward()
    assert y.grad.tolist() == [2.0, 0.0, 2.0]
    with pytest.raises(RuntimeError, match="masked_fill_: a leaf tensor that requires grad"):
        tg.ones(2, requires_grad=True).masked_fill_(tg.tensor([True, False]), 0.0)
    with pytest.raises(tg.ShapeError, match="masked_fill_"):
        tg.zeros(3).masked_fill_(tg.ones(2, 3, dtype=tg.bool_), 1.0)


def test_masked_fill_refuses_bad_masks_and_values():
    x = tg.zeros(3)
    with pytest.raises(TypeError, match="mask must be a bool tensor, got int64"):
        x.masked_fill(tg.tensor([1, 0, 1]), 1.0)
    with pytest.raises(TypeError, match="mask must be a bool tensor, got list"):
        x.masked_fill([True, False, True], 1.0)
    with pytest.raises(tg.ShapeError, match=r"mask of shape \(2,\) does not broadcast with .* \(3,\)"):
        x.masked_fill(tg.tensor([True, False]), 1.0)
    with pytest.raises(RuntimeError, match="0-d tensor"):
        x.masked_fill(tg.tensor([True, False, True]), tg.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="not str"):
        x.masked_fill(tg.tensor([True, False, True]), "a")
