"""Movement ops: reshape/view, flatten, unsqueeze, squeeze, transpose/permute/T, expand, indexing, cat
and stack: forward equals numpy and gradcheck passes over hypothesis-drawn shapes and indices."""

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from conftest import (
    assert_forward,
    assert_gradcheck,
    core_settings,
    hyp_array,
    hyp_shapes,
)
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

# ---- reshape / view / flatten / unsqueeze / squeeze -----------------------------------------------


@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_reshape_and_view(data, shape):
    a = data.draw(hyp_array(shape))
    # the same sizes in another order, perhaps with an extra 1: the same number of elements
    target = list(data.draw(st.permutations(shape))) + [1] * data.draw(st.integers(0, 1))
    if target and data.draw(st.booleans()):
        target[data.draw(st.integers(0, len(target) - 1))] = -1
    expected = a.reshape(target)
    assert_forward(lambda x: x.reshape(target), lambda x: expected, a)
    # view() with no sizes is an error (as PyTorch): a 0-d target is spelled view(())
    assert_forward(lambda x: x.view(*target) if target else x.view(()), lambda x: expected, a)
    assert_gradcheck(lambda x: x.view(tuple(target)), a)
    assert_gradcheck(lambda x: x.view(-1), a)


def test_view_minus_one_and_view_as():
    x = tg.arange(6.0)
    assert x.view(2, -1).shape == (2, 3) and x.view(-1, 3).shape == (2, 3)
    assert x.view(-1).shape == (6,) and x.reshape((3, 2)).shape == (3, 2)
    assert x.view_as(tg.zeros(3, 2)).shape == (3, 2)
    assert tg.tensor(5.0).view(-1).shape == (1,)
    assert tg.zeros(0, 3).view(-1).shape == (0,)


def test_view_shares_memory_without_grad():
    x = tg.zeros(2, 3)
    v = x.view(6)
    v[0] = 7.0
    assert x[0, 0].item() == 7.0


@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_flatten(data, shape):
    a = data.draw(hyp_array(shape))
    assert_forward(lambda x: x.flatten(), lambda x: x.reshape(-1), a)
    assert_gradcheck(lambda x: x.flatten(), a)
    if len(shape) >= 2:
        start = data.draw(st.integers(0, len(shape) - 1))
        end = data.draw(st.integers(start, len(shape) - 1))
        expected = shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:]
        assert_forward(lambda x: x.flatten(start, end), lambda x: x.reshape(expected), a)
        assert_forward(lambda x: x.flatten(start_dim=start - len(shape)), lambda x: x.reshape(
            shape[:start] + (-1,)), a)
        assert_gradcheck(lambda x: x.flatten(start, end), a)


@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_unsqueeze_squeeze(data, shape):
    a = data.draw(hyp_array(shape))
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    assert_forward(lambda x: x.unsqueeze(dim), lambda x: np.expand_dims(x, dim), a)
    assert_gradcheck(lambda x: x.unsqueeze(dim), a)
    assert_forward(lambda x: x.squeeze(), np.squeeze, a)
    assert_gradcheck(lambda x: x.squeeze(), a)
    if shape:
        sdim = data.draw(st.integers(-len(shape), len(shape) - 1))
        expected = np.squeeze(a, sdim) if shape[sdim] == 1 else a  # PyTorch: no-op on a size > 1 dim
        assert_forward(lambda x: x.squeeze(sdim), lambda x: expected, a)
        assert_gradcheck(lambda x: x.squeeze(sdim), a)


def test_unsqueeze_out_of_range():
    with pytest.raises(IndexError, match="unsqueeze"):
        tg.zeros(2, 3).unsqueeze(3)
    with pytest.raises(IndexError, match="squeeze"):
        tg.zeros(2, 3).squeeze(2)


# ---- permute / transpose / T ----------------------------------------------------------------------


@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_permute_transpose_t(data, shape):
    a = data.draw(hyp_array(shape))
    axes = data.draw(st.permutations(range(len(shape))))
    assert_forward(lambda x: x.permute(*axes), lambda x: np.transpose(x, axes), a)
    assert_forward(lambda x: x.permute(tuple(axes)), lambda x: np.transpose(x, axes), a)
    assert_gradcheck(lambda x: x.permute(axes), a)
    assert_forward(lambda x: x.T, lambda x: x.T, a)
    assert_gradcheck(lambda x: x.T, a)
    if shape:
        d0 = data.draw(st.integers(-len(shape), len(shape) - 1))
        d1 = data.draw(st.integers(-len(shape), len(shape) - 1))
        assert_forward(lambda x: x.transpose(d0, d1), lambda x: np.swapaxes(x, d0, d1), a)
        assert_gradcheck(lambda x: x.transpose(d0, d1), a)


