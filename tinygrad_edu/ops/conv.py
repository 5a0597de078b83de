"""Convolution: ``Conv2d``, the op behind ``F.conv2d``, ``F.conv1d`` (a conv2d of height 1) and the modules.

Deep learning's "convolution" slides a small kernel over the input and, at every position, multiplies
and adds; it does not flip the kernel (mathematicians call that a cross-correlation, written ⋆ here).
All of it is one function, ``correlate``, computed as *im2col*: ``sliding_window_view`` lists every
window of the input without copying, one reshape lays the windows out as the rows of a matrix, and one
matrix product with the kernels gives every output at once; no Python loop over pixels or images.

The two gradients of a convolution are convolutions too, and ``Conv2d.backward`` computes them with the
same ``correlate``: the input's is the output gradient, spread out by the stride and padded, correlated
with the kernel flipped in space (a "full" or transposed convolution); the kernel's is the input
correlated with the output gradient.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..function import Function


def windows(x, size, stride=(1, 1), dilation=(1, 1)):
    """Every window of ``size`` (kh, kw) in x [..., H, W], as a view (no copy): [..., OH, OW, kh, kw].

    Windows start every ``stride`` pixels; a dilated window takes every ``dilation``-th pixel.
    """
    (kh, kw), (sh, sw), (dh, dw) = size, stride, dilation
    span = ((kh - 1) * dh + 1, (kw - 1) * dw + 1)  # the height and width a dilated window covers
    return sliding_window_view(x, span, axis=(-2, -1))[..., ::sh, ::sw, ::dh, ::dw]


def pad(x, padding, value=0):
    """x with ((top, bottom), (left, right)) rows and columns of ``value`` around its last two axes."""
    (top, bottom), (left, right) = padding
    if not (top or bottom or left or right):
        return x
    h, w = x.shape[-2:]
    out = np.full(x.shape[:-2] + (top + h + bottom, left + w + right), value, x.dtype)  # faster than np.pad
    out[..., top:top + h, left:left + w] = x
    return out


def correlate(x, w, stride=(1, 1), dilation=(1, 1)):
    """out[g, n, o, i, j] = Σ_c,a,b x[g, n, c, i·s + a·d, j·s + b·d] · w[g, o, c, a, b]

    x [G, N, C, H, W] and kernels w [G, O, C, kh, kw], for G groups that never mix: [G, N, O, OH, OW].
    """
    groups, n, c = x.shape[:3]
    o, kh, kw = w.shape[1], w.shape[3], w.shape[4]
    win = windows(x, (kh, kw), stride, dilation)  # [G, N, C, OH, OW, kh, kw], a view
    oh, ow = win.shape[3:5]
    kernels = w.reshape(groups, o, c * kh * kw)
    # im2col, the one copy: the windows as a matrix, one (channel, kernel offset) per row and one output
    # position per column, or the transpose, whichever copies along the longer axis (measured: up to 5×
    # faster; copying runs of 3 pixels is slow)
    if oh * ow >= kh * kw:
        cols = win.transpose(0, 2, 5, 6, 1, 3, 4).reshape(groups, c * kh * kw, n * oh * ow)
        return (kernels @ cols).reshape(groups, o, n, oh, ow).transpose(0, 2, 1, 3, 4)
    rows = win.transpose(0, 1, 3, 4, 2, 5, 6).reshape(groups, n * oh * ow, c * kh * kw)
    return (rows @ kernels.transpose(0, 2, 1)).reshape(groups, n, oh, ow, o).transpose(0, 1, 4, 2, 3)


def _split(a, groups):
    """[N, C, H, W] -> [G, N, C/G, H, W]: the channels of each group on their own."""
    n, c, h, w = a.shape
    return a.reshape(n, groups, c // groups, h, w).transpose(1, 0, 2, 3, 4)


def _join(a):
    """[G, N, C/G, H, W] -> [N, C, H, W]: the groups' channels side by side again."""
    groups, n, c, h, w = a.shape
    return a.transpose(1, 0, 2, 3, 4).reshape(n, groups * c, h, w)


