"""The ops of attention models: ``Embedding`` (a table lookup), ``LayerNorm``, ``Softmax`` and ``Gelu``.

Each is fused: ``Embedding``'s backward is a scatter-add (composed as ``weight[idx]``, the same numbers, but
through ``np.add.at``, measured 5-10× slower); ``LayerNorm``, ``Softmax`` and ``Gelu`` are formulas whose
composed graphs would be several ops, with a shorter and numerically safer gradient as one (each says why).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import chebyshev

from ..function import Function


class Embedding(Function):
    """out = weight[idx];  d/dweight[v] = Σ of grad over the positions where idx = v (0 for padding_idx)

    ``weight`` [V, D] is the table, ``idx`` integer indices of any shape (no gradient); ``out`` has shape
    idx.shape + (D,). A row picked several times gets the sum of those gradients: the scatter-add is one
    ``np.bincount`` over (row, column) pairs (measured 5-10× faster than ``np.add.at`` on GPT's batches).
    """

    def forward(self, weight, idx, padding_idx=None):
        self.shape, self.padding_idx = weight.shape, padding_idx
        self.save_for_backward(idx)
        return weight[idx]

    def backward(self, grad):
        (idx,) = self.saved
        rows, columns = self.shape
        pairs = (idx.reshape(-1, 1) * columns + np.arange(columns)).reshape(-1)  # (row, column) → one bin
        sums = np.bincount(pairs, weights=grad.reshape(-1), minlength=rows * columns)
        grad_weight = sums.reshape(rows, columns).astype(grad.dtype)
        if self.padding_idx is not None:
            grad_weight[self.padding_idx] = 0  # the padding row is never trained
        return grad_weight, None


class LayerNorm(Function):
    """out = x̂·w + b;  d/dx = (g - mean(g) - x̂·mean(g·x̂)) / s, g = grad·w;  d/dw = Σ grad·x̂,  d/db = Σ grad

    x̂ = (x - μ) / s with s = √(σ² + ε): μ and σ² are the mean and the biased variance over the last ``ndim``
    dims (``normalized_shape``), of each sample on its own; the means in d/dx run over those dims too.
    w and b (optional, of ``normalized_shape``) scale and shift every sample alike, so their gradients sum
    over the batch dims.
    Fused for numerical safety and speed: σ² is the mean of (x - μ)², never E[x²] - μ² (which cancels
    to garbage in float32 for large means), and the gradient is one formula instead of seven ops' worth.
    """

    def forward(self, x, *affine, ndim=1, eps=1e-5):
        self.axes = tuple(range(x.ndim - ndim, x.ndim))  # the normalized dims
        centered = x - x.mean(axis=self.axes, keepdims=True)
        variance = (centered * centered).mean(axis=self.axes, keepdims=True)
        rstd = 1 / np.sqrt(variance + eps)
        xhat = centered * rstd
        self.save_for_backward(xhat, rstd, *affine[:1])
        out = xhat * affine[0] if affine else xhat
        return out + affine[1] if len(affine) == 2 else out

    def backward(self, grad):
        xhat, rstd, *weight = self.saved
        needs = self.needs_input_grad
        batch_axes = tuple(range(grad.ndim - len(self.axes)))
        grad_x = None
        if needs[0]:
            g = grad * weight[0] if weight else grad
            mean_g = g.mean(axis=self.axes, keepdims=True)
            mean_gx = (g * xhat).mean(axis=self.axes, keepdims=True)
            grad_x = (g - mean_g - xhat * mean_gx) * rstd
        grads = [grad_x]
        if len(needs) > 1:
            grads.append((grad * xhat).sum(axis=batch_axes) if needs[1] else None)
        if len(needs) > 2:
            grads.append(grad.sum(axis=batch_axes) if needs[2] else None)
        return tuple(grads)


class Softmax(Function):
    """out = e^a / Σ e^a (along ``axis``);  d/da = out · (grad - Σ grad · out)

    Computed from a - max(a), so large scores never overflow. Fused for speed: as log_softmax(a).exp() it
    is two ops and one more log and exp over every element (measured 1.1× faster on attention's scores).
    """

    def forward(self, a, axis=-1):
        self.axis = axis
        if a.size == 0:  # nothing to normalise: an empty result, as PyTorch
            self.save_for_backward(a)
            return a.copy()
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        out = e / e.sum(axis=axis, keepdims=True)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (out * (grad - (grad * out).sum(axis=self.axis, keepdims=True)),)


# ---- the error function, for GELU ----------------------------------------------------------------------
# numpy has no erf, and math.erf takes one number: np.vectorize(math.erf) was measured 1.5-2× slower than
# this. erf is odd, so erf(x) = x · g(x²) with g smooth; for |x| ≥ 1.5, erf(x) = 1 - e^(-x²) · h(x) with h
# slowly varying; from |x| = 6 on, erf(x) = ±1 to float64's precision. g and h are Chebyshev interpolants of
# math.erf and math.erfc, computed once at import: erf agrees with math.erf to 3e-15 (about 10 ulp).


def _erf_over_x(u):
    """g(u) = erf(√u) / √u, and its limit 2/√π at u = 0."""
    return math.erf(math.sqrt(u)) / math.sqrt(u) if u else 2 / math.sqrt(math.pi)


def _interpolant(f, low, high, degree):
    """Chebyshev coefficients of the polynomial through f at the ``degree + 1`` Chebyshev points of
    [low, high]."""
    return chebyshev.chebinterpolate(lambda t: [f(low + (high - low) * (v + 1) / 2) for v in t], degree)


_G = _interpolant(_erf_over_x, 0, 2.25, 18)
_H = _interpolant(lambda x: math.erfc(x) * math.exp(x * x), 1.5, 6, 30)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt of every element (float64)."""
    x = np.asarray(x, np.float64)
    out, a = np.sign(x), np.abs(x)  # ±1 for |x| ≥ 6 (and NaN stays NaN)
    near, far = a < 1.5, (a >= 1.5) & (a < 6)
    x_near, a_far = x[near], a[far]
    out[near] = x_near * chebyshev.chebval(x_near * x_near * (2 / 2.25) - 1, _G)  # [0, 2.25] → [-1, 1]
    out[far] *= 1 - np.exp(-a_far * a_far) * chebyshev.chebval((a_far - 1.5) * (2 / 4.5) - 1, _H)
    return out


_TANH_SCALE = math.sqrt(2 / math.pi)


class Gelu(Function):
    """out = x · Φ(x), Φ(x) = (1 + erf(x / √2)) / 2;  d/dx = Φ(x) + x · φ(x), φ(x) = e^(-x²/2) / √(2π)

    ``approximate='tanh'``: out = x · (1 + t) / 2, t = tanh(√(2/π) (x + 0.044715 x³));
    d/dx = (1 + t) / 2 + x (1 - t²) √(2/π) (1 + 3 · 0.044715 x²) / 2.
    Fused for speed: erf is the costly part (see ``erf``), and backward reuses forward's Φ (or t).
    """

    def forward(self, x, approximate="none"):
        self.approximate = approximate
        if approximate == "tanh":
            t = np.tanh(_TANH_SCALE * (x + 0.044715 * x * x * x))
            self.save_for_backward(x, t)
            return x * (1 + t) / 2
        cdf = ((1 + erf(x * (1 / math.sqrt(2)))) / 2).astype(x.dtype)
        self.save_for_backward(x, cdf)
        return x * cdf

    def backward(self, grad):
        x, saved = self.saved
        if self.approximate == "tanh":
            t = saved
            slope = _TANH_SCALE * (1 + 3 * 0.044715 * x * x)
            return (grad * ((1 + t) / 2 + x * (1 - t * t) * slope / 2),)
        density = np.exp(-x * x / 2) * (1 / math.sqrt(2 * math.pi))
        return (grad * (saved + x * density),)
