"""Elementwise ops: forward values equal numpy's, gradients pass gradcheck (over hypothesis-drawn shapes,
broadcasting pairs, 0-d tensors and size-1 dims), and hand-computed special cases."""

import math
import warnings

import numpy as np
import pytest
from conftest import (
    assert_forward,
    assert_gradcheck,
    core_settings,
    hyp_array,
    hyp_broadcast_pair,
    hyp_shapes,
    hyp_untied_pair,
    leaves,
)
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg

# ---- binary arithmetic, broadcasting -------------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, np.add),
    "sub": (lambda a, b: a - b, np.subtract),
    "mul": (lambda a, b: a * b, np.multiply),
    "div": (lambda a, b: a / b, np.divide),
}


@pytest.mark.parametrize("name", list(BINARY))
@core_settings
@given(data=st.data(), shapes=hyp_broadcast_pair())
def test_binary_ops_broadcast(name, data, shapes):
    fn, reference = BINARY[name]
    a = data.draw(hyp_array(shapes[0]))
    # denominators stay away from 0
    b = data.draw(hyp_array(shapes[1], away_from=(0.0,), gap=0.5) if name == "div" else hyp_array(shapes[1]))
    assert_forward(fn, reference, a, b)
    assert_gradcheck(fn, a, b)


@pytest.mark.parametrize("name", list(BINARY))
@core_settings
@given(data=st.data(), shape=hyp_shapes(), scalar=st.sampled_from([2, -3, 0.5, -1.25]))
def test_binary_ops_with_python_scalar(name, data, shape, scalar):
    fn, reference = BINARY[name]
    away = (0.0,) if name == "div" else ()
    a = data.draw(hyp_array(shape, away_from=away, gap=0.5))
    assert_forward(lambda x: fn(x, scalar), lambda x: reference(x, scalar), a)
    assert_forward(lambda x: fn(scalar, x), lambda x: reference(scalar, x), a)
    assert_gradcheck(lambda x: fn(x, scalar), a)
    assert_gradcheck(lambda x: fn(scalar, x), a)


def test_method_spellings():
    x, y = tg.tensor([1.0, 2.0]), tg.tensor([4.0, 8.0])
    assert x.add(y).tolist() == [5.0, 10.0]
    assert x.sub(y).tolist() == [-3.0, -6.0]
    assert x.mul(y).tolist() == [4.0, 16.0]
    assert x.div(y).tolist() == [0.25, 0.25]
    assert x.neg().tolist() == [-1.0, -2.0]
    assert x.pow(2).tolist() == [1.0, 4.0]


def test_broadcast_gradient_hand_computed():
    # (3, 1) + (4,) -> (3, 4): each input's gradient sums over the copies
    a = tg.ones(3, 1, requires_grad=True)
    b = tg.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0], [4.0], [4.0]]
    assert b.grad.shape == (4,) and b.grad.tolist() == [3.0] * 4


