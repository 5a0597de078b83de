"""nn.functional's convolutions, pooling and batch_norm (nn/functional_conv.py): the arguments PyTorch takes
(ints, tuples, 'same', 'valid', unbatched inputs, conv1d), values against PyTorch, and a clear error naming
the function, the argument and the shapes for every kind of bad input."""

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.function import ShapeError


def t64(array, requires_grad=True):
    return tg.tensor(np.asarray(array, np.float64), dtype=tg.float64, requires_grad=requires_grad)


def _same_as_torch(name, arrays, needs=None, **params):
    """F.<name> in tinygrad_edu and in PyTorch: equal values and equal gradients for every input (that
    ``needs`` one: all by default)."""
    torch = pytest.importorskip("torch")
    needs = needs or [True] * len(arrays)
    ours = [t64(a, n) for a, n in zip(arrays, needs)]
    theirs = [torch.tensor(np.asarray(a, np.float64), requires_grad=n) for a, n in zip(arrays, needs)]
    out, expected = getattr(F, name)(*ours, **params), getattr(torch.nn.functional, name)(*theirs, **params)
    assert out.shape == tuple(expected.shape)
    upstream = np.random.default_rng(0).standard_normal(expected.shape)
    (out * t64(upstream, False)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, t in zip(ours, theirs):
        if t.requires_grad:
            np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


RNG = np.random.default_rng(7)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's, about its speed
@pytest.mark.parametrize("params", [dict(padding="same"), dict(padding="valid"), dict(padding=(2, 0)),
                                    dict(padding="same", dilation=(2, 1)), dict(stride=3, padding=1),
                                    dict(groups=2, stride=(1, 2), dilation=2)],
                         ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
def test_conv2d_arguments_as_pytorch(params):
    groups = params.get("groups", 1)
    x, w, b = (RNG.standard_normal(shape) for shape in ((2, 4, 9, 8), (6, 4 // groups, 2, 3), (6,)))
    _same_as_torch("conv2d", [x, w, b], **params)  # an even kernel with 'same': the extra row goes below
    _same_as_torch("conv2d", [x, w], **params)


@pytest.mark.parametrize("params", [dict(), dict(padding="same"), dict(stride=2, padding=3, dilation=2),
                                    dict(groups=3)], ids=str)
def test_conv1d_as_pytorch(params):
    groups = params.get("groups", 1)
    x, w, b = (RNG.standard_normal(shape) for shape in ((2, 3, 11), (6, 3 // groups, 4), (6,)))
    _same_as_torch("conv1d", [x, w, b], **params)


def test_unbatched_inputs_as_pytorch():
    _same_as_torch("conv2d", [RNG.standard_normal((3, 6, 6)), RNG.standard_normal((2, 3, 3, 3))], padding=1)
    _same_as_torch("conv1d", [RNG.standard_normal((3, 6)), RNG.standard_normal((2, 3, 3))])
    _same_as_torch("max_pool2d", [RNG.standard_normal((3, 6, 6))], kernel_size=2)
    _same_as_torch("avg_pool2d", [RNG.standard_normal((3, 6, 6))], kernel_size=3, stride=1, padding=1)
    _same_as_torch("adaptive_avg_pool2d", [RNG.standard_normal((3, 5, 7))], output_size=(2, None))


def test_pooling_arguments_as_pytorch():
    x = [RNG.standard_normal((2, 3, 9, 7))]
    _same_as_torch("max_pool2d", x, kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    _same_as_torch("max_pool2d", x, kernel_size=2, ceil_mode=True)
    _same_as_torch("avg_pool2d", x, kernel_size=(2, 3), stride=2, padding=1, ceil_mode=True,
                   count_include_pad=False)
    _same_as_torch("avg_pool2d", x, kernel_size=4, divisor_override=5)
    _same_as_torch("adaptive_avg_pool2d", x, output_size=1)
    _same_as_torch("adaptive_avg_pool2d", x, output_size=(4, 10))


def test_batch_norm_function_updates_running_statistics_as_pytorch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((6, 3, 4, 5)) * 3 + 1
    mean, var = tg.zeros(3, dtype=tg.float64), tg.ones(3, dtype=tg.float64)
    their_mean, their_var = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    out = F.batch_norm(t64(x), mean, var, training=True, momentum=0.3)
    expected = torch.nn.functional.batch_norm(torch.tensor(x), their_mean, their_var, training=True,
                                              momentum=0.3)
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy(), atol=1e-12)
    np.testing.assert_allclose(mean.numpy(), their_mean.numpy(), atol=1e-14)
    np.testing.assert_allclose(var.numpy(), their_var.numpy(), atol=1e-14)  # the unbiased variance
    count = 6 * 4 * 5
    np.testing.assert_allclose(var.numpy(), 0.7 + 0.3 * x.var(axis=(0, 2, 3)) * count / (count - 1))
    _same_as_torch("batch_norm", [x, x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)) + 1, np.arange(3.0),
                                  np.ones(3)], needs=[True, False, False, True, True], training=False)


def test_torch_flatten_joins_dims():
    x = tg.arange(24.0).reshape(2, 3, 4)
    assert tg.flatten(x).shape == (24,) and tg.flatten(x, 1).shape == (2, 12)
    assert tg.flatten(x, 0, 1).shape == (6, 4)


# ---- bad input: clear errors -----------------------------------------------------------------------


def _error(kind, pattern, call):
    with pytest.raises(kind, match=pattern):
        call()


def test_conv_errors_name_the_function_the_argument_and_the_shapes():
    x, w = tg.zeros(64, 3, 28, 28), tg.zeros(4, 1, 3, 3)
    _error(ShapeError, r"conv2d: weight of shape \(4, 1, 3, 3\) with groups=1 expects input with 1 channels, "
           r"but input of shape \(64, 3, 28, 28\) has 3", lambda: F.conv2d(x, w))
    _error(ShapeError, r"conv2d: the kernel \(5 x 5, dilation included\) is larger than the padded input "
           r"\(4 x 4\); input of shape \(1, 1, 2, 2\)",
           lambda: F.conv2d(tg.zeros(1, 1, 2, 2), tg.zeros(1, 1, 3, 3), padding=1, dilation=2))
    _error(ShapeError, r"conv2d: groups=3 must divide the weight's out_channels.*\(4, 1, 3, 3\)",
           lambda: F.conv2d(tg.zeros(1, 3, 5, 5), w, groups=3))
    _error(ValueError, r"conv2d: groups must be a positive int, got 0", lambda: F.conv2d(x, w, groups=0))
    _error(ShapeError, r"conv2d: bias must have shape \(4,\).*got \(3,\)",
           lambda: F.conv2d(x[:, :1], w, tg.zeros(3)))
    _error(ShapeError, r"conv2d: expected input of shape \[N, C, H, W\].*got shape \(28, 28\)",
           lambda: F.conv2d(tg.zeros(28, 28), w))
    _error(ShapeError, r"conv2d: weight must have shape \[out_channels, in_channels / groups, kH, kW\], got "
           r"\(4, 3\)", lambda: F.conv2d(x, tg.zeros(4, 3)))
    _error(TypeError, r"conv2d: input \(float32\), weight \(float64\)",
           lambda: F.conv2d(x[:, :1], w.double()))
    _error(TypeError, r"conv2d: input must be a floating-point tensor, got int64 of shape \(1, 1, 3, 3\)",
           lambda: F.conv2d(tg.zeros(1, 1, 3, 3, dtype=tg.int64), w))
    _error(TypeError, r"conv2d: weight must be a Tensor, got ndarray",
           lambda: F.conv2d(x, np.zeros((4, 3, 3, 3))))
    _error(ValueError, r"conv2d: padding='same' needs stride 1 \(got stride=\(2, 2\)\)",
           lambda: F.conv2d(x, tg.zeros(4, 3, 3, 3), stride=2, padding="same"))
    _error(ValueError, r"conv2d: padding must be an int, a tuple of ints, 'valid' or 'same'; got 'full'",
           lambda: F.conv2d(x, tg.zeros(4, 3, 3, 3), padding="full"))
    _error(ValueError, r"conv2d: stride must be positive, got 0",
           lambda: F.conv2d(x, tg.zeros(4, 3, 3, 3), stride=0))
    _error(ValueError, r"conv2d: padding must be non-negative, got -1",
           lambda: F.conv2d(x, tg.zeros(4, 3, 3, 3), padding=-1))
    _error(TypeError, r"conv2d: dilation must be an int or a tuple of 2 ints, got \(1, 2, 3\)",
           lambda: F.conv2d(x, tg.zeros(4, 3, 3, 3), dilation=(1, 2, 3)))
    _error(ShapeError, r"conv1d: expected input of shape \[N, C, L\]", lambda: F.conv1d(x, tg.zeros(4, 3, 3)))


def test_pool_and_batch_norm_errors_name_the_function_the_argument_and_the_shapes():
    x = tg.zeros(2, 3, 5, 5)
    _error(ShapeError, r"max_pool2d: input of shape \(2, 3, 5, 5\) is too small for a window of \(6, 6\)",
           lambda: F.max_pool2d(x, 6))
    _error(ValueError, r"max_pool2d: padding \(2, 2\) must be at most half of kernel_size \(3, 3\)",
           lambda: F.max_pool2d(x, 3, padding=2))
    _error(NotImplementedError, "return_indices", lambda: F.max_pool2d(x, 2, return_indices=True))
    _error(ValueError, r"avg_pool2d: kernel_size must be positive", lambda: F.avg_pool2d(x, 0))
    _error(ShapeError, r"avg_pool2d: expected input of shape \[N, C, H, W\]",
           lambda: F.avg_pool2d(tg.zeros(5), 2))
    _error(ValueError, r"adaptive_avg_pool2d: output_size must be positive, got \[0, 0\]",
           lambda: F.adaptive_avg_pool2d(x, 0))
    _error(ShapeError, r"batch_norm: running_mean must have shape \(3,\).*got \(4,\)",
           lambda: F.batch_norm(x, tg.zeros(4), tg.ones(4)))
    _error(ValueError, r"batch_norm: expected more than 1 value per channel when training, got input of "
           r"shape \(1, 3\)", lambda: F.batch_norm(tg.zeros(1, 3), None, None, training=True))
    _error(ValueError, "running_mean and running_var are needed", lambda: F.batch_norm(x, None, None))
