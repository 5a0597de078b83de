"""Reductions: sum, mean, max/min, the variance and standard deviation, the norm and log-softmax.

``axis`` is None (all axes) or a tuple of axes.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..function import Function


def _kept_shape(shape, axis):
    """The shape of a reduction with keepdims=True: each reduced axis becomes 1."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _expand_back(grad, input_shape, axis):
    """Copy a reduced gradient back over every element of the input that was reduced."""
    out = np.empty(input_shape, grad.dtype)
    out[...] = grad if axis is None else grad.reshape(_kept_shape(input_shape, axis))
    return out


def _sum(a, axis, keepdims):
    """``a.sum(axis)``; float32 along an axis of 1024 or more that is not the contiguous last one adds up in
    float64: numpy adds such an axis row by row (182625 rows of 0.1 average 0.0998; PyTorch: 0.1000)."""
    if a.size >= 1024 and a.dtype == np.float32 and a.size >= 1024 * _kept_size(a.shape, axis) \
            and not (a.flags.c_contiguous and (axis is None or axis == (a.ndim - 1,))):
        return a.sum(axis=axis, keepdims=keepdims, dtype=np.float64).astype(np.float32)
    return a.sum(axis=axis, keepdims=keepdims)


class Sum(Function):
    """out = Σ a over ``axis``;  d/da_i = 1 for every summed element (the gradient is copied back)"""

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis = a.shape, axis
        return _sum(a, axis, keepdims)

    def backward(self, grad):
        return (_expand_back(grad, self.shape, self.axis),)


class Mean(Function):
    """out = (1/n) Σ a over ``axis``;  d/da_i = 1/n, n = number of elements averaged"""

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis = a.shape, axis
        # sum / n: a.mean() does the same, more slowly; below 1,024 elements numpy's sum is exact enough
        total = a.sum(axis=axis, keepdims=keepdims) if a.size < 1024 else _sum(a, axis, keepdims)
        self.count = a.size // max(total.size, 1)
        if self.count == 0:
            return np.full(np.shape(total), np.nan, a.dtype)  # the mean of nothing, as PyTorch
        return total / self.count

    def backward(self, grad):
        return (_expand_back(grad / self.count, self.shape, self.axis),)


class Max(Function):
    """out = max of a (over one ``axis``, or all);  d/da = 1 at the maximum, else 0.

    Over all elements, ties share the gradient equally; along an axis it goes to the index
    that ``argmax`` returns (both as PyTorch). The other elements get 0, even from a NaN gradient.
    """

    reduce = staticmethod(np.max)
    arg = staticmethod(np.argmax)

    def forward(self, a, axis=None, keepdims=False):
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        if axis is None:
            out = self.reduce(a)
            # the elements equal to the result; a NaN result (NaN propagates) is where the NaNs are
            self.save_for_backward(np.isnan(a) if np.isnan(out) else a == out)
            return out
        index = np.expand_dims(self.arg(a, axis=axis), axis)
        self.save_for_backward(index)
        out = np.take_along_axis(a, index, axis)
        return out if keepdims else np.squeeze(out, axis)

    def backward(self, grad):
        (selected,) = self.saved
        if self.axis is None:
            return (np.where(selected, grad / selected.sum(), np.zeros((), grad.dtype)),)
        if not self.keepdims:
            grad = np.expand_dims(grad, self.axis)
        full = np.zeros(self.shape, grad.dtype)
        np.put_along_axis(full, selected, grad, self.axis)
        return (full,)


class Min(Max):
    """out = min of a;  d/da = 1 at the minimum, else 0 (ties as for Max)."""

    reduce = staticmethod(np.min)
    arg = staticmethod(np.argmin)


class LogSoftmax(Function):
    """out = a - log Σ_j e^{a_j} (along ``axis``);  d/da: grad - softmax(a) · Σ grad.

    Computed as (a - max) - log Σ e^{a - max}, so large scores never overflow.
    """

    def forward(self, a, axis=-1):
        self.axis = axis
        if a.size == 0:  # nothing to normalise: an empty result, as PyTorch
            self.save_for_backward(a)
            return a.copy()
        shifted = a - a.max(axis=axis, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad - np.exp(out) * grad.sum(axis=self.axis, keepdims=True),)


def _unkeep(out, axis, keepdims):
    """A result computed with keepdims=True, without its reduced axes unless ``keepdims``."""
    if keepdims:
        return out
    return out.reshape(()) if axis is None else np.squeeze(out, axis)


