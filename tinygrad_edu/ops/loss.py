"""The losses as single ops: each is a formula whose gradient is simpler or safer than the one the
chain rule would build from its parts (each docstring says why it is fused)."""

from __future__ import annotations

import numpy as np

from ..function import Function


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) computed from e^-|x| (never overflows)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class BinaryCrossEntropy(Function):
    """out = -(t·ln p + (1-t)·ln(1-p));  d/dp = (p - t) / (p(1 - p)),  d/dt = ln(1-p) - ln p

    Elementwise, for probabilities p and targets t. As PyTorch: each log is bounded below by -100, and
    d/dp divides by max(p (1 - p), 1e-12), so it stays finite at p = 0 and p = 1.
    Fused for numerical stability: composed from Log, the backward at a saturated p divides 0 by 0.
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
    """out = -(t·ln σ(x) + (1-t)·ln(1-σ(x)));  d/dx = σ(x) - t,  d/dt = -x

    Computed as (1 - t)·x + softplus(-x), softplus(-x) = ln(1 + e^-x) = max(-x, 0) + ln(1 + e^-|x|),
    which never overflows. With ``pos_weight`` w (a constant array, no gradient), L = 1 + (w - 1)·t,
    out = (1 - t)·x + L·softplus(-x), d/dx = (1 - t) - L·σ(-x), d/dt = -x + (w - 1)·softplus(-x).
    Fused for numerical stability: composed from relu and abs, d/dx at x = 0 would be -t, not 0.5 - t.
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
    """out = mean_i (log Σ_c e^(x_ic) - x_i,t_i);  d/dx_ic = (softmax(x_i)_c - [c = t_i]) / N

    Scores x [N, C], integer classes t [N] (no gradient); ``reduction='sum'`` drops the 1/N.
    Fused for speed: the gradient is softmax minus one-hot in one step, where log_softmax and a pick
    are five ops and a scatter (``np.add.at``) in backward.
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
        softmax, target = self.saved  # the integer target never needs a gradient
        scale = grad * self.scale
        grad_x = softmax * scale
        grad_x[np.arange(len(target)), target] -= scale
        return grad_x, None


class NllLoss(Function):
    """out = -Σ_i w_i · x[i, t_i] / Σ_i w_i (rows i not ignored);  d/dx[i, t_i] = -w_i / Σ w

    Log-probabilities x [N, C], integer classes t [N] (no gradient), w_i = weight[t_i] (1 without
    ``weight``); a row whose target is ``ignore_index`` is not counted. ``reduction='sum'`` drops the
    division; ``'none'`` gives each row's -w_i · x[i, t_i] (0 for an ignored row). Fused so that ignored
    rows are skipped, not multiplied by 0: a NaN in them reaches neither the loss nor the gradient, and
    with every target ignored the mean is 0/0 = NaN with zero gradients (as PyTorch).
    """

    def forward(self, x, target, ignore_index=-100, weight=None, reduction="mean"):
        self.rows = np.flatnonzero(target != ignore_index)
        self.cols, self.shape, self.reduction = target[self.rows], x.shape, reduction
        w = np.ones(len(self.rows), x.dtype) if weight is None else weight[self.cols]
        terms = -w * x[self.rows, self.cols]
        if reduction == "none":
            self.save_for_backward(w)
            out = np.zeros(len(x), x.dtype)
            out[self.rows] = terms
            return out
        with np.errstate(divide="ignore", invalid="ignore"):  # nothing counted: 0 / 0 = NaN, as PyTorch
            self.save_for_backward(w if reduction == "sum" else w / w.sum())
            return terms.sum() if reduction == "sum" else terms.sum() / w.sum()

    def backward(self, grad):
        (scale,) = self.saved  # each counted row's d out/d x[i, t_i], without the minus sign
        grad_x = np.zeros(self.shape, grad.dtype)
        grad_x[self.rows, self.cols] = -scale * (grad[self.rows] if self.reduction == "none" else grad)
        return (grad_x,)