def test_same_tensor_on_both_sides():
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, -4.0]
    x.grad = None
    (x - x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    x.grad = None
    (x / x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_ndarray_and_tensor():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    out = np.array([10.0, 20.0]) + x
    assert isinstance(out, tg.Tensor) and out.tolist() == [11.0, 22.0]
    out = np.array([10.0, 20.0]) * x
    assert isinstance(out, tg.Tensor)
    out.sum().backward()
    assert x.grad.tolist() == [10.0, 20.0]
    assert isinstance(np.float64(2.0) - x, tg.Tensor)
    assert (np.float64(2.0) - x).tolist() == [1.0, 0.0]


# ---- powers ----------------------------------------------------------------------------------------


@core_settings
@given(data=st.data(), shape=hyp_shapes(), exponent=st.sampled_from([0, 1, 2, 3, -1, -2, 2.0, -1.5, 0.5]))
def test_pow_scalar_exponent(data, shape, exponent):
    integral = float(exponent).is_integer()
    # non-integer powers need positive bases; negative powers keep away from 0
    a = data.draw(hyp_array(shape, away_from=(0.0,), gap=0.3) if integral else hyp_array(shape, 0.3, 2.0))
    assert_forward(lambda x: x**exponent, lambda x: x**exponent, a)
    assert_gradcheck(lambda x: x**exponent, a)


@core_settings
@given(data=st.data(), shapes=hyp_broadcast_pair())
def test_pow_tensor_base_tensor_exponent(data, shapes):
    base = data.draw(hyp_array(shapes[0], 0.3, 2.0))
    exponent = data.draw(hyp_array(shapes[1], -2.0, 2.0))
    assert_forward(lambda a, b: a**b, np.power, base, exponent)
    assert_gradcheck(lambda a, b: a**b, base, exponent)


@core_settings
@given(data=st.data(), shape=hyp_shapes(), base=st.sampled_from([2, 0.5, 3.0]))
def test_scalar_base_tensor_exponent(data, shape, base):
    exponent = data.draw(hyp_array(shape))
    assert_forward(lambda x: base**x, lambda x: np.power(float(base), x), exponent)
    assert_gradcheck(lambda x: base**x, exponent)


def test_fastbook_square():
    x = tg.tensor(3.0).requires_grad_()
    y = x**2
    assert y.item() == 9.0
    y.backward()
    assert x.grad.item() == 6.0


def test_fastbook_sum_of_squares():
    x = tg.tensor([3.0, 4.0, 10.0]).requires_grad_()
    y = (x**2).sum()
    assert y.item() == 125.0
    y.backward()
    assert x.grad.tolist() == [6.0, 8.0, 20.0]


def test_pow_exponent_gradient_at_zero_base():
    # d/db 0**b = 0**b * ln 0: PyTorch returns 0 there (for b > 0), not NaN
    base = tg.tensor([0.0, 2.0])
    exponent = tg.tensor([2.0, 3.0], requires_grad=True)
    (base**exponent).sum().backward()
    np.testing.assert_allclose(exponent.grad.numpy(), [0.0, 8 * np.log(2.0)], rtol=1e-6)


def test_pow_base_gradient_at_zero_with_zero_exponent():
    # d/da a**0 = 0 everywhere, also at a = 0 (0 * 0**-1 would be NaN)
    x = tg.tensor([0.0, 2.0], requires_grad=True)
    (x**0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


# ---- unary functions -----------------------------------------------------------------------------

UNARY = {
    "neg": (lambda x: -x, np.negative, {}),
    "exp": (lambda x: x.exp(), np.exp, {}),
    "log": (lambda x: x.log(), np.log, {"low": 0.1, "high": 3.0}),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, {"low": 0.1, "high": 3.0}),
    "sigmoid": (lambda x: x.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), {"low": -6.0, "high": 6.0}),
    "tanh": (lambda x: x.tanh(), np.tanh, {}),
    "relu": (lambda x: x.relu(), lambda a: np.maximum(a, 0), {"away_from": (0.0,)}),
    "abs": (lambda x: x.abs(), np.abs, {"away_from": (0.0,)}),
    "clamp": (lambda x: x.clamp(-0.5, 0.75), lambda a: np.clip(a, -0.5, 0.75), {"away_from": (-0.5, 0.75)}),
    "clamp_min": (lambda x: x.clamp(min=0.25), lambda a: np.maximum(a, 0.25), {"away_from": (0.25,)}),
    "clamp_max": (lambda x: x.clamp(max=0.25), lambda a: np.minimum(a, 0.25), {"away_from": (0.25,)}),
    "clamp_min()": (lambda x: x.clamp_min(0.25), lambda a: np.maximum(a, 0.25), {"away_from": (0.25,)}),
    "clamp_max()": (lambda x: x.clamp_max(-0.5), lambda a: np.minimum(a, -0.5), {"away_from": (-0.5,)}),
    "sin": (lambda x: x.sin(), np.sin, {"low": -7.0, "high": 7.0}),
    "cos": (lambda x: x.cos(), np.cos, {"low": -7.0, "high": 7.0}),
    "log10": (lambda x: x.log10(), np.log10, {"low": 0.1, "high": 30.0}),
    "log2": (lambda x: x.log2(), np.log2, {"low": 0.1, "high": 30.0}),
}


@pytest.mark.parametrize("name", list(UNARY))
@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_unary_ops(name, data, shape):
    fn, reference, limits = UNARY[name]
    a = data.draw(hyp_array(shape, **limits))
    out = assert_forward(fn, reference, a, rtol=1e-12)
    assert out.dtype == tg.float64
    assert_gradcheck(fn, a)


@pytest.mark.parametrize("name", ["exp", "log", "sigmoid", "tanh", "relu", "abs", "sqrt"])
def test_module_level_functions(name):
    x = tg.tensor([0.5, 2.0])
    assert getattr(tg, name)(x).tolist() == getattr(x, name)().tolist()


@pytest.mark.parametrize("name", ["sin", "cos", "log10", "log2"])
def test_more_module_level_functions(name):
    x = tg.tensor([0.5, 2.0])
    assert getattr(tg, name)(x).tolist() == getattr(x, name)().tolist()
    assert getattr(tg, name)(tg.tensor([1, 4])).dtype == tg.float32  # integers become floats, as PyTorch


def test_sin_cos_hand_computed_and_the_tutorials_plot():
    # PyTorch's autograd tutorial: b = sin(a) on [0, 2π]; d/da sin(a) = cos(a)
    a = tg.linspace(0.0, 2 * math.pi, steps=25, requires_grad=True)
    (2 * tg.sin(a) + 1).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.cos(a.detach().numpy()), rtol=1e-6, atol=1e-6)
    assert tg.cos(tg.tensor([0.0, math.pi])).tolist() == [1.0, -1.0]
    assert tg.tensor([100.0, 8.0]).log10().tolist()[0] == 2.0 and tg.tensor([8.0]).log2().item() == 3.0


