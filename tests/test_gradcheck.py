"""gradcheck itself: it passes correct ops, catches a deliberately wrong backward (full and fast mode),
and explains the failure: which input, which element, the analytic and the numeric value."""

import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.function import Function


class Square(Function):
    """out = a²;  d/da = 2a"""

    def forward(self, a):
        self.save_for_backward(a)
        return a * a

    def backward(self, grad):
        (a,) = self.saved
        return (2 * grad * a,)


class WrongSquare(Square):
    """out = a², with the factor 2 of the derivative forgotten."""

    def backward(self, grad):
        (a,) = self.saved
        return (grad * a,)


class WrongSecondInput(Function):
    """out = a · b, but d/db claims 1."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved
        return grad * b, grad


def _x(values=(1.0, 2.0, 3.0)):
    return tg.tensor(list(values), dtype=tg.float64, requires_grad=True)


def test_a_custom_function_passes():
    x = _x()
    assert tg.gradcheck(Square.apply, [x])
    assert tg.gradcheck(Square.apply, (x,), fast_mode=True)
    assert tg.gradcheck(Square.apply, x)  # a single tensor is accepted too
    y = Square.apply(x)
    assert y.grad_fn.name() == "SquareBackward" and y.tolist() == [1.0, 4.0, 9.0]


def test_a_wrong_backward_is_caught_and_explained():
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(WrongSquare.apply, [_x()])
    message = str(info.value)
    assert "input 0" in message and "shape (3,)" in message
    # the worst element is the last: analytic a = 3, numeric 2a = 6
    assert "input element (2,)" in message and "output element 2" in message
    assert re.search(r"analytic 3\b", message) and re.search(r"numeric 6\b", message)
    assert isinstance(info.value, RuntimeError)


def test_the_message_names_the_wrong_input():
    a = _x()
    b = tg.tensor([[4.0, 5.0, 6.0]], dtype=tg.float64, requires_grad=True)
    with pytest.raises(tg.GradcheckError, match=r"input 1 \(shape \(1, 3\)\).*input element \(0, 2\)"):
        tg.gradcheck(WrongSecondInput.apply, [a, b])


def test_raise_exception_false_returns_false():
    assert tg.gradcheck(WrongSquare.apply, [_x()], raise_exception=False) is False
    assert tg.gradcheck(Square.apply, [_x()], raise_exception=False) is True


def test_fast_mode_catches_the_wrong_backward():
    with pytest.raises(tg.GradcheckError, match="input 0.*random direction.*analytic.*numeric"):
        tg.gradcheck(WrongSquare.apply, [_x()], fast_mode=True)
    assert tg.gradcheck(WrongSquare.apply, [_x()], fast_mode=True, raise_exception=False) is False
    for seed in range(5):
        x = tg.randn(3, 2, dtype=tg.float64).requires_grad_()
        assert tg.gradcheck(lambda t: (t * t).sum(1).exp(), [x], fast_mode=True, seed=seed)


def test_float32_inputs_warn_and_are_checked_in_float64():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        assert tg.gradcheck(lambda t: t.exp(), [x])
    assert x.dtype == tg.float32


def test_float64_inputs_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.gradcheck(lambda t: t.tanh(), [_x()])


def test_no_input_requires_grad():
    with pytest.raises(ValueError, match="gradcheck: no input requires grad"):
        tg.gradcheck(lambda t: t * 2, [tg.tensor([1.0], dtype=tg.float64)])


def test_non_tensor_and_constant_inputs_are_passed_through():
    x = _x()
    c = tg.tensor([2.0, 0.5, 1.0], dtype=tg.float64)
    assert tg.gradcheck(lambda t, k, scale: (t * k) ** 2 * scale, [x, c, 3.0])
    assert c.grad is None


def test_the_callers_inputs_are_left_alone():
    x = _x()
    before = x.tolist()
    tg.gradcheck(lambda t: t.exp().sum(), [x])
    assert x.tolist() == before and x.grad is None


def test_several_outputs_and_outputs_that_do_not_depend_on_the_input():
    x = _x()
    y = tg.tensor([1.0, 1.0, 1.0], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda a, b: (a.exp(), a * 2, b.sum()), [x, y])
    assert tg.gradcheck(lambda a: a.max(0), [x])  # (values, int indices)
    with pytest.raises(tg.GradcheckError):
        tg.gradcheck(lambda a, b: (a * 2, WrongSquare.apply(b)), [x, y])


def test_tolerances_and_eps_are_used():
    x = _x()

    def slightly_wrong(t):
        return WrongSquare.apply(t) * 0 + t * (1 + 1e-4)  # derivative 1 + 1e-4 vs numeric 1 + 1e-4

    assert tg.gradcheck(slightly_wrong, [x])
    assert not tg.gradcheck(WrongSquare.apply, [x], atol=0.5, rtol=0.0, raise_exception=False)
    assert tg.gradcheck(WrongSquare.apply, [x], atol=3.1, rtol=0.0)  # |3 - 6| = 3 fits in atol
    assert tg.gradcheck(lambda t: t**3, [x], eps=1e-4, rtol=1e-3)


def test_gradcheck_agrees_with_a_hand_computed_jacobian():
    a = np.array([[0.5, -1.0], [2.0, 0.25]])
    x = tg.tensor(a, dtype=tg.float64, requires_grad=True)
    out = (x * x.T).sum()
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * a.T)
    assert tg.gradcheck(lambda t: (t * t.T).sum(), [x])


class Cube(Function):
    """out = a³;  d/da = 3a², returned as a bare array (allowed for one input, as in PyTorch)."""

    def forward(self, a):
        self.save_for_backward(a)
        return a**3

    def backward(self, grad):
        (a,) = self.saved
        return 3 * grad * a * a


class TooManyGradients(Square):
    def backward(self, grad):
        return grad, grad


def test_custom_function_backward_conventions():
    assert tg.gradcheck(Cube.apply, [_x()])
    with pytest.raises(RuntimeError, match="backward of TooManyGradients returned 2 gradients for 1 inputs"):
        TooManyGradients.apply(_x()).sum().backward()
