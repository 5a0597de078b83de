"""Pooling: ``MaxPool2d``, ``AvgPool2d`` and ``AdaptiveAvgPool2d``, over the last two axes of [N, C, H, W].

The windows are conv.py's ``windows`` (a view of every window, no copy). Backward sends each window's
gradient back to the pixels it read, with ``add_windows``: the adjoint of ``windows``.
"""

from __future__ import annotations

import numpy as np

from ..function import Function
from .conv import pad, windows


def add_windows(values, shape, stride=(1, 1), dilation=(1, 1)):
    """The adjoint of ``windows``: values [..., OH, OW, kh, kw], one per pixel of every window, added up
    at the pixels of an array of ``shape`` [..., H, W] that the windows read."""
    out = np.zeros(shape, values.dtype)
    oh, ow, kh, kw = values.shape[-4:]
    (sh, sw), (dh, dw) = stride, dilation
    for a in range(kh):  # a loop over the kh·kw offsets in the window, not over pixels
        for b in range(kw):
            out[..., a * dh:a * dh + oh * sh:sh, b * dw:b * dw + ow * sw:sw] += values[..., a, b]
    return out


def _unpad(full, padding, shape):
    (top, _), (left, _) = padding
    return full[..., top:top + shape[-2], left:left + shape[-1]]


class MaxPool2d(Function):
    """out = the largest value in each window;  d/dx = grad at each window's maximum, 0 elsewhere

    ``padding`` is ((top, bottom), (left, right)) of -inf (the bottom and right include ceil_mode's extra
    rows). As PyTorch: ties send the gradient to the window's first maximum (row by row), and a window
    holding NaN gives NaN and sends its gradient to its last NaN.
    """

    def forward(self, x, kernel_size=(2, 2), stride=(2, 2), padding=((0, 0), (0, 0)), dilation=(1, 1)):
        self.shape, self.stride, self.padding, self.dilation = x.shape, stride, padding, dilation
        padded = pad(x, padding, -np.inf)
        self.padded_shape = padded.shape
        win = windows(padded, kernel_size, stride, dilation)  # [N, C, OH, OW, kh, kw]
        flat = win.reshape(*win.shape[:4], -1)
        winner = flat.argmax(axis=-1)  # the first maximum; argmax also stops at the first NaN
        if np.isnan(flat).any():
            last_nan = flat.shape[-1] - 1 - np.isnan(flat[..., ::-1]).argmax(axis=-1)
            winner = np.where(np.isnan(flat).any(axis=-1), last_nan, winner)
        self.save_for_backward(winner)
        self.window = win.shape[-2:]
        return np.take_along_axis(flat, winner[..., None], axis=-1)[..., 0]

    def backward(self, grad):
        (winner,) = self.saved
        kh, kw = self.window
        one_hot = winner[..., None] == np.arange(kh * kw)  # [N, C, OH, OW, kh·kw]: where each maximum was
        values = (one_hot * grad[..., None]).reshape(*grad.shape, kh, kw)
        full = add_windows(values, self.padded_shape, self.stride, self.dilation)
        return (_unpad(full, self.padding, self.shape),)


class AvgPool2d(Function):
    """out = Σ window / n;  d/dx = grad / n, to each of the n pixels of every window that held it

    ``padding`` ((top, bottom), (left, right)) is zeros; ``divisor`` the n of every output (PyTorch's:
    the window's size, with or without the padding it covers; nn.functional computes it).
    """

    def forward(self, x, kernel_size=(2, 2), stride=(2, 2), padding=((0, 0), (0, 0)), divisor=None):
        self.shape, self.stride, self.padding = x.shape, stride, padding
        padded = pad(x, padding)
        self.padded_shape = padded.shape
        self.divisor = np.asarray(divisor, x.dtype)
        self.window = kernel_size
        return windows(padded, kernel_size, stride).sum(axis=(-2, -1)) / self.divisor

    def backward(self, grad):
        shares = grad / self.divisor
        values = np.broadcast_to(shares[..., None, None], shares.shape + tuple(self.window))
        full = add_windows(values, self.padded_shape, self.stride)
        return (_unpad(full, self.padding, self.shape),)


def adaptive_windows(size, out_size):
    """PyTorch's adaptive windows along one axis: window i covers floor(i·size/out) .. ceil((i+1)·size/out)
    - 1 (they overlap when out_size does not divide size). As an index [out_size, widest] (a wider
    window's extra places repeat the last pixel) and a mask of the places inside each window."""
    i = np.arange(out_size)[:, None]
    start, end = (i * size) // out_size, -((-(i + 1) * size) // out_size)
    index = start + np.arange((end - start).max())
    return np.minimum(index, size - 1), index < end


class AdaptiveAvgPool2d(Function):
    """out = the mean of each adaptive window;  d/dx = grad / n, to each of the n pixels of its window

    OH × OW windows (``adaptive_windows``) cover x [..., H, W] to give ``output_size``. They may differ
    in size by a pixel: each is read as wide as the widest, and the mask leaves the extra places out.
    """

    def forward(self, x, output_size=(1, 1)):
        self.shape = x.shape
        (rows, row_in), (cols, col_in) = (adaptive_windows(n, m) for n, m in zip(x.shape[-2:], output_size))
        self.index = (rows[:, :, None, None], cols[None, None])  # picks [..., OH, kh, OW, kw]
        self.inside = row_in[:, :, None, None] & col_in[None, None]
        self.count = self.inside.sum(axis=(1, 3)).astype(x.dtype)  # pixels per window: [OH, OW]
        picked = x[(..., *self.index)]
        return np.where(self.inside, picked, 0).sum(axis=(-3, -1)) / self.count

    def backward(self, grad):
        shares = (grad / self.count)[..., :, None, :, None] * self.inside
        full = np.zeros(self.shape, grad.dtype)
        np.add.at(full, (..., *self.index), shares)
        return (full,)