def _over(grad, out):
    """grad / out, and 0 where out = 0: the gradient of a square root at 0, as PyTorch gives it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(out == 0, 0, grad.reshape(out.shape) / out).astype(out.dtype)


def _var_parts(a, axis, correction, name):
    """a - mean, Σ (a - mean)² (kept dims), n - c, and where a = mean if every element is reduced and
    n - c ≤ 0 (else None). Both sums are ``_sum``'s, so a long float32 axis adds up in float64
    (182,625 rows: within 1e-6 of float64, not 4e-4)."""
    n = a.size // max(_kept_size(a.shape, axis), 1)
    if n - correction <= 0:
        warnings.warn(f"{name}: n - correction = {n - correction} ≤ 0 ({n} value(s) per result, correction "
                      f"{correction}), so the result is NaN or inf (as in PyTorch, which warns too)",
                      stacklevel=5)
    with np.errstate(divide="ignore", invalid="ignore"):  # the mean of nothing is NaN; ∞ - ∞ too
        mean = _sum(a, axis, True) / n
        centered, dof = a - mean, n - correction
    at_mean = a == mean if (axis is None or a.ndim == 0) and dof <= 0 else None
    return centered, _sum(centered * centered, axis, True), dof, at_mean


def _var_grad(grad, centered, dof, at_mean):
    """d var/da = 2 (a - mean) / (n - c) · grad, with PyTorch's answers where n - c ≤ 0 (var is NaN or ∞):
    along dims the formula stands (a negative n - c too); over every element (``at_mean`` given) it
    is grad · NaN where a = mean, grad · ∞ elsewhere."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if at_mean is not None:
            return grad * np.where(at_mean, np.nan, np.inf).astype(centered.dtype)
        return grad * centered * (2 / dof if dof else np.inf)


class Var(Function):
    """out = Σ (a - mean)² / (n - c);  d/da = 2 (a - mean) / (n - c)

    Over ``axis`` (None: every element); ``c`` is the correction (1: the sample variance, PyTorch's
    default). Fused so that n - c ≤ 0, where the variance is NaN or ∞, gives PyTorch's gradients
    (``_var_grad``); composed, the chain rule would turn them into NaN.
    """

    root = False  # Std: the square root of the same sum

    def forward(self, a, axis=None, keepdims=False, correction=1):
        centered, squares, self.dof, at_mean = _var_parts(a, axis, correction, self.op_name().lower())
        with np.errstate(divide="ignore", invalid="ignore"):  # n ≤ c: inf or NaN, as PyTorch
            out = np.sqrt(squares / max(self.dof, 0)) if self.root else squares / max(self.dof, 0)
        self.save_for_backward(centered, out, at_mean)
        return _unkeep(out, axis, keepdims)

    def backward(self, grad):
        centered, out, at_mean = self.saved
        grad = _over(grad, out) / 2 if self.root else grad.reshape(out.shape)  # d √v/dv = 1 / (2 √v)
        return (_var_grad(grad, centered, self.dof, at_mean),)


class Std(Var):
    """out = √(Σ (a - mean)² / (n - c));  d/da = (a - mean) / ((n - c) · out), 0 where out = 0

    Over ``axis`` (None: every element); ``c`` is the correction (1: the sample standard deviation,
    PyTorch's default). Fused for numerical safety: composed as var().sqrt(), a constant input would
    get 0 · ∞ = NaN gradients (PyTorch gives 0). Where n - c ≤ 0, as ``Var`` (PyTorch's rule).
    """

    root = True


class Norm(Function):
    """out = ‖a‖ = √(Σ a²) over ``axis``;  d/da = a / out, 0 where out = 0

    The Euclidean (Frobenius) norm; None for every element. Fused for numerical safety: composed as
    (a * a).sum().sqrt(), the zero vector would get 0 · 1/(2·0) = NaN gradients (PyTorch gives 0).
    """

    def forward(self, a, axis=None, keepdims=False):
        out = np.sqrt(_sum(a * a, axis, True))
        self.save_for_backward(a, out)
        return _unkeep(out, axis, keepdims)

    def backward(self, grad):
        a, out = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):  # grad × 0 at out = 0: NaN stays NaN, as PyTorch
            return (grad.reshape(out.shape) * np.where(out == 0, 0, a / out),)


def _kept_size(shape, axis):
    """How many results a reduction over ``axis`` gives."""
    return int(np.prod(_kept_shape(shape, axis)))
