"""Matrix multiplication: every combination of 1-D, 2-D and batched operands (with broadcast batch
dimensions) matches numpy's ``@`` and passes gradcheck; mismatched shapes give a clear error."""

import numpy as np
import pytest
from conftest import assert_forward, assert_gradcheck, core_settings, hyp_array, hyp_broadcast_pair
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

SIDE = st.integers(1, 4)


def _matmul(a, b):
    return a @ b


@core_settings
@given(data=st.data(), m=SIDE, k=SIDE, n=SIDE, kind=st.sampled_from(["1d@1d", "1d@2d", "2d@1d", "2d@2d"]))
def test_matmul_1d_2d(data, m, k, n, kind):
    left = (k,) if kind.startswith("1d") else (m, k)
    right = (k,) if kind.endswith("1d") else (k, n)
    a, b = data.draw(hyp_array(left)), data.draw(hyp_array(right))
    assert_forward(_matmul, np.matmul, a, b)
    assert_forward(lambda x, y: x.matmul(y), np.matmul, a, b)
    assert_gradcheck(_matmul, a, b)


@core_settings
@given(data=st.data(), batches=hyp_broadcast_pair(min_dims=0, max_dims=2, max_side=3), m=SIDE, k=SIDE,
       n=SIDE, vector=st.sampled_from([None, "left", "right"]))
def test_matmul_batched_with_broadcast(data, batches, m, k, n, vector):
    left = (k,) if vector == "left" else batches[0] + (m, k)
    right = (k,) if vector == "right" else batches[1] + (k, n)
    a, b = data.draw(hyp_array(left)), data.draw(hyp_array(right))
    assert_forward(_matmul, np.matmul, a, b)
    assert_gradcheck(_matmul, a, b)


def test_matmul_hand_computed_gradient():
    a = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = tg.tensor([[5.0], [6.0]], requires_grad=True)
    out = a @ b
    assert out.tolist() == [[17.0], [39.0]]
    out.sum().backward()
    assert a.grad.tolist() == [[5.0, 6.0], [5.0, 6.0]]
    assert b.grad.tolist() == [[4.0], [6.0]]


def test_matmul_dot_product_and_only_one_side_requires_grad():
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = tg.tensor([4.0, 5.0, 6.0])
    out = x @ w
    assert out.shape == () and out.item() == 32.0
    out.backward()
    assert w.grad.tolist() == [4.0, 5.0, 6.0] and x.grad is None
    assert (np.array([1.0, 1.0, 1.0]) @ w).item() == 6.0  # ndarray @ Tensor


def test_matmul_inner_dimension_error_names_both_shapes():
    with pytest.raises(RuntimeError) as info:
        tg.zeros(256, 784) @ tg.zeros(28, 1)
    assert str(info.value) == "matmul: (256, 784) @ (28, 1): inner dimensions 784 and 28 differ"
    assert isinstance(info.value, ValueError)  # ShapeError is both, like PyTorch's RuntimeError
    with pytest.raises(RuntimeError, match=r"matmul: \(3,\) @ \(4,\)"):
        tg.zeros(3) @ tg.zeros(4)
    with pytest.raises(RuntimeError, match="at least 1 dimension"):
        tg.zeros(3) @ 2.0


def test_matmul_batch_mismatch_names_the_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"(?i)matmul.*\(2, 3, 4\).*\(5, 4, 1\)"):
        tg.zeros(2, 3, 4) @ tg.zeros(5, 4, 1)


def test_matmul_dtypes():
    a = tg.tensor([[1, 2], [3, 4]])
    assert (a @ a).dtype == tg.int64 and (a @ a).tolist() == [[7, 10], [15, 22]]
    f = tg.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
    d = tg.tensor([[2.0], [3.0]], dtype=tg.float64)
    out = f @ d
    assert out.dtype == tg.float64
    out.sum().backward()
    assert f.grad.dtype == tg.float32 and f.grad.tolist() == [[2.0, 3.0], [2.0, 3.0]]


# ---- mm ------------------------------------------------------------------------------------------


@core_settings
@given(data=st.data(), m=SIDE, k=SIDE, n=SIDE)
def test_mm(data, m, k, n):
    a, b = data.draw(hyp_array((m, k))), data.draw(hyp_array((k, n)))
    assert_forward(lambda x, y: x.mm(y), np.matmul, a, b)
    assert_forward(tg.mm, np.matmul, a, b)
    assert_gradcheck(lambda x, y: x.mm(y), a, b)


@pytest.mark.parametrize("left, right", [((3,), (3, 2)), ((2, 3), (3,)), ((1, 2, 3), (3, 2)), ((), (2, 2))])
def test_mm_takes_only_matrices(left, right):
    with pytest.raises(tg.ShapeError, match=r"mm: both operands must be 2-D.*matmul"):
        tg.ones(*left).mm(tg.ones(*right))


def test_mm_inner_dimensions_and_operand_type():
    with pytest.raises(tg.ShapeError, match=r"mm: \(2, 3\) @ \(4, 2\): inner dimensions 3 and 4"):
        tg.mm(tg.ones(2, 3), tg.ones(4, 2))
    with pytest.raises(tg.ShapeError, match="mm"):
        tg.ones(2, 2).mm([[1.0, 0.0], [0.0, 1.0]])
