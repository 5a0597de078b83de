"""Convolutions, pooling and batch normalisation as functions, as ``torch.nn.functional``.

``F.conv2d``, ``F.conv1d``, ``F.max_pool2d``, ``F.avg_pool2d``, ``F.adaptive_avg_pool2d`` and
``F.batch_norm`` (``nn.functional`` imports them from here). Each checks its arguments and shapes, names
what is wrong, and calls one op of ``ops/conv.py`` or ``ops/pool.py`` (``conv1d`` is a ``conv2d`` of
height 1); ``batch_norm`` is composed from Tensor methods. Inputs are batched [N, C, ...] or, as in
PyTorch, one unbatched sample [C, ...].
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import ops as O
from ..function import ShapeError, no_grad
from ..tensor import Tensor


def _ints(value: Any, n: int, op: str, name: str, low: int = 1) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, each ≥ ``low``, as a tuple of ``n`` ints."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(values) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in values):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < low for v in values):
        raise ValueError(f"{op}: {name} must be {'positive' if low else 'non-negative'}, got {value!r}")
    return tuple(int(v) for v in values)


def _float_tensor(value: Any, op: str, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
    if value.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating-point tensor, got {value.dtype} of shape "
                        f"{tuple(value.shape)} (use .float())")
    return value


def _batched(input: Tensor, spatial: int, op: str) -> tuple[Tensor, bool]:
    """[N, C, *spatial] as it is, or an unbatched [C, *spatial] with a batch of one added (True)."""
    _float_tensor(input, op, "input")
    if input.ndim not in (spatial + 1, spatial + 2):
        layout = "[N, C, L]" if spatial == 1 else "[N, C, H, W]"
        raise ShapeError(f"{op}: expected input of shape {layout} (or one unbatched sample without N), "
                         f"got shape {tuple(input.shape)}")
    return (input.unsqueeze(0), True) if input.ndim == spatial + 1 else (input, False)


def _window_fits(op: str, input: Tensor, padded: tuple, span: tuple, what: str = "kernel") -> None:
    if any(p < k for p, k in zip(padded, span)):
        size = " x ".join(map(str, padded))
        raise ShapeError(f"{op}: the {what} ({' x '.join(map(str, span))}, dilation included) is larger than "
                         f"the padded input ({size}); input of shape {tuple(input.shape)}")


# ---- convolution -----------------------------------------------------------------------------------


def _conv_padding(padding: Any, n: int, stride: tuple, span: tuple, op: str) -> tuple:
    """((before, after), ...) per spatial dim from an int, a tuple, 'valid' or 'same'."""
    if padding == "valid":
        return ((0, 0),) * n
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' needs stride 1 (got stride={stride}): PyTorch refuses "
                             "it for strided convolutions too")
        # as PyTorch: an odd number of padding rows puts the extra one after (below, to the right)
        return tuple(((k - 1) // 2, (k - 1) - (k - 1) // 2) for k in span)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int, a tuple of ints, 'valid' or 'same'; got {padding!r}")
    return tuple((p, p) for p in _ints(padding, n, op, "padding", low=0))


def _conv(input, weight, bias, stride, padding, dilation, groups, n: int, op: str) -> Tensor:
    x, unbatched = _batched(input, n, op)
    weight = _float_tensor(weight, op, "weight")
    if weight.ndim != n + 2:
        layout = "[out_channels, in_channels / groups, kL]" if n == 1 else \
            "[out_channels, in_channels / groups, kH, kW]"
        raise ShapeError(f"{op}: weight must have shape {layout}, got {tuple(weight.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    out_channels, per_group = weight.shape[:2]
    if out_channels % groups:
        raise ShapeError(f"{op}: groups={groups} must divide the weight's out_channels, but weight has "
                         f"shape {tuple(weight.shape)}")
    if x.shape[1] != per_group * groups:
        raise ShapeError(f"{op}: weight of shape {tuple(weight.shape)} with groups={groups} expects input "
                         f"with {per_group * groups} channels, but input of shape {tuple(input.shape)} has "
                         f"{x.shape[1]}")
    if bias is not None:
        bias = _float_tensor(bias, op, "bias")
        if bias.shape != (out_channels,):
            raise ShapeError(f"{op}: bias must have shape ({out_channels},), one per output channel of "
                             f"weight {tuple(weight.shape)}; got {tuple(bias.shape)}")
    dtypes = {t.dtype for t in (x, weight, bias) if t is not None}
    if len(dtypes) > 1:
        raise TypeError(f"{op}: input ({x.dtype}), weight ({weight.dtype}) and bias "
                        f"({None if bias is None else bias.dtype}) must have one dtype")
    stride, dilation = _ints(stride, n, op, "stride"), _ints(dilation, n, op, "dilation")
    span = tuple((k - 1) * d + 1 for k, d in zip(weight.shape[2:], dilation))
    pads = _conv_padding(padding, n, stride, span, op)
    _window_fits(op, input, tuple(s + a + b for s, (a, b) in zip(x.shape[2:], pads)), span)
    if n == 1:  # a conv1d is a conv2d over inputs and kernels of height 1
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
        stride, pads, dilation = (1,) + stride, ((0, 0),) + pads, (1,) + dilation
    inputs = (x, weight) if bias is None else (x, weight, bias)
    out = O.Conv2d.apply(*inputs, stride=stride, padding=pads, dilation=dilation, groups=int(groups))
    if n == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """out[n, o] = b[o] + Σ_c (x[n, c] ⋆ W[o, c]): each kernel slid over the input (a cross-correlation).

    input [N, C, H, W], weight [O, C/groups, kH, kW], bias [O]; ``padding`` an int, a pair, 'valid' or
    'same' (stride 1; an odd total goes one more below/right, as PyTorch).
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """conv2d along one axis: input [N, C, L], weight [O, C/groups, kL], bias [O]."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


# ---- pooling ---------------------------------------------------------------------------------------


def _pool_sizes(op: str, x: Tensor, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """(kernel, stride, padding, dilation, output size, extra rows/cols for ceil_mode), PyTorch's rules."""
    kernel = _ints(kernel_size, 2, op, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else _ints(stride, 2, op, "stride")
    pad, dilation = _ints(padding, 2, op, "padding", low=0), _ints(dilation, 2, op, "dilation")
    span = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilation))
    if any(p > k / 2 for p, k in zip(pad, kernel)):
        raise ValueError(f"{op}: padding {pad} must be at most half of kernel_size {kernel}")
    sizes, extra = [], []
    for size, k, s, p in zip(x.shape[2:], span, stride, pad):
        room = size + 2 * p - k
        out = (-(-room // s) if ceil_mode else room // s) + 1
        if ceil_mode and (out - 1) * s >= size + p:  # the last window must start inside input or left pad
            out -= 1
        sizes.append(out)
        extra.append(max(0, (out - 1) * s + k - (size + 2 * p)))
    if min(sizes) < 1:
        raise ShapeError(f"{op}: input of shape {tuple(x.shape)} is too small for a window of {span} "
                         f"(padding {pad}, stride {stride}): the output would be {tuple(sizes)}")
    return kernel, stride, pad, dilation, tuple(sizes), tuple(extra)


def max_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """The largest value of each kernel_size window (stride defaults to kernel_size); padding is -inf."""
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices=True is not supported (nor is max_unpool2d)")
    x, unbatched = _batched(input, 2, "max_pool2d")
    kernel, stride, pad, dilation, _, extra = _pool_sizes("max_pool2d", x, kernel_size, stride, padding,
                                                          dilation, ceil_mode)
    padding = tuple((p, p + e) for p, e in zip(pad, extra))
    out = O.MaxPool2d.apply(x, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    return out.squeeze(0) if unbatched else out


def avg_pool2d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """The mean of each kernel_size window (stride defaults to kernel_size).

    Padding is zeros, counted in the mean when ``count_include_pad`` (PyTorch's default); the extra
    rows of ``ceil_mode`` never are. ``divisor_override`` divides every window's sum by that instead.
    """
    x, unbatched = _batched(input, 2, "avg_pool2d")
    kernel, stride, pad, _, _, extra = _pool_sizes("avg_pool2d", x, kernel_size, stride, padding, 1,
                                                   ceil_mode)
    padding = tuple((p, p + e) for p, e in zip(pad, extra))
    if divisor_override is not None:
        divisor = np.asarray(_ints(divisor_override, 1, "avg_pool2d", "divisor_override")[0])
    elif count_include_pad and not any(extra):
        divisor = np.asarray(kernel[0] * kernel[1])
    else:  # how many counted pixels each window covers: the windows' sums over a mask of them
        (h, w), (ph, pw) = x.shape[2:], pad
        counted = np.zeros((h + 2 * ph + extra[0], w + 2 * pw + extra[1]))
        if count_include_pad:
            counted[:h + 2 * ph, :w + 2 * pw] = 1
        else:
            counted[ph:ph + h, pw:pw + w] = 1
        divisor = O.conv.windows(counted, kernel, stride).sum(axis=(-2, -1))
    out = O.AvgPool2d.apply(x, kernel_size=kernel, stride=stride, padding=padding, divisor=divisor)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """The mean over each of output_size (oH, oW) windows chosen to cover the input; None keeps a size."""
    x, unbatched = _batched(input, 2, "adaptive_avg_pool2d")
    sizes = list(output_size) if isinstance(output_size, (tuple, list)) else [output_size] * 2
    if len(sizes) == 2:
        sizes = [n if s is None else s for s, n in zip(sizes, x.shape[2:])]
    sizes = _ints(sizes, 2, "adaptive_avg_pool2d", "output_size")
    out = O.AdaptiveAvgPool2d.apply(x, output_size=sizes)
    return out.squeeze(0) if unbatched else out


# ---- batch normalisation -----------------------------------------------------------------------------


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """(x - mean) / √(var + eps) · weight + bias, per channel (dim 1), over the batch and every other dim.

    Training: the batch's mean and (biased) variance, and running_mean/running_var (if given) move towards
    them by ``momentum``: r ← (1 - momentum) · r + momentum · batch statistic, with the *unbiased*
    variance, as PyTorch. Evaluation: running_mean and running_var instead of the batch's statistics.
    """
    _float_tensor(input, "batch_norm", "input")
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected input of shape [N, C, ...], got {tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise ShapeError(f"batch_norm: {name} must have shape ({channels},), one value per channel of "
                             f"input {tuple(input.shape)}; got {tuple(t.shape)}")
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        count = math.prod(input.shape) // max(channels, 1)
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input "
                             f"of shape {tuple(input.shape)}")
        mean = input.mean(axes, keepdim=True)
        var = input.var(axes, keepdim=True, correction=0)
        if running_mean is not None and running_var is not None:
            with no_grad():
                running_mean.mul_(1 - momentum).add_(mean.reshape(channels) * momentum)
                running_var.mul_(1 - momentum).add_(var.reshape(channels) * (momentum * count / (count - 1)))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not training")
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) / (var + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)