def test_t_and_permute_errors():
    x = tg.zeros(2, 3)
    assert x.t().shape == (3, 2) and tg.zeros(3).t().shape == (3,)
    with pytest.raises(RuntimeError, match="permute"):
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="permute"):
        x.permute(0)
    with pytest.raises(RuntimeError, match="permute"):
        tg.tensor(1.0).permute(0)
    assert tg.tensor(1.0).transpose(0, -1).shape == ()


# ---- expand -------------------------------------------------------------------------------------------


@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_expand(data, shape):
    a = data.draw(hyp_array(shape))
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    target = tuple(lead) + tuple(data.draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    assert_forward(lambda x: x.expand(*target), lambda x: np.broadcast_to(x, target), a)
    assert_gradcheck(lambda x: x.expand(target), a)
    keep = tuple(lead) + (-1,) * len(shape)  # -1 keeps a size
    assert_forward(lambda x: x.expand(*keep), lambda x: np.broadcast_to(x, tuple(lead) + shape), a)


def test_expand_errors():
    x = tg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"expand.*\(3,\)"):
        x.expand(1)
    with pytest.raises(RuntimeError, match="expand"):
        x.expand(2, 2)
    with pytest.raises(RuntimeError, match="expand"):
        x.expand(-1, 3)  # -1 is not allowed for a new leading dimension
    with pytest.raises(RuntimeError, match="expand"):
        x.view(3, 1).expand(3)  # fewer dimensions than the tensor


# ---- indexing -----------------------------------------------------------------------------------------


@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_basic_indexing(data, shape):
    a = data.draw(hyp_array(shape))
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    assert_forward(lambda x: x[index], lambda x: x[index], a)
    assert_gradcheck(lambda x: x[index], a)


@core_settings
@given(data=st.data(), shape=hyp_shapes(min_dims=1))
def test_integer_array_indexing_with_repeats(data, shape):
    a = data.draw(hyp_array(shape))
    index = data.draw(hnp.integer_array_indices(shape, result_shape=hyp_shapes(max_dims=2, max_side=5)))
    assert_forward(lambda x: x[index], lambda x: x[index], a)
    assert_gradcheck(lambda x: x[index], a)


def test_repeated_indices_add_up():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    y = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y[tg.tensor([1, 1]), :].sum().backward()
    assert y.grad.tolist() == [[0.0, 0.0], [2.0, 2.0]]
    z = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    z[[0, 1], [1, 1]].sum().backward()
    assert z.grad.tolist() == [[0.0, 1.0], [0.0, 1.0]]


@core_settings
@given(data=st.data(), shape=hyp_shapes(min_dims=1))
def test_bool_mask_indexing(data, shape):
    a = data.draw(hyp_array(shape, away_from=(0.0,), gap=0.01))  # the mask x > 0 stays put under eps
    mask_dims = data.draw(st.integers(1, len(shape)))
    mask = data.draw(hnp.arrays(np.bool_, shape[:mask_dims]))
    assert_forward(lambda x: x[tg.tensor(mask)], lambda x: x[mask], a)
    assert_gradcheck(lambda x: x[tg.tensor(mask)], a)
    assert_gradcheck(lambda x: x[x.detach() > 0], a)


def test_mixed_indexing_and_gradients():
    a = np.arange(24.0).reshape(2, 3, 4)
    for index in [(0, slice(None), [1, 3]), (Ellipsis, 1), (None, 1, slice(0, 3, 2)), (1, -1, -1),
                  (slice(None, None, -1),), ([1, 0], Ellipsis, None)]:
        assert_forward(lambda x, index=index: x[index], lambda x, index=index: x[index], a)
        assert_gradcheck(lambda x, index=index: x[index], a)


def test_index_errors_name_the_shape():
    x = tg.zeros(2, 3)
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x[5]
    with pytest.raises(IndexError, match=r"\(2, 3\)"):
        x.requires_grad_()[0, 7]


def test_integer_tensor_index():
    x = tg.tensor([10.0, 20.0, 30.0])
    assert x[tg.tensor(2)].item() == 30.0
    assert x[tg.tensor([2, 0])].tolist() == [30.0, 10.0]


def test_setitem():
    x = tg.zeros(3)
    x[1] = 5.0
    x[tg.tensor([True, False, True])] = tg.tensor(2.0)
    assert x.tolist() == [2.0, 5.0, 2.0]
    w = tg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in place"):
        w[0] = 1.0
    with tg.no_grad():
        w[0] = 1.0
    assert w.tolist() == [1.0, 0.0, 0.0]


