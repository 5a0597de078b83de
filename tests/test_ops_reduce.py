"""Reductions: sum, mean, max, min, var, std, log_softmax and softmax: forward equals numpy, gradcheck
passes (all elements, one dim, a dim tuple, negative dims, keepdim), and PyTorch's conventions hold."""

import math
import warnings

import numpy as np
import pytest
from conftest import (
    assert_forward,
    assert_gradcheck,
    core_settings,
    hyp_array,
    hyp_dims,
    hyp_distinct_array,
    hyp_shapes,
    leaves,
)
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_edu as tg


def _np_axes(dim):
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


@pytest.mark.parametrize("op", ["sum", "mean"])
@core_settings
@given(data=st.data(), shape=hyp_shapes(), keepdim=st.booleans())
def test_sum_mean(op, data, shape, keepdim):
    a = data.draw(hyp_array(shape))
    dim = data.draw(hyp_dims(len(shape)))

    def fn(x):
        return getattr(x, op)(dim, keepdim=keepdim)

    def reference(x):
        return getattr(np, op)(x, axis=_np_axes(dim), keepdims=keepdim)

    assert_forward(fn, reference, a, rtol=1e-12)
    assert_gradcheck(fn, a)


@pytest.mark.parametrize("op", ["max", "min"])
@core_settings
@given(data=st.data(), shape=hyp_shapes())
def test_max_min_over_all(op, data, shape):
    a = data.draw(hyp_distinct_array(shape))
    out = assert_forward(lambda x: getattr(x, op)(), getattr(np, op), a)
    assert out.shape == ()
    assert_gradcheck(lambda x: getattr(x, op)(), a)


