"""The pooling ops (ops/pool.py): max, average and adaptive average pooling against loop-by-loop numpy
references and PyTorch, gradchecked in float64 over hypothesis-drawn windows, strides, paddings and
dilations; ties and NaN as PyTorch."""

import numpy as np
import pytest
from conftest import core_settings, leaves
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.ops.conv import windows
from tinygrad_edu.ops.pool import adaptive_windows, add_windows


def pool_loops(x, reduce, kernel, stride, padding=((0, 0), (0, 0)), dilation=(1, 1), fill=0.0):
    """reduce() of every window, one output at a time (padding filled with ``fill``)."""
    x = np.pad(x, ((0, 0), (0, 0)) + tuple(padding), constant_values=fill)
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh, ow = (x.shape[2] - (kh - 1) * dh - 1) // sh + 1, (x.shape[3] - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sh:i * sh + (kh - 1) * dh + 1:dh, j * sw:j * sw + (kw - 1) * dw + 1:dw]
            out[:, :, i, j] = reduce(patch.reshape(*x.shape[:2], -1), axis=-1)
    return out


@st.composite
def pool_cases(draw, dilate=True):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilate else (1, 1)
    padding = tuple((draw(st.integers(0, k // 2)),) * 2 for k in kernel)
    spans = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    size = [draw(st.integers(max(1, s - 2 * p[0]), 6)) for s, p in zip(spans, padding)]
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    # distinct values 0.1 apart: no ties, so finite differences see one maximum per window
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.permutation(np.prod(shape)).reshape(shape) * 0.1 - 1.0
    return x, dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)


@core_settings
@given(case=pool_cases())
def test_max_pool_equals_the_loop_definition_and_gradchecks(case):
    x, params = case
    out = ops.MaxPool2d.apply(*leaves(x), **params)
    expected = pool_loops(x, np.max, params["kernel_size"], params["stride"], params["padding"],
                          params["dilation"], fill=-np.inf)
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    assume(np.isfinite(expected).all())  # a dilated window can hold only padding: -inf, as in PyTorch
    assert tg.gradcheck(lambda t: ops.MaxPool2d.apply(t, **params), leaves(x))


@core_settings
@given(case=pool_cases(dilate=False))
def test_avg_pool_equals_the_loop_definition_and_gradchecks(case):
    x, params = case
    del params["dilation"]
    k = params["kernel_size"]
    out = ops.AvgPool2d.apply(*leaves(x), **params, divisor=k[0] * k[1])
    expected = pool_loops(x, np.mean, k, params["stride"], params["padding"])  # count_include_pad
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)
    assert tg.gradcheck(lambda t: ops.AvgPool2d.apply(t, **params, divisor=k[0] * k[1]), leaves(x))


def adaptive_loops(x, out_size):
    oh, ow = out_size
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * h // oh, -(-(i + 1) * h // oh))
            cols = slice(j * w // ow, -(-(j + 1) * w // ow))
            out[..., i, j] = x[..., rows, cols].mean(axis=(-2, -1))
    return out


@core_settings
@given(h=st.integers(1, 7), w=st.integers(1, 7), oh=st.integers(1, 8), ow=st.integers(1, 8),
       seed=st.integers(0, 2**32 - 1))
def test_adaptive_avg_pool_equals_the_loop_definition_and_gradchecks(h, w, oh, ow, seed):
    x = np.random.default_rng(seed).standard_normal((2, 2, h, w))
    out = ops.AdaptiveAvgPool2d.apply(*leaves(x), output_size=(oh, ow))
    np.testing.assert_allclose(out.detach().numpy(), adaptive_loops(x, (oh, ow)), atol=1e-12)
    assert tg.gradcheck(lambda t: ops.AdaptiveAvgPool2d.apply(t, output_size=(oh, ow)), leaves(x))


def test_adaptive_windows_overlap_when_the_size_does_not_divide():
    index, inside = adaptive_windows(5, 3)  # windows 0..1, 1..3, 3..4
    assert [row[mask].tolist() for row, mask in zip(index, inside)] == [[0, 1], [1, 2, 3], [3, 4]]


def test_add_windows_is_the_adjoint_of_windows():
    """<windows(x), v> = <x, add_windows(v)> for every x and v: what backward needs."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 8))
    view = windows(x, (3, 2), stride=(2, 3), dilation=(2, 1))
    v = rng.standard_normal(view.shape)
    assert np.isclose((view * v).sum(), (x * add_windows(v, x.shape, (2, 3), (2, 1))).sum(), rtol=1e-12)


def test_max_pool_ties_go_to_the_first_maximum_and_nan_to_the_last_nan():
    x = tg.tensor([[[[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]], requires_grad=True)
    out = ops.MaxPool2d.apply(x, kernel_size=(2, 2), stride=(1, 1))
    out.sum().backward()
    # windows at (0,0) and (1,1) are all ties: the first one, row by row, wins each
    assert out.tolist() == [[[[1.0, 1.0], [1.0, 1.0]]]]
    assert x.grad.tolist() == [[[[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]]]
    nan = float("nan")
    y = tg.tensor([[[[nan, 1.0, nan], [1.0, 5.0, 0.0]]]], requires_grad=True)
    out = ops.MaxPool2d.apply(y, kernel_size=(2, 3), stride=(1, 1))
    out.sum().backward()
    assert np.isnan(out.item()) and y.grad.tolist() == [[[[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]]]


def test_pooling_ties_nan_and_ceil_mode_match_pytorch():
    torch = pytest.importorskip("torch")
    import tinygrad_edu.nn.functional as F

    rng = np.random.default_rng(4)
    x = rng.integers(-2, 3, (2, 3, 7, 6)).astype(np.float64)  # many ties
    x[0, 1, 2, 2] = x[1, 0, 0, 5] = x[1, 0, 0, 4] = np.nan
    cases = [("max_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
             ("max_pool2d", dict(kernel_size=(2, 3), stride=1, dilation=(2, 1))),
             ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
             ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                 count_include_pad=False)),
             ("avg_pool2d", dict(kernel_size=2, divisor_override=3)),
             ("adaptive_avg_pool2d", dict(output_size=(3, 4)))]
    for name, params in cases:
        ours, theirs = leaves(x)[0], torch.tensor(x, requires_grad=True)
        out, expected = getattr(F, name)(ours, **params), getattr(torch.nn.functional, name)(theirs, **params)
        upstream = rng.standard_normal(expected.shape)
        (out * tg.tensor(upstream, dtype=tg.float64)).sum().backward()
        (expected * torch.tensor(upstream)).sum().backward()
        np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-12, err_msg=name)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12, err_msg=name)


def test_pooling_keeps_float32():
    x = tg.rand(2, 3, 8, 8, requires_grad=True)
    for out in (ops.MaxPool2d.apply(x), ops.AvgPool2d.apply(x, divisor=4),
                ops.AdaptiveAvgPool2d.apply(x, output_size=(3, 3))):
        out.sum().backward()
        assert out.dtype == x.grad.dtype == tg.float32
