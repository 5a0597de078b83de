"""Inputs that once gave silently wrong results or raw errors: each now does what PyTorch does, or
raises an error that names the op, the argument and the shapes (issue 13)."""

import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.function import ShapeError

F = nn.functional

# ---- silent wrong results ------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "message"), [
    (lambda: tg.ones(2, 3, 4).flatten(3), "flatten: dim 3 is out of range"),
    (lambda: tg.ones(2, 3, 4).flatten(-4), "flatten: dim -4 is out of range"),
    (lambda: tg.ones(2, 3, 4).flatten(0, 5), "flatten: dim 5 is out of range"),
    (lambda: tg.ones(2, 3, 4).flatten(2, 1), "flatten: start_dim 2 comes after end_dim 1"),
    (lambda: nn.Flatten(start_dim=2)(tg.ones(8, 784)), "flatten: dim 2 is out of range"),
    (lambda: tg.tensor(1.0).flatten(1), "flatten: dim 1 is out of range"),
])
def test_out_of_range_dims_raise_index_error(call, message):
    with pytest.raises(IndexError, match=message):
        call()


def test_flatten_in_range_as_pytorch():
    assert tg.ones(2, 3, 4).flatten(1).shape == (2, 12)
    assert tg.ones(2, 3, 4).flatten(-3, -2).shape == (6, 4)
    assert tg.tensor(1.0).flatten(-1).shape == (1,)


@pytest.mark.parametrize("loss", [F.binary_cross_entropy, F.binary_cross_entropy_with_logits])
def test_a_weight_of_shape_n_1_for_a_loss_of_shape_n_is_refused(loss):
    p, t = tg.rand(4), tg.ones(4)
    with pytest.raises(ShapeError, match=r"weight of shape \(4, 1\) does not broadcast to the loss's "
                                         r"shape \(4,\)"):
        loss(p, t, weight=tg.ones(4, 1))
    assert loss(p, t, weight=tg.ones(4)).shape == ()  # a weight per element is fine
    with pytest.raises(ShapeError, match=r"pos_weight of shape \(4, 1\)"):
        F.binary_cross_entropy_with_logits(p, t, pos_weight=tg.ones(4, 1))