@pytest.mark.parametrize("op", ["max", "min"])
@core_settings
@given(data=st.data(), shape=hyp_shapes(min_dims=1), keepdim=st.booleans())
def test_max_min_along_dim(op, data, shape, keepdim):
    a = data.draw(hyp_distinct_array(shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    values, indices = getattr(leaves(a)[0], op)(dim, keepdim=keepdim)
    np.testing.assert_array_equal(values.detach().numpy(), getattr(np, op)(a, axis=dim, keepdims=keepdim))
    arg = np.argmax if op == "max" else np.argmin
    np.testing.assert_array_equal(indices.numpy(), arg(a, axis=dim, keepdims=keepdim))
    assert indices.dtype == tg.int64
    assert_gradcheck(lambda x: getattr(x, op)(dim, keepdim=keepdim).values, a)
    assert_gradcheck(lambda x: getattr(x, op)(dim, keepdim)[0], a)


def test_max_returns_named_values_and_indices():
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    result = x.min(0)
    assert result.values.tolist() == [1.0, 0.0, 2.0] and result.indices.tolist() == [0, 1, 0]
    assert x.max().item() == 7.0 and x.min().item() == 0.0


def test_max_ties():
    # over all elements ties share the gradient; along a dim it goes to the index argmax picks
    x = tg.tensor([[2.0, 2.0], [1.0, 2.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[1 / 3, 1 / 3], [0.0, 1 / 3]], rtol=1e-6)
    y = tg.tensor([[3.0, 3.0, 1.0]], requires_grad=True)
    values, indices = y.max(1)
    assert indices.tolist() == [0]
    values.sum().backward()
    assert y.grad.tolist() == [[1.0, 0.0, 0.0]]


def test_argmax_argmin():
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert x.argmax().item() == 3 and x.argmin().item() == 4
    assert x.argmax(1).tolist() == [1, 0] and x.argmin(dim=0, keepdim=True).tolist() == [[0, 1, 0]]
    assert tg.argmax(x, 1).tolist() == [1, 0]


def test_reductions_with_dim_tuple():
    x = tg.arange(24.0).reshape(2, 3, 4)
    assert x.mean((-1, -2)).tolist() == [5.5, 17.5]
    assert x.sum((0, 2)).tolist() == np.arange(24.0).reshape(2, 3, 4).sum((0, 2)).tolist()
    assert x.sum((0, 2), keepdim=True).shape == (1, 3, 1)
    assert x.sum(dim=[0, 1]).shape == (4,)


def test_zero_dim_tensors_accept_dim_0_and_minus_1():
    # PyTorch treats a 0-d tensor as having one dimension for dim arguments
    x = tg.tensor(3.0, requires_grad=True)
    for dim in (0, -1):
        assert x.sum(dim).item() == 3.0 and x.sum(dim).shape == ()
        assert x.mean(dim, keepdim=True).shape == ()
        values, indices = x.max(dim)
        assert values.item() == 3.0 and indices.item() == 0
        assert x.min(dim).values.item() == 3.0
        assert x.argmax(dim).item() == 0
        assert x.log_softmax(dim).item() == 0.0
        assert x.softmax(dim).item() == 1.0
    x.max(0).values.backward()
    assert x.grad.item() == 1.0


def test_bad_dims_raise_index_error():
    x = tg.ones(2, 3)
    for call in (lambda: x.sum(2), lambda: x.mean(-3), lambda: x.max(5), lambda: x.softmax(2)):
        with pytest.raises(IndexError, match="out of range"):
            call()


@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "norm", "logsumexp"])
def test_a_dim_given_twice_is_named_with_the_op(op):
    x = tg.ones(2, 3)
    with pytest.raises(RuntimeError, match=rf"^{op}: dim \(1, -1\) names one dimension more than once$"):
        getattr(x, op)(dim=(1, -1))


def test_sum_of_integers_and_bools():
    assert tg.tensor([1, 2, 3]).sum().item() == 6 and tg.tensor([1, 2, 3]).sum().dtype == tg.int64
    assert tg.tensor([True, True, False]).sum().item() == 2
    with pytest.raises(TypeError, match="mean"):
        tg.tensor([1, 2]).mean()
    assert tg.tensor([1, 2]).float().mean().item() == 1.5


def test_max_of_empty_tensor_is_an_error():
    with pytest.raises(RuntimeError, match="max"):
        tg.zeros(0).max()


# ---- var / std ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["var", "std"])
@core_settings
@given(data=st.data(), shape=hyp_shapes(min_dims=1), keepdim=st.booleans(),
       correction=st.sampled_from([0, 1]))
def test_var_std(op, data, shape, keepdim, correction):
    a = data.draw(hyp_distinct_array(shape))
    dim = data.draw(hyp_dims(len(shape)))
    count = a.size if dim is None else math.prod(a.shape[d] for d in np.atleast_1d(_np_axes(dim)))
    assume(count > correction)  # otherwise the result is NaN (as in PyTorch)

    def fn(x):
        return getattr(x, op)(dim, keepdim=keepdim, correction=correction)

    def reference(x):
        return getattr(np, op)(x, axis=_np_axes(dim), keepdims=keepdim, ddof=correction)

    assert_forward(fn, reference, a, rtol=1e-10, atol=1e-12)
    if op == "std" and count == 1:
        return  # std of a single value is 0: sqrt's kink
    assert_gradcheck(fn, a)


def test_var_std_defaults_are_unbiased():
    x = tg.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(np.var([1, 2, 3, 4], ddof=1))
    assert x.std().item() == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert x.var(correction=0).item() == pytest.approx(1.25)
    assert x.view(2, 2).var(1).tolist() == [0.5, 0.5]


# ---- log_softmax / softmax ---------------------------------------------------------------------------


def _np_log_softmax(a, axis):
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("op", ["log_softmax", "softmax"])
@core_settings
@given(data=st.data(), shape=hyp_shapes(min_dims=1))
def test_log_softmax_softmax(op, data, shape):
    a = data.draw(hyp_array(shape, -4.0, 4.0))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))

    def reference(x):
        out = _np_log_softmax(x, dim)
        return out if op == "log_softmax" else np.exp(out)

    out = assert_forward(lambda x: getattr(x, op)(dim), reference, a)
    if op == "softmax":
        np.testing.assert_allclose(out.detach().numpy().sum(axis=dim), 1.0)
    assert_gradcheck(lambda x: getattr(x, op)(dim), a)
    assert_gradcheck(lambda x: getattr(x, op)(dim=dim), a, fast_mode=True)