def test_clamp_min_is_relu_shifted_as_in_chapter_17():
    x = tg.tensor([-1.0, 0.25, 2.0], requires_grad=True)
    out = x.clamp_min(0.0) - 0.5
    assert out.tolist() == [-0.5, -0.25, 1.5]
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]
    assert x.clamp_max(0.0).tolist() == [-1.0, 0.0, 0.0]


def test_module_level_clamp_and_matmul():
    x = tg.tensor([-1.0, 0.5, 3.0])
    assert tg.clamp(x, 0.0, 1.0).tolist() == [0.0, 0.5, 1.0]
    assert tg.matmul(x, x).item() == pytest.approx(10.25)


def test_kinks_use_pytorch_subgradients():
    x = tg.tensor([0.0, 0.0, 0.0], requires_grad=True)
    (x.relu() + x.abs()).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]  # relu'(0) = 0 and abs'(0) = 0, as PyTorch
    y = tg.tensor([-1.0, 1.0, 2.0], requires_grad=True)
    y.clamp(-1.0, 1.0).sum().backward()
    assert y.grad.tolist() == [1.0, 1.0, 0.0]  # at a bound the gradient passes, as PyTorch


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp"):
        tg.tensor([1.0]).clamp()
    assert tg.tensor([1.0, 5.0]).clip(max=2.0).tolist() == [1.0, 2.0]


