"""The Tensor class: attributes, conversions, Python protocols, repr, dtype promotion in arithmetic,
comparisons, requires_grad rules, .data/.detach, in-place updates and clear errors for bad input."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

# ---- attributes ---------------------------------------------------------------------------------------


def test_attributes():
    x = tg.zeros(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert x.dtype == tg.float32 and x.device == "cpu"
    assert x.cpu() is x and x.to("cpu") is x
    assert x.is_leaf and not x.requires_grad and x.grad is None and x.grad_fn is None


def test_tensor_constructor_and_class():
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert isinstance(x, Tensor) and x.requires_grad
    assert Tensor(3).dtype == tg.int64
    assert Tensor([1, 2], dtype=tg.float64).dtype == tg.float64


# ---- conversions and Python protocols -------------------------------------------------------------


def test_python_number_conversions():
    t = tg.tensor(2.75)
    assert float(t) == 2.75 and int(t) == 2 and bool(t) is True and not bool(tg.tensor(0.0))
    assert round(tg.tensor(1.23456).item(), 4) == 1.2346
    assert isinstance(tg.tensor(3).item(), int) and isinstance(t.item(), float)
    assert tg.tensor([7.0]).item() == 7.0  # one element, any shape
    assert f"{tg.tensor(3.14159):.4f}" == "3.1416"
    assert f"{tg.tensor([[2.5]]):.2f}" == "2.50"
    assert f"{tg.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    assert [10, 20, 30][tg.tensor(1)] == 20  # __index__


def test_a_0d_tensor_formats_as_its_number_like_pytorch():
    loss = tg.tensor([0.25, 0.5]).mean()
    assert f"{loss}" == f"{loss.item()}" == "0.375"
    assert f"{tg.tensor(0.1)}" == "0.10000000149011612"  # the float32's digits, as PyTorch
    assert f"{tg.tensor(3)}" == "3" and f"{tg.tensor(True)}" == "True"
    assert f"{tg.tensor(0.5, requires_grad=True) * 2}" == "1.0"
    assert f"{tg.tensor([0.5])}" == "tensor([0.5000])"  # one element but 1-d: the repr, as PyTorch
    assert f"{tg.tensor([0.5]):.1f}" == "0.5"


def test_nelement_is_numel():
    assert tg.zeros(27, 27).nelement() == 729 == tg.zeros(27, 27).numel()
    assert sum(p.nelement() for p in [tg.zeros(3, 2), tg.zeros(2)]) == 8
    assert tg.tensor(1.0).nelement() == 1


def test_allclose_all_and_any_as_backprop_ninja_compares_gradients():
    a = tg.tensor([1.0, 2.0, 3.0])
    b = a + 1e-6
    assert tg.allclose(a, b) is True and tg.allclose(a, a + 1e-3) is False
    assert tg.allclose(a, a + 1e-3, rtol=1e-3) is True and tg.allclose(a, a + 1e-3, atol=1e-2) is True
    nan = tg.tensor([math.nan])
    assert tg.allclose(nan, nan) is False and tg.allclose(nan, nan, equal_nan=True) is True
    assert tg.allclose(tg.ones(2, 3), tg.ones(3)) is True  # broadcasting
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    assert tg.allclose(w, w.detach())  # no .detach() needed, as in PyTorch
    assert tg.all(a == a).item() is True and tg.all(a == b).item() is False
    assert tg.any(a == b).item() is False and tg.any(a > 2).item() is True


def test_conversion_errors():
    with pytest.raises(ValueError, match="item"):
        tg.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(tg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="index"):
        _ = [1, 2][tg.tensor(1.0)]
    with pytest.raises(TypeError, match="len"):
        len(tg.tensor(1.0))
    with pytest.raises(TypeError, match="iteration"):
        iter(tg.tensor(1.0))


def test_len_and_iteration():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    y = tg.tensor([0, 1, 0])
    assert len(x) == 3
    rows = list(x)
    assert len(rows) == 3 and all(isinstance(r, Tensor) for r in rows) and rows[2].tolist() == [5.0, 6.0]
    pairs = list(zip(x, y))  # noqa: B905 (the fast.ai idiom under test)
    assert len(pairs) == 3 and pairs[1][0].tolist() == [3.0, 4.0] and pairs[1][1].item() == 1


def test_iterating_a_tensor_that_requires_grad_keeps_the_graph():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    total = sum((row * (i + 1)).sum() for i, row in enumerate(x))
    total.backward()
    assert x.grad.tolist() == [[1.0, 1.0], [2.0, 2.0]]


def test_numpy_and_tolist():
    x = tg.tensor([1.0, 2.0])
    assert x.numpy() is x.numpy() and x.numpy().dtype == np.float32  # shared
    assert x.tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="detach"):
        tg.tensor([1.0], requires_grad=True).numpy()
    assert tg.tensor([1.0], requires_grad=True).detach().numpy().tolist() == [1.0]


def test_np_array_of_a_tensor_copies_and_asarray_shares():
    x = tg.tensor([1.0, 2.0])
    copied = np.array(x)
    copied[0] = 99.0
    assert x.tolist() == [1.0, 2.0]  # np.array copies, as for any array
    shared = np.asarray(x)
    shared[0] = 5.0
    assert x.tolist() == [5.0, 2.0]
    assert np.asarray(x, dtype=np.float64).dtype == np.float64


# ---- repr ---------------------------------------------------------------------------------------------


def test_repr_like_pytorch():
    assert repr(tg.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr((x * 2).grad_fn) == "<MulBackward>"
    assert repr(tg.tensor(3.0)) == "tensor(3.)"
    assert repr(tg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(tg.tensor([True, False])) == "tensor([ True, False])"
    assert repr(tg.tensor([0.5, 0.25])) == "tensor([0.5000, 0.2500])"
    matrix = "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])"
    assert repr(tg.tensor([[1.0, 2.5], [3.0, 4.0]])) == matrix
    assert repr(tg.tensor([1.0], dtype=tg.float64)) == "tensor([1.], dtype=float64)"
    assert repr(tg.tensor([])) == "tensor([])"
    assert str(x) == repr(x)


# ---- arithmetic dtype rules (PyTorch's type promotion) -------------------------------------------------


def test_scalar_promotion_rules():
    i = tg.tensor([1, 2])
    f = tg.tensor([1.0, 2.0])
    d = tg.tensor([1.0, 2.0], dtype=tg.float64)
    assert (i + 0.5).dtype == tg.float32 and (i + 0.5).tolist() == [1.5, 2.5]
    assert (i * 2).dtype == tg.int64
    assert (f * 2.5).dtype == tg.float32  # a Python float keeps a float32 tensor float32
    assert (f * 3).dtype == tg.float32
    assert (2.5 * f).dtype == tg.float32 and (1 - f).dtype == tg.float32
    assert (d * 2.5).dtype == tg.float64
    assert (i / 2).dtype == tg.float32 and (i / 2).tolist() == [0.5, 1.0]  # true division
    assert (i / i).dtype == tg.float32
    assert (f * np.float64(2.0)).dtype == tg.float32
    b = tg.tensor([True, False])
    assert (b + 1).dtype == tg.int64 and (b * 1.5).dtype == tg.float32


def test_tensor_tensor_promotion_and_gradient_dtypes():
    f = tg.tensor([1.0, 2.0], requires_grad=True)
    d = tg.tensor([3.0, 4.0], dtype=tg.float64, requires_grad=True)
    out = f + d
    assert out.dtype == tg.float64
    (out * out).sum().backward()
    assert f.grad.dtype == tg.float32 and d.grad.dtype == tg.float64
    assert f.grad.tolist() == [8.0, 12.0] and d.grad.tolist() == [8.0, 12.0]
    i = tg.tensor([1, 2])
    assert (i + f).dtype == tg.float32 and (i + d).dtype == tg.float64
    assert (i + tg.tensor([1, 2], dtype=tg.int32)).dtype == tg.int64


# ---- comparisons ----------------------------------------------------------------------------------


def test_comparisons_return_bool_tensors():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in [(x > 2, [False, False, True]), (x >= 2, [False, True, True]),
                             (x < 2, [True, False, False]), (x <= 2, [True, True, False]),
                             (x == 2, [False, True, False]), (x != 2, [True, False, True]),
                             (x.eq(tg.tensor([1.0, 0.0, 3.0])), [True, False, True])]:
        assert result.dtype == tg.bool and result.tolist() == expected and not result.requires_grad
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]
    assert ((x < 2) | (x > 2)).tolist() == [True, False, True]
    assert (~(x > 1)).tolist() == [True, False, False]
    assert (x > 0).all().item() is True and (x > 2).any().item() is True
    assert (x == tg.tensor([1, 2, 3])).all()
    assert (x > 1).float().mean().item() == pytest.approx(2 / 3)


def test_comparison_errors():
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        _ = tg.zeros(2) == tg.zeros(3)
    with pytest.raises(TypeError, match="~"):
        ~tg.tensor([1.0])


def test_tensors_hash_by_identity():
    a, b = tg.tensor(1.0), tg.tensor(1.0)
    assert len({a, b}) == 2 and {a: 1}[a] == 1


# ---- casts -----------------------------------------------------------------------------------------


def test_cast_methods():
    x = tg.tensor([1.7, -0.2])
    assert x.double().dtype == tg.float64 and x.double().float().dtype == tg.float32
    assert x.long().dtype == tg.int64 and x.long().tolist() == [1, 0]
    assert x.int().dtype == tg.int32 and x.bool().tolist() == [True, True]
    assert x.to(tg.float64).dtype == tg.float64 and x.to(dtype=tg.long).dtype == tg.int64
    assert x.to(tg.float32) is x
    c = x.requires_grad_().clone()
    assert c.grad_fn is not None and c.tolist() == x.tolist()
    c.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    plain = tg.tensor([1.0])
    copy = plain.clone()
    copy[0] = 5.0
    assert plain.item() == 1.0


# ---- requires_grad, detach, .data ---------------------------------------------------------------


def test_requires_grad_rules():
    x = tg.tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="floating-point"):
        tg.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating-point"):
        tg.tensor([True]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating-point"):
        tg.zeros(2, dtype=tg.long, requires_grad=True)
    y = tg.tensor([1.0], requires_grad=True) * 2
    assert y.requires_grad and not y.is_leaf
    with pytest.raises(RuntimeError, match="non-leaf"):
        y.requires_grad_(False)


def test_detach_shares_storage_and_leaves_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.tolist() == [3.0, 6.0]
    x.detach()[0] = 10.0
    assert x.tolist() == [10.0, 2.0]


def test_data_update_is_not_recorded():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    lr = 0.1
    p.data -= lr * p.grad
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    np.testing.assert_allclose(p.numpy() if not p.requires_grad else p.detach().numpy(), [0.8, 1.6])
    assert p.dtype == tg.float32
    p.data = tg.tensor([5.0, 6.0])
    assert p.tolist() == [5.0, 6.0] and p.requires_grad
    p.data = [7.0, 8.0]
    assert p.tolist() == [7.0, 8.0] and p.dtype == tg.float32


def test_grad_zero_():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * 3).sum().backward()
    p.grad.zero_()
    assert p.grad.tolist() == [0.0, 0.0]
    (p * 3).sum().backward()
    assert p.grad.tolist() == [3.0, 3.0]


# ---- backward's arguments ------------------------------------------------------------------------


def test_backward_needs_a_scalar_or_a_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar"):
        y.backward()
    y.backward(tg.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]
    z = x * 3
    z.backward(gradient=np.array([1.0, 1.0]))
    assert x.grad.tolist() == [5.0, 23.0]
    with pytest.raises(RuntimeError, match=r"backward.*\(3,\).*\(2,\)"):
        (x * 1).backward(tg.ones(3))
    (x.sum(0, keepdim=True)).backward()  # one element: no gradient needed
    assert x.grad.tolist() == [6.0, 24.0]


def test_backward_without_requires_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor([1.0]).sum().backward()


def test_backward_on_a_leaf():
    x = tg.tensor(2.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


# ---- bad input --------------------------------------------------------------------------------------


def test_broadcasting_errors_name_op_and_shapes():
    a, b = tg.zeros(2, 3), tg.zeros(4)
    for op, name in [(lambda: a + b, "Add"), (lambda: a * b, "Mul"), (lambda: a - b, "Sub"),
                     (lambda: a / b, "Div"), (lambda: a.maximum(b), "Maximum")]:
        with pytest.raises(RuntimeError, match=rf"{name}.*\(2, 3\).*\(4,\)"):
            op()
        with pytest.raises(ValueError):  # ShapeError is a ValueError too
            op()


def test_view_with_a_wrong_shape():
    x = tg.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"view: shape \(4, 2\) is invalid for a tensor of shape \(2, 3\)"):
        x.view(4, 2)
    with pytest.raises(RuntimeError, match="view"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match="view"):
        x.view(4, -1)
    with pytest.raises(RuntimeError, match="view"):
        x.reshape(-2, -3)


@pytest.mark.parametrize("bad", ["abc", None, object(), {"a": 1}, 1 + 2j])
def test_operands_of_the_wrong_type(bad):
    x = tg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"^tensor\(\)|^Tensor\(\)"):
        x + bad


@pytest.mark.parametrize("bad", ["abc", None, object(), [1, "a"], [[1, 2], [3]], [None], {1, 2}])
def test_constructor_rejects_bad_data(bad):
    with pytest.raises((TypeError, ValueError), match=r"^Tensor\(\)"):
        Tensor(bad)


# ---- storage: always an ndarray, views where PyTorch has views -----------------------------------------


def test_zero_dim_results_hold_arrays():
    x = tg.tensor([1.0, 2.0])
    results = [x.sum(), x.mean(), x.max(), x.min(), x @ x, x[0], list(x)[1], x.sum() > 0, ~(x.sum() > 0),
               x.any(), x.all(), x.argmax(), tg.tensor(1.0) + 1, x.var(), tg.randint(0, 3, ())]
    for r in results:
        assert type(r.numpy()) is np.ndarray and r.shape == ()
    s = x.sum()
    s += 1  # in place on a 0-d result
    assert s.item() == 4.0
    assert isinstance(tg.tensor(np.float32(2.0)).numpy(), np.ndarray)


def test_indexing_without_grad_gives_views():
    x = tg.zeros(2, 3)
    x[1].fill_(1.0)
    x[0, 2].fill_(5.0)  # a single element is a view too
    x[:, 0].add_(2.0)
    for row in x:
        row[1] = 7.0
    assert x.tolist() == [[2.0, 7.0, 5.0], [3.0, 7.0, 1.0]]
    v = tg.arange(3.0)
    v[1].mul_(10.0)
    v[..., 2].fill_(9.0)
    assert v.tolist() == [0.0, 10.0, 9.0]


@pytest.mark.parametrize("call", [
    lambda x: x.view("a"), lambda x: x.view(2.0), lambda x: x.reshape(None), lambda x: x.expand("a"),
    lambda x: x.permute("a"), lambda x: x.sum("a"), lambda x: x.mean(dim=[0.5]), lambda x: x.max("a"),
    lambda x: x.unsqueeze("a"), lambda x: x.squeeze("a"), lambda x: x.transpose(0, "a"),
    lambda x: x.softmax("a"), lambda x: x.argmax(1.0),
])
def test_bad_shape_and_dim_arguments_name_the_function(call):
    x = tg.tensor([1.0, 2.0])
    name = r"^(view|expand|permute|sum|mean|max|unsqueeze|squeeze|transpose|log_softmax|softmax|argmax)\b"
    with pytest.raises((TypeError, IndexError, ValueError), match=name):
        call(x)


def test_clamp_of_integers_with_float_bounds_is_float32():
    out = tg.tensor([1, 2, 3]).clamp(1.5, 2.5)
    assert out.dtype == tg.float32 and out.tolist() == [1.5, 2.0, 2.5]
    assert tg.tensor([1, 5]).clamp(2, 4).dtype == tg.int64


def test_round_rounds_half_to_even_like_pytorch():
    assert tg.tensor([0.5, 1.5, 2.46, -1.5]).round().tolist() == [0.0, 2.0, 2.0, -2.0]
    assert tg.tensor([2.468]).round(decimals=2).tolist() == [np.float32(2.47).item()]


def test_view_of_the_same_shape_is_a_new_tensor_sharing_storage():
    a = tg.zeros(2, 3)
    b = a.view(2, 3)
    assert b is not a
    b.requires_grad_()
    assert not a.requires_grad
    b.data[0, 0] = 5.0
    assert a[0, 0].item() == 5.0