def test_log_softmax_is_stable_for_large_scores():
    x = tg.tensor([1000.0, 0.0, -1000.0])
    out = x.log_softmax()
    assert np.isfinite(out.numpy()).all()
    np.testing.assert_allclose(out.numpy(), [0.0, -1000.0, -2000.0])
    assert x.softmax().tolist() == [1.0, 0.0, 0.0]


def test_log_softmax_of_integers_is_float():
    out = tg.tensor([0, 0]).log_softmax(0)
    assert out.dtype == tg.float32
    np.testing.assert_allclose(out.numpy(), [-np.log(2)] * 2, rtol=1e-6)


@pytest.mark.parametrize("dim", [0, (0, 1), None])
def test_float32_sums_along_long_axes_are_accurate_like_pytorchs(dim):
    # numpy adds the rows of a long axis one at a time: 200000 rows of 0.1 average 0.0998 in float32
    data = np.full((200_000, 2), 0.1, np.float32)
    assert abs(data.mean(0)[0] - 0.1) > 1e-4  # the error this guards against
    x = tg.tensor(data)
    for view in (x, x.T.T, tg.tensor(np.asfortranarray(data))):
        mean, total = view.mean(dim), view.sum(dim)
        assert mean.dtype == tg.float32 and total.dtype == tg.float32
        np.testing.assert_allclose(mean.numpy(), 0.1, rtol=1e-6)
        np.testing.assert_allclose(total.numpy(), 0.1 * 200_000 * (1 if dim == 0 else 2), rtol=1e-6)
    assert tg.tensor(data[:, 0]).sum().dtype == tg.float32  # the contiguous path keeps its dtype too


# ---- norm / logsumexp / keepdims ------------------------------------------------------------------------


@pytest.mark.parametrize("p", [2, "fro", 1])
@core_settings
@given(data=st.data(), shape=hyp_shapes(), keepdim=st.booleans())
def test_norm(p, data, shape, keepdim):
    a = data.draw(hyp_array(shape, away_from=(0.0,), gap=0.05))
    dim = data.draw(hyp_dims(len(shape)))

    def fn(x):
        return x.norm(p, dim, keepdim)

    def reference(x):
        if p == 1:
            return np.abs(x).sum(axis=_np_axes(dim), keepdims=keepdim)
        return np.sqrt((x * x).sum(axis=_np_axes(dim), keepdims=keepdim))

    assert_forward(fn, reference, a)
    assert_forward(lambda x: tg.norm(x, p=p, dim=dim, keepdim=keepdim), reference, a)
    assert_gradcheck(fn, a)


def test_norm_of_the_zero_vector_has_gradient_zero_not_nan():
    x = tg.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    out = x.norm(dim=1)
    assert out.tolist() == [0.0, 5.0]
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [pytest.approx(0.6), pytest.approx(0.8)]]
    z = tg.zeros(3, requires_grad=True)
    z.norm().backward()
    assert z.grad.tolist() == [0.0, 0.0, 0.0]


def test_norm_errors_and_dtypes():
    with pytest.raises(TypeError, match=r"norm.*int64.*float\(\)"):
        tg.tensor([3, 4]).norm()
    with pytest.raises(ValueError, match="norm: p=3"):
        tg.tensor([3.0, 4.0]).norm(p=3)
    assert tg.tensor([3.0, 4.0]).norm().dtype == tg.float32


@core_settings
@given(data=st.data(), shape=hyp_shapes(), keepdim=st.booleans())
def test_logsumexp(data, shape, keepdim):
    a = data.draw(hyp_array(shape, low=-5.0, high=5.0))
    dim = data.draw(hyp_dims(len(shape), allow_none=False)) if shape else 0

    def reference(x):
        return np.log(np.exp(x).sum(axis=_np_axes(dim) if shape else None, keepdims=keepdim))

    assert_forward(lambda x: x.logsumexp(dim, keepdim=keepdim), reference, a)
    assert_forward(lambda x: tg.logsumexp(x, dim, keepdim), reference, a)
    assert_gradcheck(lambda x: x.logsumexp(dim, keepdim), a)