def test_std_of_a_constant_has_zero_gradient():
    x = tg.ones(4, requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    y = tg.tensor([[1.0, 1.0], [1.0, 3.0]], requires_grad=True)
    y.std(1).sum().backward()  # row 0 constant (gradient 0), row 1 ordinary: d std/d a = ±1/√2
    assert np.allclose(y.grad.numpy(), [[0, 0], [-2**-0.5, 2**-0.5]])


@pytest.mark.parametrize("loss", [F.cross_entropy, lambda x, t: F.nll_loss(x.log_softmax(1), t)])
def test_every_target_ignored_gives_nan_loss_and_zero_gradient(loss):
    x = tg.randn(3, 4, requires_grad=True)
    value = loss(x, tg.tensor([-100, -100, -100]))
    value.backward()
    assert np.isnan(value.item()) and x.grad.tolist() == [[0.0] * 4] * 3


def test_max_with_nan_sends_the_gradient_to_the_nan():
    x = tg.tensor([np.nan, 1.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [1.0, 0.0]
    y = tg.tensor([[np.nan, 1.0], [2.0, 3.0]], requires_grad=True)
    y.max(1).values.sum().backward()
    assert y.grad.tolist() == [[1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(("op", "selected"), [("maximum", [1.0, 0.0]), ("minimum", [0.0, 1.0])])
def test_maximum_and_minimum_send_no_nan_to_the_input_not_selected(op, selected):
    a = tg.tensor([3.0, 1.0], requires_grad=True)
    b = tg.tensor([1.0, 3.0], requires_grad=True)
    getattr(a, op)(b).backward(tg.tensor([np.nan, np.nan]))
    assert np.isnan(a.grad.numpy()).tolist() == [s == 1.0 for s in selected]
    assert np.isnan(b.grad.numpy()).tolist() == [s == 0.0 for s in selected]


def test_sum_and_mean_over_an_empty_dim_tuple_reduce_everything():
    x = tg.ones(2, 3)
    assert x.sum(dim=()).shape == () and x.sum(dim=()).item() == 6
    assert x.mean(dim=[]).shape == () and x.mean(dim=[]).item() == 1
    assert x.var(dim=()).shape == ()


@pytest.mark.parametrize(("a", "b", "expected"), [
    (tg.tensor(2.0, dtype=tg.float64), tg.ones(3), tg.float32),  # 0-d does not widen a dimensioned one
    (tg.tensor(2.0, dtype=tg.float64), tg.tensor(1.0), tg.float64),  # both 0-d: the wider
    (tg.tensor([1, 2]), tg.tensor(1.5, dtype=tg.float64), tg.float64),  # higher category wins, its width
    (tg.tensor([1, 2], dtype=tg.uint8), tg.tensor(3), tg.uint8),
    (tg.tensor([1, 2], dtype=tg.int32), tg.tensor([3]), tg.int64),
])
def test_type_promotion_follows_pytorch(a, b, expected):
    assert (a * b).dtype == expected and (b * a).dtype == expected


def test_var_and_std_take_unbiased_as_pytorch():
    x = tg.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var(unbiased=False).item() == pytest.approx(1.25)
    assert x.std(0, True).item() == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert x.view(2, 2).var(1, keepdim=True).shape == (2, 1)
    with pytest.raises(TypeError, match="var: give unbiased or correction, not both"):
        x.var(unbiased=True, correction=1)


# ---- grad mode per thread, and detect_anomaly's source ---------------------------------------------------


def test_no_grad_in_one_thread_leaves_recording_on_in_another():
    x = tg.tensor([1.0], requires_grad=True)
    inside, outside = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with tg.no_grad():
            inside.set()
            outside.wait(5)
            seen["worker"] = (x * 2).requires_grad

    thread = threading.Thread(target=worker)
    thread.start()
    inside.wait(5)
    seen["main"] = (x * 2).requires_grad  # the worker is inside no_grad right now
    outside.set()
    thread.join(5)
    assert seen == {"main": True, "worker": False} and tg.is_grad_enabled()


def test_detect_anomaly_names_the_input_that_already_held_nan():
    x = tg.tensor([np.nan, 1.0], requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(FloatingPointError,
                                            match="input 0 of Mul .* already holds NaN: it comes from a "
                                                  "tensor made outside the graph"):
        x * 2


# ---- raw errors restated ------------------------------------------------------------------------------


def test_matmul_shape_errors_do_not_show_numpys_message_first():
    with pytest.raises(ShapeError, match="inner dimensions 784 and 28 differ") as caught:
        tg.ones(4, 784) @ tg.ones(28, 1)
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


def test_argmax_of_an_empty_tensor_names_the_op():
    for name in ("argmax", "argmin"):
        with pytest.raises(RuntimeError, match=f"{name}: the tensor of shape \\(0,\\) is empty"):
            getattr(tg.tensor([]), name)()
    assert tg.ones(0, 3).argmax(1).shape == (0,)  # along a dim that is not empty: an empty answer


def test_softmax_of_an_empty_tensor_is_empty_as_pytorch():
    x = tg.ones(2, 0, requires_grad=True)
    for op in ("softmax", "log_softmax"):
        out = getattr(x, op)(1)
        assert out.shape == (2, 0)
        out.sum().backward()
    assert x.grad.shape == (2, 0)


def test_view_and_reshape_need_sizes():
    for op in ("view", "reshape"):
        with pytest.raises(TypeError, match="view: give the new shape"):
            getattr(tg.ones(1), op)()
    assert tg.ones(1).view(()).shape == ()