def test_sigmoid_is_stable_for_large_inputs():
    x = tg.tensor([-1000.0, 0.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        out = x.sigmoid()
    assert out.tolist() == [0.0, 0.5, 1.0]


def test_unary_ops_on_integer_tensors_make_floats():
    x = tg.tensor([1, 4])
    assert x.sqrt().dtype == tg.float32 and x.sqrt().tolist() == [1.0, 2.0]
    assert x.exp().dtype == tg.float32
    assert x.relu().dtype == tg.int64
    assert (-x).tolist() == [-1, -4]


# ---- maximum / minimum / where --------------------------------------------------------------------


@pytest.mark.parametrize("op", ["maximum", "minimum"])
@core_settings
@given(data=st.data(), shapes=hyp_broadcast_pair())
def test_maximum_minimum(op, data, shapes):
    a, b = data.draw(hyp_untied_pair(shapes))
    if data.draw(st.booleans()):
        a, b = b, a
    fn = (lambda x, y: x.maximum(y)) if op == "maximum" else (lambda x, y: x.minimum(y))
    assert_forward(fn, getattr(np, op), a, b)
    assert_forward(lambda x, y: getattr(tg, op)(x, y), getattr(np, op), a, b)
    assert_gradcheck(fn, a, b)


def test_maximum_ties_split_the_gradient():
    a = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = tg.tensor([1.0, 5.0, 0.0], requires_grad=True)
    a.maximum(b).sum().backward()
    assert a.grad.tolist() == [0.5, 0.0, 1.0]
    assert b.grad.tolist() == [0.5, 1.0, 0.0]


def test_max_and_min_with_a_tensor_are_elementwise():
    a, b = tg.tensor([1.0, 5.0]), tg.tensor([3.0, 2.0])
    assert a.max(b).tolist() == [3.0, 5.0]
    assert a.min(b).tolist() == [1.0, 2.0]


@core_settings
@given(data=st.data(), shapes=hyp_broadcast_pair(), cond_shape=hyp_shapes(max_dims=2))
def test_where(data, shapes, cond_shape):
    a = data.draw(hyp_array(shapes[0]))
    b = data.draw(hyp_array(shapes[1]))
    try:
        np.broadcast_shapes(cond_shape, shapes[0], shapes[1])
    except ValueError:
        cond_shape = ()
    cond = data.draw(hyp_array(cond_shape, dtype=np.float64)) > 0
    mask = tg.tensor(cond)

    def fn(x, y):
        return tg.where(mask, x, y)

    assert_forward(fn, lambda x, y: np.where(cond, x, y), a, b)
    assert_gradcheck(fn, a, b)


def test_where_with_scalars_and_gradient():
    x = tg.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    out = tg.where(x > 0, x, 0.0)
    assert out.tolist() == [0.0, 2.0, 0.0] and out.dtype == tg.float32
    out.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    assert tg.where(x > 0, 1.0, x).tolist() == [-1.0, 1.0, -3.0]
    assert tg.where(tg.tensor([True, False]), 1, 2).tolist() == [1, 2]


# ---- casts -------------------------------------------------------------------------------------------


@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_float_double_casts(data, shape):
    a = data.draw(hyp_array(shape))

    def fn(x):
        return x.float().double() * 2

    out = fn(*leaves(a))
    np.testing.assert_allclose(out.detach().numpy(), a.astype(np.float32).astype(np.float64) * 2)
    # float32 in the middle: the derivative is exactly 2, the finite differences are coarse
    assert_gradcheck(lambda x: x.float().double(), a, eps=1e-3, atol=1e-3, rtol=1e-3)
    x = tg.tensor(a, dtype=tg.float32, requires_grad=True)
    (x.double() * 3).sum().backward()
    assert x.grad.dtype == tg.float32
    assert np.all(x.grad.numpy() == 3)


def test_cast_grad_fn_and_int_casts_leave_the_graph():
    x = tg.tensor([1.5, -2.5], requires_grad=True)
    d = x.double()
    assert d.dtype == tg.float64 and d.grad_fn is not None
    n = x.long()
    assert n.dtype == tg.int64 and n.tolist() == [1, -2] and not n.requires_grad
    assert x.float() is x  # already float32, as PyTorch


# ---- NaN edges: the gradients PyTorch gives where a value or an arriving gradient is NaN or ∞ ----------

NAN, INF = math.nan, math.inf
NAN_EDGES = [
    # clamp: outside the range and at NaN, 0 — even from a NaN or infinite gradient (masked, not multiplied)
    ("clamp(min=0)", lambda x: x.clamp(min=0), [NAN, -1.0, 1.0], [1.0, NAN, INF], [0.0, 0.0, INF]),
    ("clamp(-0.5, 0.5)", lambda x: x.clamp(-0.5, 0.5), [NAN, 0.0, 2.0], [INF, NAN, NAN], [0.0, NAN, 0.0]),
    ("clamp(max=0)", lambda x: x.clamp(max=0), [NAN, 1.0, -1.0], [NAN, INF, 2.0], [0.0, 0.0, 2.0]),
    # relu: 0 where out ≤ 0 (even from NaN); at x = NaN the gradient passes
    ("relu", lambda x: x.relu(), [NAN, 0.0, -1.0, 2.0], [3.0, NAN, INF, NAN], [3.0, 0.0, 0.0, NAN]),
    # abs: sign(NaN) = 0, sign(0) = 0; an infinite gradient times 0 is NaN
    ("abs", lambda x: x.abs(), [NAN, 0.0, -2.0], [1.0, 1.0, 1.0], [0.0, 0.0, -1.0]),
    ("abs at inf", lambda x: x.abs(), [NAN, 0.0], [INF, NAN], [NAN, NAN]),
    # x ** 0: the base's gradient is 0 whatever arrives
    ("x ** 0", lambda x: x**0, [NAN, 1.0, 0.0], [NAN, INF, 1.0], [0.0, 0.0, 0.0]),
    # 0 ** b for b ≥ 0: the exponent's gradient is 0 · grad (NaN from a NaN gradient)
    ("0 ** b", lambda b: tg.zeros(2, dtype=tg.float64) ** b, [1.0, 0.0], [NAN, 1.0], [NAN, 0.0]),
]


@pytest.mark.parametrize("name, fn, values, arriving, expected", NAN_EDGES, ids=[c[0] for c in NAN_EDGES])
def test_nan_edges_give_pytorchs_gradients(name, fn, values, arriving, expected):
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf · 0
        fn(x).backward(tg.tensor(arriving, dtype=tg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), expected)