def test_logsumexp_is_chapter_17s_and_does_not_overflow():
    x = tg.tensor([[1000.0, 1000.0], [-math.inf, -math.inf], [0.0, -math.inf]])
    np.testing.assert_allclose(x.logsumexp(-1).numpy(), [1000 + math.log(2), -math.inf, 0.0])
    big = tg.tensor([[1000.0, 1000.0]], requires_grad=True)
    big.logsumexp(-1).sum().backward()
    assert big.grad.tolist() == [[0.5, 0.5]]  # d/dx logsumexp = softmax
    # chapter 17 writes it out: m + (x - m).exp().sum(-1).log(), with m = x.max(-1)[0]
    x = tg.tensor([[1.0, 2.0], [0.5, -3.0]])
    m = x.max(-1)[0]
    by_hand = m + (x - m[:, None]).exp().sum(-1).log()
    np.testing.assert_allclose(x.logsumexp(-1).numpy(), by_hand.numpy(), rtol=1e-6)


REDUCTIONS = ["sum", "mean", "max", "min", "var", "std", "argmax", "argmin", "norm", "logsumexp"]


@pytest.mark.parametrize("name", REDUCTIONS)
def test_every_reduction_accepts_keepdims_as_well_as_keepdim(name):
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    if name == "norm":
        spelled, numpy_spelling = x.norm(dim=1, keepdim=True), x.norm(dim=1, keepdims=True)
    else:
        spelled, numpy_spelling = getattr(x, name)(1, keepdim=True), getattr(x, name)(1, keepdims=True)
    if name in ("max", "min"):
        spelled, numpy_spelling = spelled.values, numpy_spelling.values
    assert numpy_spelling.shape == (2, 1) and numpy_spelling.tolist() == spelled.tolist()
    if name not in ("norm", "max", "min"):
        assert getattr(x, name)(1, keepdims=False).shape == (2,)
    with pytest.raises(TypeError, match=f"{name}: give keepdim or keepdims"):
        getattr(x, name)(dim=1, keepdim=True, keepdims=True)


def test_makemore_normalises_counts_with_keepdims():
    counts = tg.tensor([[1.0, 3.0], [2.0, 2.0]])
    probs = counts / counts.sum(1, keepdims=True)
    assert probs.tolist() == [[0.25, 0.75], [0.5, 0.5]]
    assert tg.sum(counts, 1, keepdims=True).shape == (2, 1)


def test_top_level_reductions_and_softmax():
    x = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    assert tg.sum(x).item() == 18.0 and tg.sum(x, 0).tolist() == [8.0, 5.0, 5.0]
    assert tg.mean(x, dim=1, keepdim=True).shape == (2, 1)
    assert tg.max(x).item() == 7.0 and tg.max(x, 1).indices.tolist() == [1, 0]
    assert tg.min(x, dim=0).values.tolist() == [1.0, 0.0, 2.0]
    assert tg.max(x, tg.tensor(4.0)).tolist() == [[4.0, 5.0, 4.0], [7.0, 4.0, 4.0]]  # elementwise
    np.testing.assert_allclose(tg.softmax(x, 1).numpy(), x.softmax(1).numpy())
    np.testing.assert_allclose(tg.log_softmax(x, dim=0).numpy(), x.log_softmax(0).numpy())


# ---- degenerate reductions: ties, NaN, n - correction ≤ 0 — the gradients PyTorch gives ------------------

