"""In-place updates: plain numpy changes outside the graph, recorded ops inside it (as PyTorch), and
backward's refusal to use values that were changed after an op saved them."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.function import ShapeError

# ---- in-place operations ------------------------------------------------------------------------


def test_inplace_on_a_leaf_that_requires_grad():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    for update in (lambda: w.__isub__(1.0), lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(),
                   lambda: w.fill_(0.0), lambda: w.copy_(tg.tensor([0.0, 0.0])), lambda: w.sub_(1.0),
                   lambda: w.div_(2.0)):
        with pytest.raises(RuntimeError, match="in place"):
            update()
    with tg.no_grad():
        w -= 0.5
        w.mul_(2.0)
        w.add_(tg.tensor([1.0, 1.0]), alpha=2)
    assert w.tolist() == [3.0, 5.0] and w.requires_grad and w.is_leaf
    with tg.no_grad():
        w.sub_(tg.tensor([1.0, 1.0]), alpha=0.5)
        w /= 2
    assert w.tolist() == [1.25, 2.25]


def test_inplace_on_plain_tensors():
    x = tg.tensor([1.0, 2.0])
    x += 1
    x *= tg.tensor([2.0, 3.0])
    assert x.tolist() == [4.0, 9.0]
    x.fill_(7.0)
    assert x.tolist() == [7.0, 7.0]
    x.copy_(tg.tensor([1.0, 2.0]))
    assert x.tolist() == [1.0, 2.0]
    i = tg.tensor([1, 2])
    i += 1
    assert i.tolist() == [2, 3] and i.dtype == tg.int64


def test_inplace_errors():
    x = tg.zeros(2)
    with pytest.raises(RuntimeError, match=r"add_.*\(2,\).*\(3,\)"):
        x += tg.zeros(3)
    i = tg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="add_"):
        i += 0.5  # a float result cannot be stored in an int tensor, as in PyTorch


# ---- recorded in the graph -------------------------------------------------------------------------------


def test_inplace_on_a_non_leaf_is_recorded():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y += 1
    y *= x  # y = (2x + 1) · x
    assert repr(y.grad_fn) == "<MulBackward>" and not y.is_leaf
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 9.0, 13.0]  # d/dx (2x² + x) = 4x + 1


def test_a_consumer_made_before_the_change_keeps_the_old_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = y + 0  # made from the old y
    y += x  # y = 4x from now on
    (z.sum() + y.sum()).backward()
    assert x.grad.tolist() == [7.0, 7.0]  # 3 through z, 4 through the new y


def test_the_backprop_ninja_pattern_setitem_and_divide_on_a_tensor_in_the_graph():
    logits = tg.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]], requires_grad=True)
    targets = [2, 0]
    d = logits.softmax(1)
    d[range(2), targets] -= 1
    d /= 2  # the gradient of the mean cross-entropy, written by hand
    loss = tg.nn.functional.cross_entropy(logits, tg.tensor(targets))
    loss.backward(retain_graph=True)
    assert np.allclose(d.detach().numpy(), logits.grad.numpy(), atol=1e-7)
    assert d.requires_grad and repr(d.grad_fn) == "<DivBackward>"
    with pytest.raises(RuntimeError, match="Softmax saved for its backward"):
        d.sum().backward()  # softmax saved the values that -= and /= changed, as in PyTorch


def test_setitem_with_a_tensor_that_requires_grad():
    v = tg.tensor([5.0, 6.0], requires_grad=True)
    x = tg.zeros(3)
    x[1:] = v * 2
    assert x.tolist() == [0.0, 10.0, 12.0] and x.requires_grad
    (x * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert v.grad.tolist() == [4.0, 6.0]


def test_setitem_broadcast_value_sums_its_gradient():
    x = tg.ones(2, 3, requires_grad=True) * 1
    s = tg.tensor(2.0, requires_grad=True)
    x[:, 0] = s
    x.sum().backward()
    assert s.grad.item() == 2.0


def test_copy_fill_zero_on_a_non_leaf():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    src = tg.tensor([3.0, 4.0], requires_grad=True)
    y = w * 2
    y.copy_(src)
    (y * y).sum().backward()
    assert src.grad.tolist() == [6.0, 8.0] and w.grad.tolist() == [0.0, 0.0]  # overwritten: no say
    w.grad = None
    z = w * 2
    z.fill_(1.0)
    z.sum().backward()
    assert z.tolist() == [1.0, 1.0] and w.grad.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="zero_: a leaf tensor that requires grad"):
        w.zero_()


def test_an_inplace_result_that_does_not_fit_is_refused():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    with pytest.raises(ShapeError, match=r"add_: the result has shape \(2, 2\)"):
        y += tg.ones(2, 1, requires_grad=True)
    i = tg.tensor([1, 2])
    with pytest.raises(TypeError, match="mul_: the result is float32"):
        i *= x


# ---- changes after an op saved the value -------------------------------------------------------------------


def test_a_detached_change_of_a_saved_input_is_refused():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.detach().mul_(10)  # the same memory: Mul saved x
    with pytest.raises(RuntimeError, match="Mul saved for its backward .* was changed by an in-place"):
        y.backward()


def test_changing_a_saved_output_is_refused():
    x = tg.tensor([0.5, -1.0], requires_grad=True)
    y = x.sigmoid()  # Sigmoid saves its output
    y *= 2
    with pytest.raises(RuntimeError, match="Sigmoid saved"):
        y.sum().backward()


def test_a_change_through_a_view_is_seen():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = (x.exp()).sum()  # Exp saves its output
    x.detach()[0].fill_(0.0)  # changes x, which Exp did not save
    y.backward()  # fine: only the changed memory matters
    assert np.allclose(x.grad.numpy()[1], np.exp([3.0, 4.0]))
    z = (x * 2).sum()
    x.detach()[1, 0] = 7.0  # a view of x's memory: Mul saved x
    with pytest.raises(RuntimeError, match="Mul saved"):
        z.backward()


def test_changes_before_the_op_or_to_unsaved_values_are_fine():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        x.mul_(2)
    y = (x * 3).sum()
    other = tg.zeros(2)
    other += 1  # unrelated memory
    y.backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_the_optimizer_step_between_forward_and_backward_is_refused():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with tg.no_grad():
        w -= 0.1  # an update before backward: the saved w is stale
    with pytest.raises(RuntimeError, match="Mul saved"):
        loss.backward()


def test_bad_values_name_the_op():
    x = tg.zeros(3)
    with pytest.raises(ShapeError, match=r"__setitem__: a value of shape \(3,\) does not fit the selected "
                                         r"part of shape \(2,\)"):
        x[0:2] = tg.ones(3)
    with pytest.raises(TypeError, match="fill_: the value must be a number, not 'abc'"):
        x.fill_("abc")
    with pytest.raises(TypeError, match="__setitem__: the value must be"):
        x[0] = None
    with pytest.raises(IndexError, match=r"__setitem__: .* \(tensor of shape \(3,\)\)"):
        x[5] = 1.0