class Conv2d(Function):
    """out = x ⋆ W + b;  d/dx = grad ⋆ flip(W), in full;  d/dW = x ⋆ grad;  d/db = Σ grad

    ⋆ is correlation; "in full" pads grad so that every pixel of x gets a sum, and with a stride s,
    grad's values are first spread s pixels apart (in d/dW the stride becomes a dilation instead).
    x [N, C, H, W], W [O, C/groups, kh, kw], b [O] (optional) -> [N, O, OH, OW]. ``padding`` is
    ((top, bottom), (left, right)) rows and columns of zeros; ``stride`` and ``dilation`` are (rows,
    columns); ``groups`` splits the channels into groups that never mix. nn.functional checks the shapes.
    """

    def forward(self, x, weight, bias=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1),
                groups=1):
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.input_shape = x.shape
        x = pad(x, padding)
        self.save_for_backward(x, weight)
        out = _join(correlate(_split(x, groups), _split_kernels(weight, groups), stride, dilation))
        if bias is not None:
            out += bias.reshape(-1, 1, 1)  # out is a new array: adding in place saves a copy
        return out

    def backward(self, grad):
        x, weight = self.saved
        (sh, sw), (dh, dw), groups = self.stride, self.dilation, self.groups
        kh, kw = weight.shape[2:]
        needs = self.needs_input_grad
        grad_x = grad_w = None
        if needs[0]:
            # d/dx[n, c, y, x] = Σ grad[n, o, i, j] · W[o, c, a, b] over y = i·s + a·d, x = j·s + b·d: each
            # output's gradient goes back through the weights that made it. With the gradients placed s
            # pixels apart, that is a correlation with each kernel turned by 180° and its in and out
            # channels swapped: a "full" (or transposed) convolution.
            flipped = _split_kernels(weight, groups).transpose(0, 2, 1, 3, 4)[..., ::-1, ::-1]
            grad_x = _join(correlate(_split(self._spread(grad, kh, kw), groups), flipped, dilation=(dh, dw)))
        if needs[1]:
            # d/dW[o, c, a, b] = Σ x[n, c, i·s + a·d, j·s + b·d] · grad[n, o, i, j] over n, i, j: x correlated
            # with grad as the kernel. Images and channels change places (the sum runs over the images), and
            # the stride becomes the dilation: the pixels that met grad's neighbours are s apart in x.
            oh, ow = grad.shape[2:]
            x = x[:, :, :(kh - 1) * dh + (oh - 1) * sh + 1, :(kw - 1) * dw + (ow - 1) * sw + 1]  # rows it met
            images = _split(x, groups).transpose(0, 2, 1, 3, 4)  # [G, C/G, N, H, W]
            kernels = _split(grad, groups).transpose(0, 2, 1, 3, 4)  # [G, O/G, N, OH, OW]
            grad_w = correlate(images, kernels, (dh, dw), (sh, sw))  # [G, C/G, O/G, kh, kw]
            grad_w = grad_w.transpose(0, 2, 1, 3, 4).reshape(weight.shape)
        if len(needs) == 2:
            return grad_x, grad_w
        return grad_x, grad_w, grad.sum(axis=(0, 2, 3)) if needs[2] else None

    def _spread(self, grad, kh, kw):
        """grad [N, O, OH, OW] with its values s pixels apart and a border of (kernel span - 1) zeros: its
        stride-1 correlation with the flipped kernel gives d/dx (cut to x's own rows, not its padding's)."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        span_h, span_w = (kh - 1) * dh + 1, (kw - 1) * dw + 1
        n, o, oh, ow = grad.shape
        (top, bottom), (left, right) = self.padding
        h, w = self.input_shape[2:]
        spread = np.zeros((n, o, top + h + bottom + span_h - 1, left + w + right + span_w - 1), grad.dtype)
        spread[:, :, span_h - 1:span_h - 1 + oh * sh:sh, span_w - 1:span_w - 1 + ow * sw:sw] = grad
        return spread[:, :, top:top + h + span_h - 1, left:left + w + span_w - 1]


def _split_kernels(weight, groups):
    """[O, C/G, kh, kw] -> [G, O/G, C/G, kh, kw]: each group's kernels."""
    return weight.reshape(groups, -1, *weight.shape[1:])