NAN, INF = math.nan, math.inf
DEGENERATE = [
    # max/min over every element: ties share; the others get 0, even from a NaN or infinite gradient
    ("max() ties", lambda x: x.max(), [1.0, 3.0, 3.0], NAN, [0.0, NAN, NAN]),
    ("max() of NaNs", lambda x: x.max(), [NAN, 1.0, NAN], 1.0, [0.5, 0.0, 0.5]),
    ("min() from inf", lambda x: x.min(), [1.0, 3.0, 3.0], INF, [INF, 0.0, 0.0]),
    # var/std: one element with correction 1 is NaN, and so is its gradient
    ("var of one", lambda x: x.var(0, correction=1), [3.0], 1.0, [NAN]),
    ("std of one", lambda x: x.std(0, correction=1), [3.0], 1.0, [NAN]),
    # along a dim the rule 2 (x - mean) / (n - c) stands, n - c < 0 included
    ("var, n - c = -1", lambda x: x.var(0, correction=3), [1.0, 2.0], 1.0, [1.0, -1.0]),
    ("std, n - c = -1", lambda x: x.std(0, correction=3), [1.0, 2.0], 1.0, [0.0, -0.0]),
    ("var from inf", lambda x: x.var(0), [1.0, 2.0], INF, [-INF, INF]),
    # over every element with n - c ≤ 0: NaN where x = mean, ∞ elsewhere
    ("var(), n - c = 0", lambda x: x.var(correction=3), [1.0, 2.0, 4.0], 1.0, [INF, INF, INF]),
    ("var() of equal values", lambda x: x.var(correction=2), [1.0, 1.0], 1.0, [NAN, NAN]),
    ("var() with inf", lambda x: x.var(correction=3), [INF, 1.0], 2.0, [NAN, INF]),
    ("std(), n - c = 0", lambda x: x.std(correction=2), [1.0, 2.0], 1.0, [NAN, NAN]),
    # std of equal values is 0: its gradient is 0, even from a NaN gradient
    ("std of equal values", lambda x: x.std(0), [1.0, 1.0], NAN, [0.0, 0.0]),
    # the norm's gradient is grad · x / ‖x‖ with 0 for x / ‖x‖ at 0: NaN · 0 stays NaN
    ("norm at 0", lambda x: x.norm(), [0.0, 0.0], NAN, [NAN, NAN]),
    ("norm from inf", lambda x: x.norm(), [0.0, 1.0], INF, [NAN, INF]),
]


@pytest.mark.parametrize("name, fn, values, arriving, expected", DEGENERATE, ids=[c[0] for c in DEGENERATE])
def test_degenerate_reductions_give_pytorchs_gradients(name, fn, values, arriving, expected):
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n - correction ≤ 0 warns, as PyTorch
        out = fn(x)
    out.backward(tg.full(out.shape, arriving, dtype=tg.float64))
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_var_of_a_0d_tensor_reduces_every_element():
    x = tg.tensor(-0.42, dtype=tg.float64, requires_grad=True)
    message = r"^var: n - correction = 0 ≤ 0 \(1 value\(s\) per result, correction 1\)"
    with pytest.warns(UserWarning, match=message):
        out = x.var(dim=-1, keepdim=True, correction=1)
    assert out.shape == () and math.isnan(out.item())
    out.backward()
    assert math.isnan(x.grad.item())
    assert x.var(correction=0).item() == 0.0 and x.std(correction=0).item() == 0.0


def test_var_std_name_the_op_for_integer_tensors():
    for op in ("var", "std"):
        with pytest.raises(TypeError, match=rf"^{op}: needs a floating-point tensor \(this one is int64\)"):
            getattr(tg.tensor([1, 2, 3]), op)()


@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("dim", [0, None])
def test_float32_var_std_along_long_axes_are_accurate_like_pytorchs(op, dim):
    # makemore part 3's BatchNorm calibration: hpreact (182625, 200).std(0, keepdim=True)
    data = (np.random.default_rng(0).standard_normal((182_625, 3)) * 2 + 0.5).astype(np.float32)
    exact = getattr(data.astype(np.float64), op)(dim, ddof=1)
    numpy_float32 = np.sqrt(((data - data.mean(0)) ** 2).sum(0) / (len(data) - 1))
    assert np.max(np.abs(numpy_float32 - data.astype(np.float64).std(0, ddof=1))) > 1e-5  # what this guards
    out = getattr(tg.tensor(data), op)(dim)
    assert out.dtype == tg.float32
    np.testing.assert_allclose(out.numpy(), exact, rtol=1e-6)


def test_float32_std_along_a_long_axis_matches_pytorchs():
    torch = pytest.importorskip("torch")
    data = (np.random.default_rng(1).standard_normal((182_625, 4)) * 3 - 1).astype(np.float32)
    ours = tg.tensor(data).std(0, keepdim=True).numpy()
    theirs = torch.tensor(data).std(0, keepdim=True).numpy()
    exact = data.astype(np.float64).std(0, ddof=1, keepdims=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    assert np.max(np.abs(ours - exact) / exact) < 1e-6