# ---- cat / stack --------------------------------------------------------------------------------------


@core_settings
@given(data=st.data(), shape=hyp_shapes(min_dims=1), count=st.integers(1, 3))
def test_cat(data, shape, count):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    arrays = []
    for _ in range(count):
        this = list(shape)
        this[dim] = data.draw(st.integers(0, 3))
        arrays.append(data.draw(hyp_array(tuple(this))))
    assert_forward(lambda *xs: tg.cat(xs, dim), lambda *xs: np.concatenate(xs, dim), *arrays)
    assert_gradcheck(lambda *xs: tg.cat(list(xs), dim=dim), *arrays)


@core_settings
@given(data=st.data(), shape=hyp_shapes(), count=st.integers(1, 3))
def test_stack(data, shape, count):
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    arrays = [data.draw(hyp_array(shape)) for _ in range(count)]
    assert_forward(lambda *xs: tg.stack(xs, dim), lambda *xs: np.stack(xs, dim), *arrays)
    assert_gradcheck(lambda *xs: tg.stack(list(xs), dim=dim), *arrays)
    plain = tg.stack([tg.tensor(x) for x in arrays], dim)  # no grad: the fast path
    np.testing.assert_allclose(plain.numpy(), np.stack(arrays, dim).astype(np.float32))


def test_cat_mixed_requires_grad_and_dtypes():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0], dtype=tg.float64)
    out = tg.cat([a, b])
    assert out.dtype == tg.float64 and out.tolist() == [1.0, 2.0, 3.0]
    (out * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert a.grad.dtype == tg.float32 and a.grad.tolist() == [1.0, 2.0]
    assert b.grad is None


def test_cat_stack_errors():
    a, b = tg.zeros(2, 3), tg.zeros(2, 4)
    with pytest.raises(RuntimeError, match=r"cat\(\).*\(2, 4\).*\(2, 3\)"):
        tg.cat([a, b])
    assert tg.cat([a, b], dim=1).shape == (2, 7)
    with pytest.raises(IndexError, match="cat"):
        tg.cat([a, a], dim=2)
    with pytest.raises(RuntimeError, match="stack"):
        tg.stack([a, b])
    with pytest.raises(IndexError, match="stack"):
        tg.stack([a, a], dim=3)
    with pytest.raises(IndexError, match="stack"):
        tg.stack([a.requires_grad_(), a], dim=-4)
    with pytest.raises(ValueError, match="cat"):
        tg.cat([])
    with pytest.raises(RuntimeError, match="cat"):
        tg.cat([tg.tensor(1.0), tg.tensor(2.0)])
    assert tg.stack([tg.tensor(1.0), tg.tensor(2.0)]).tolist() == [1.0, 2.0]


# ---- expand_as / unbind -----------------------------------------------------------------------------


@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_expand_as(data, shape):
    a = data.draw(hyp_array(shape))
    target = tuple(data.draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    like = tg.zeros(*target) if target else tg.tensor(0.0)
    assert_forward(lambda x: x.expand_as(like), lambda x: np.broadcast_to(x, target), a)
    assert_gradcheck(lambda x: x.expand_as(like), a)


def test_expand_as_is_chapter_17s_broadcast_without_copies():
    c = tg.tensor([10.0, 20.0, 30.0])
    m = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
    t = c.expand_as(m)
    assert t.tolist() == [[10.0, 20.0, 30.0]] * 3
    assert t.stride() == (0, 1) and m.stride() == (3, 1) and m.stride(0) == 3  # the row is not copied
    assert (m + t).tolist() == (m + c).tolist()


@core_settings
@given(data=st.data(), shape=hyp_shapes(min_dims=1))
def test_unbind(data, shape):
    a = data.draw(hyp_array(shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    parts = tg.unbind(tg.tensor(a, dtype=tg.float64), dim)
    assert len(parts) == shape[dim]
    for i, part in enumerate(parts):
        np.testing.assert_array_equal(part.numpy(), np.take(a, i, axis=dim))
    assert_gradcheck(lambda x: tg.stack([p * (k + 1) for k, p in enumerate(x.unbind(dim))], dim), a)


def test_unbind_then_cat_as_makemore_does():
    emb = tg.arange(12.0).view(2, 3, 2)  # (examples, context, embedding)
    joined = tg.cat(tg.unbind(emb, 1), 1)
    assert joined.tolist() == emb.view(2, 6).tolist()
    with pytest.raises(IndexError, match="unbind"):
        tg.tensor(1.0).unbind()
    with pytest.raises(IndexError, match="unbind"):
        emb.unbind(3)
