"""Loss ops fused into single ``Function``s.

Composed from primitives, the two binary cross-entropies go wrong at the edges, and cross-entropy is slow:

* ``BinaryCrossEntropy``: composed as ``-(t·log p + (1-t)·log(1-p))`` with the logs clamped at -100, a
  prediction of exactly 0 or 1 (a saturated float32 sigmoid) makes the Log op's backward divide 0 by 0
  (NaN). PyTorch's formula keeps the gradient finite by bounding the denominator below by 1e-12.
* ``BinaryCrossEntropyWithLogits``: composed from relu and abs, the gradient at a logit of exactly 0
  (e.g. a zero-initialised model) would be -t instead of σ(0) - t = 0.5 - t, because relu and abs
  have derivative 0 there. The fused op uses the exact derivative σ(x) - t everywhere.
* ``CrossEntropy``: log_softmax followed by picking each row's target entry is five ops, and the pick's
  backward scatters with ``np.add.at``; differentiated together the gradient is simply softmax - one-hot.
* ``Linear``: ``x @ W.T + b`` is three ops (transpose, matmul, add); as one op (PyTorch's addmm) it is
  the layer's formula on one screen, and a training step of an MLP records a third of the nodes.
"""

from __future__ import annotations

import numpy as np

from ..function import Function


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) computed from e^-|x| (never overflows)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class BinaryCrossEntropy(Function):
    """out = -(t · max(ln p, -100) + (1 - t) · max(ln(1 - p), -100))   (elementwise)

    d/dp = (p - t) / max(p (1 - p), 1e-12)      (PyTorch's formula: finite at p = 0 and p = 1)
    d/dt = max(ln(1 - p), -100) - max(ln p, -100)
    """

    def forward(self, p, t):
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        self.save_for_backward(p, t, log_p, log_1mp)
        return -(t * log_p + (1 - t) * log_1mp)

    def backward(self, grad):
        p, t, log_p, log_1mp = self.saved
        grad_p = grad_t = None
        if self.needs_input_grad[0]:
            grad_p = grad * (p - t) / np.maximum(p * (1 - p), 1e-12)
        if self.needs_input_grad[1]:
            grad_t = grad * (log_1mp - log_p)
        return grad_p, grad_t


class BinaryCrossEntropyWithLogits(Function):
    """out = max(x, 0) - x·t + ln(1 + e^-|x|)   = -(t · ln σ(x) + (1 - t) · ln(1 - σ(x))), never overflowing.

    d/dx = σ(x) - t,   d/dt = -x.
    With ``pos_weight`` w (a constant array, no gradient), L = 1 + (w - 1)·t and
    out = (1 - t)·x + L·softplus(-x):
    d/dx = (1 - t) - L·σ(-x),   d/dt = -x + (w - 1)·softplus(-x).
    """

    def forward(self, x, t, pos_weight=None):
        softplus_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))  # ln(1 + e^-x), stable
        self.pos_weight = pos_weight
        self.save_for_backward(x, t, softplus_neg)
        if pos_weight is None:
            return (1 - t) * x + softplus_neg
        return (1 - t) * x + (1 + (pos_weight - 1) * t) * softplus_neg

    def backward(self, grad):
        x, t, softplus_neg = self.saved
        w = self.pos_weight
        grad_x = grad_t = None
        if self.needs_input_grad[0]:
            if w is None:
                grad_x = grad * (_stable_sigmoid(x) - t)
            else:
                grad_x = grad * ((1 - t) - (1 + (w - 1) * t) * _stable_sigmoid(-x))
        if self.needs_input_grad[1]:
            grad_t = grad * (-x if w is None else -x + (w - 1) * softplus_neg)
        return grad_x, grad_t


class CrossEntropy(Function):
    """out = mean_i (log Σ_c e^{x_ic} - x_i,t_i)   (scores x [N, C], integer classes t [N]; 'sum' sums)

    d/dx_ic = (softmax(x_i)_c - [c = t_i]) / N      (softmax minus the one-hot target, per row)
    """

    def forward(self, x, target, reduction="mean"):
        shifted = x - x.max(axis=1, keepdims=True)  # the largest score becomes 0: e^shifted never overflows
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(x))
        losses = np.log(total[:, 0]) - shifted[rows, target]
        self.save_for_backward(exp / total, target)
        self.scale = 1 / len(x) if reduction == "mean" else 1
        return losses.sum() * self.scale

    def backward(self, grad):
        softmax, target = self.saved
        scale = grad * self.scale
        grad_x = softmax * scale
        grad_x[np.arange(len(target)), target] -= scale
        return grad_x, None


class Linear(Function):
    """out = x @ Wᵀ + b   (x [N, in], W [out, in], b [out]: nn.Linear's layer; b is optional)

    d/dx = grad @ W,   d/dW = gradᵀ @ x,   d/db = Σ_rows grad   (each bias is added to every row)
    """

    def forward(self, x, weight, bias=None):
        self.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias  # out is a new array: adding in place saves a copy
        return out

    def backward(self, grad):
        x, weight = self.saved
        needs = self.needs_input_grad
        grad_x = grad @ weight if needs[0] else None
        grad_weight = grad.T @ x if needs[1] else None  # [out, in], laid out like W
        if len(needs) == 2:
            return grad_x, grad_weight
        return grad_x, grad_weight, grad.sum(axis=0) if needs[2] else None
