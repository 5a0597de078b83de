"""The convolution op (ops/conv.py): values against a loop-by-loop numpy reference and PyTorch, gradients
gradchecked in float64 over hypothesis-drawn shapes, strides, paddings (asymmetric too), dilations and
groups; and its two gradients shown to be convolutions themselves."""

import numpy as np
import pytest
from conftest import core_settings, leaves
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.ops.conv import correlate, windows


def conv2d_loops(x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """The definition, one output at a time: b[o] + Σ_c,a,b' x[n, c, i·s + a·d, ...] · w[o, c, a, b']."""
    x = np.pad(x, ((0, 0), (0, 0)) + tuple(padding))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    oh, ow = (h - (kh - 1) * dh - 1) // sh + 1, (wd - (kw - 1) * dw - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for img in range(n):
        for k in range(o):
            first = (k // og) * cg  # the input channels of this kernel's group
            for i in range(oh):
                for j in range(ow):
                    patch = x[img, first:first + cg, i * sh:i * sh + (kh - 1) * dh + 1:dh,
                              j * sw:j * sw + (kw - 1) * dw + 1:dw]
                    out[img, k, i, j] = (patch * w[k]).sum() + (0 if b is None else b[k])
    return out


@st.composite
def conv_cases(draw, max_side=7):
    """A convolution's shapes and parameters: groups, strides, asymmetric paddings, dilations, odd sizes."""
    groups = draw(st.integers(1, 3))
    per_group_in, per_group_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = tuple((draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(2))
    spans = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    size = [draw(st.integers(max(1, s - sum(p)), max_side)) for s, p in zip(spans, padding)]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rng.standard_normal((draw(st.integers(1, 2)), groups * per_group_in, *size))
    w = rng.standard_normal((groups * per_group_out, per_group_in, *kernel))
    b = rng.standard_normal(groups * per_group_out)
    return x, w, b, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@core_settings
@given(case=conv_cases())
def test_conv2d_equals_the_loop_by_loop_definition(case):
    x, w, b, params = case
    out = ops.Conv2d.apply(*leaves(x, w, b), **params)
    np.testing.assert_allclose(out.detach().numpy(), conv2d_loops(x, w, b, **params), rtol=1e-12, atol=1e-12)
    out = ops.Conv2d.apply(*leaves(x, w), **params)  # without a bias
    np.testing.assert_allclose(out.detach().numpy(), conv2d_loops(x, w, None, **params), atol=1e-12)


@core_settings
@given(case=conv_cases(max_side=5))
def test_conv2d_gradcheck_input_weight_and_bias(case):
    x, w, b, params = case
    assert tg.gradcheck(lambda *t: ops.Conv2d.apply(*t, **params), leaves(x, w, b))


def test_conv2d_matches_pytorch_values_and_gradients():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((3, 6, 11, 9)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    params = dict(stride=(2, 1), padding=((1, 1), (2, 2)), dilation=(1, 2), groups=2)
    ours = leaves(x, w, b)
    out = ops.Conv2d.apply(*ours, **params)
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    expected = torch.nn.functional.conv2d(theirs[0], theirs[1], theirs[2], stride=(2, 1), padding=(1, 2),
                                          dilation=(1, 2), groups=2)
    upstream = rng.standard_normal(expected.shape)
    (out * tg.tensor(upstream, dtype=tg.float64)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_a_hand_computed_convolution_and_its_gradients():
    x = tg.tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]], requires_grad=True)
    w = tg.tensor([[[[1.0, 0.0], [0.0, -1.0]]]], requires_grad=True)  # top-left minus bottom-right
    out = ops.Conv2d.apply(x, w)
    assert out.tolist() == [[[[-4.0, -4.0], [-4.0, -4.0]]]]
    out.sum().backward()
    # each pixel gets +1 for every window it is the top-left of, -1 for every one it is the bottom-right of
    assert x.grad.tolist() == [[[[1.0, 1.0, 0.0], [1.0, 0.0, -1.0], [0.0, -1.0, -1.0]]]]
    # each weight gets the sum of the pixels it met: the 2x2 corner blocks of x
    assert w.grad.tolist() == [[[[12.0, 16.0], [24.0, 28.0]]]]


def test_the_gradients_are_convolutions():
    """d/dx is grad (spread by the stride, zero-padded) convolved with the kernel turned by 180° and its
    channels swapped; d/dW is x convolved with grad — checked here with the forward op itself."""
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((2, 3, 7, 7)), rng.standard_normal((4, 3, 3, 3))
    xt, wt = leaves(x, w)
    out = ops.Conv2d.apply(xt, wt, stride=(2, 2))
    grad = rng.standard_normal(out.shape)
    out.backward(tg.tensor(grad, dtype=tg.float64))
    spread = np.zeros((2, 4, 5, 5))
    spread[:, :, ::2, ::2] = grad  # 3 x 3 outputs, 2 pixels apart
    flipped = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).copy()
    as_conv = ops.Conv2d.apply(tg.tensor(spread, dtype=tg.float64), tg.tensor(flipped, dtype=tg.float64),
                               padding=((2, 2), (2, 2)))
    np.testing.assert_allclose(xt.grad.numpy(), as_conv.numpy(), atol=1e-12)
    images_as_channels = tg.tensor(x.transpose(1, 0, 2, 3).copy(), dtype=tg.float64)
    kernels = tg.tensor(grad.transpose(1, 0, 2, 3).copy(), dtype=tg.float64)
    as_conv = ops.Conv2d.apply(images_as_channels, kernels, dilation=(2, 2))  # [C, O, 3, 3]
    np.testing.assert_allclose(wt.grad.numpy(), as_conv.numpy().transpose(1, 0, 2, 3), atol=1e-12)


def test_windows_is_a_view_and_correlate_is_one_matrix_product():
    x = np.arange(2 * 5 * 6, dtype=np.float64).reshape(2, 5, 6)
    win = windows(x, (2, 3), stride=(2, 1), dilation=(1, 2))
    assert win.shape == (2, 2, 2, 2, 3) and np.shares_memory(win, x)
    assert win[1, 1, 0].tolist() == [[x[1, 2, 0], x[1, 2, 2], x[1, 2, 4]],
                                     [x[1, 3, 0], x[1, 3, 2], x[1, 3, 4]]]
    rng = np.random.default_rng(0)
    grouped = rng.standard_normal((2, 3, 4, 5, 5))  # 2 groups, 3 images, 4 channels per group
    kernels = rng.standard_normal((2, 6, 4, 3, 3))
    out = correlate(grouped, kernels)
    expected = np.einsum("gnchwab,gocab->gnohw", windows(grouped, (3, 3)), kernels)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_float32_stays_float32_and_batch_one_works():
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.standard_normal((1, 1, 28, 28)), dtype=tg.float32, requires_grad=True)
    w = tg.tensor(rng.standard_normal((4, 1, 3, 3)), dtype=tg.float32, requires_grad=True)
    b = tg.zeros(4, requires_grad=True)
    out = ops.Conv2d.apply(x, w, b, stride=(2, 2), padding=((1, 1), (1, 1)))
    assert out.shape == (1, 4, 14, 14) and out.dtype == tg.float32
    out.sum().backward()
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == tg.float32
    expected = conv2d_loops(x.detach().numpy().astype(np.float64), w.detach().numpy().astype(np.float64),
                            stride=(2, 2), padding=((1, 1), (1, 1)))
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-5)
    assert b.grad.tolist() == [196.0] * 4
