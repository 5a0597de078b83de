"""Elementwise ops. Each works on numpy arrays; its docstring gives the derivative.

Binary ops return gradients of the *broadcast* shape: the engine sums them back to each input's shape.
A binary op computes an input's gradient only when ``self.needs_input_grad`` asks for it (else None);
a one-input op is recorded only when its input needs a gradient, so it never has to ask.
"""

from __future__ import annotations

import numpy as np

from ..function import Function


class Add(Function):
    """out = a + b;  d/da = 1,  d/db = 1"""

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return grad if need_a else None, grad if need_b else None


class Sub(Function):
    """out = a - b;  d/da = 1,  d/db = -1"""

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return grad if need_a else None, -grad if need_b else None


class Mul(Function):
    """out = a * b;  d/da = b,  d/db = a"""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved
        grad_a = grad * b if self.needs_input_grad[0] else None
        grad_b = grad * a if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Div(Function):
    """out = a / b;  d/da = 1 / b,  d/db = -a / b² = -out / b"""

    def forward(self, a, b):
        out = a / b
        self.save_for_backward(b, out)
        return out

    def backward(self, grad):
        b, out = self.saved
        grad_a = grad / b if self.needs_input_grad[0] else None
        grad_b = -grad * out / b if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Pow(Function):
    """out = a ** b;  d/da = b · a^(b-1),  d/db = a^b · ln(a)

    As PyTorch: d/da = 0 where b = 0 (also at a = 0, where 0 · 0^-1 would be NaN),
    and d/db = 0 where a = 0 and b ≥ 0 (where 0 · ln 0 would be NaN). Where b = 0, a's gradient is 0
    even when the arriving one is NaN or infinite (masked, as PyTorch; b's is multiplied, as PyTorch).
    """

    def forward(self, a, b):
        out = a**b
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad):
        a, b, out = self.saved
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                grad_a = np.where(b == 0, 0, grad * b * a ** (b - 1))
            if self.needs_input_grad[1]:
                grad_b = grad * np.where((a == 0) & (b >= 0), 0, out * np.log(a))
        return grad_a, grad_b


def _share(grad, a_loses, b_loses, tie, needs):
    """The gradient of max or min: all of it to the selected input, half each on a tie. Masked, not
    multiplied, so a NaN gradient never reaches the input that was not selected (as PyTorch)."""
    zero, half = np.zeros((), grad.dtype), grad / 2
    grad_a = np.where(a_loses, zero, np.where(tie, half, grad)) if needs[0] else None
    grad_b = np.where(b_loses, zero, np.where(tie, half, grad)) if needs[1] else None
    return grad_a, grad_b


class Maximum(Function):
    """out = max(a, b);  the gradient goes to the larger input, split in half on ties (as PyTorch)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(self, grad):
        a, b = self.saved
        return _share(grad, a < b, b < a, a == b, self.needs_input_grad)


class Minimum(Function):
    """out = min(a, b);  the gradient goes to the smaller input, split in half on ties (as PyTorch)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(self, grad):
        a, b = self.saved
        return _share(grad, a > b, b > a, a == b, self.needs_input_grad)


class Where(Function):
    """out = cond ? a : b;  d/da = cond,  d/db = not cond  (cond gets no gradient)"""

    def forward(self, cond, a, b):
        self.save_for_backward(cond)
        return np.where(cond, a, b)

    def backward(self, grad):
        (cond,) = self.saved
        zero = np.zeros((), grad.dtype)
        grad_a = np.where(cond, grad, zero) if self.needs_input_grad[1] else None
        grad_b = np.where(cond, zero, grad) if self.needs_input_grad[2] else None
        return None, grad_a, grad_b


class Neg(Function):
    """out = -a;  d/da = -1"""

    def forward(self, a):
        return -a

    def backward(self, grad):
        return (-grad,)


class Exp(Function):
    """out = e^a;  d/da = e^a = out"""

    def forward(self, a):
        out = np.exp(a)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * out,)


class Log(Function):
    """out = ln(a);  d/da = 1 / a"""

    def forward(self, a):
        self.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):  # log(0) = -inf, log(-1) = nan, as PyTorch
            return np.log(a)

    def backward(self, grad):
        (a,) = self.saved
        return (grad / a,)


class Sqrt(Function):
    """out = √a;  d/da = 1 / (2√a) = 1 / (2 · out)"""

    def forward(self, a):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(a)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad / (2 * out),)


class Sin(Function):
    """out = sin(a);  d/da = cos(a)"""

    def forward(self, a):
        self.save_for_backward(a)
        return np.sin(a)

    def backward(self, grad):
        (a,) = self.saved
        return (grad * np.cos(a),)


class Cos(Function):
    """out = cos(a);  d/da = -sin(a)"""

    def forward(self, a):
        self.save_for_backward(a)
        return np.cos(a)

    def backward(self, grad):
        (a,) = self.saved
        return (-grad * np.sin(a),)


class Sigmoid(Function):
    """out = σ(a) = 1 / (1 + e^-a);  d/da = σ(a) · (1 - σ(a)) = out · (1 - out)"""

    def forward(self, a):
        # For a < -88 (float32), e^-a overflows to inf and 1 / (1 + inf) = 0 is the right answer.
        with np.errstate(over="ignore"):
            out = 1 / (1 + np.exp(-a))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * out * (1 - out),)


class Tanh(Function):
    """out = tanh(a);  d/da = 1 - tanh²(a) = 1 - out²"""

    def forward(self, a):
        out = np.tanh(a)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        return (grad * (1 - out * out),)


class Relu(Function):
    """out = max(a, 0);  d/da = 1 where a > 0, else 0

    Masked, as PyTorch: where out ≤ 0 the gradient is 0 (even a NaN one); at a = NaN it passes through.
    """

    def forward(self, a):
        out = np.maximum(a, 0)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        if np.isfinite(out.sum() + grad.sum()):  # no NaN or ∞: a product is exact, and up to 8× faster
            return (grad * (out > 0),)
        return (np.where(out <= 0, np.zeros((), grad.dtype), grad),)


class Abs(Function):
    """out = |a|;  d/da = sign(a)  (0 at a = 0 and at a = NaN, as PyTorch)"""

    def forward(self, a):
        self.save_for_backward(a)
        return np.abs(a)

    def backward(self, grad):
        (a,) = self.saved
        return (grad * np.where(np.isnan(a), 0, np.sign(a)),)


class Clamp(Function):
    """out = min(max(a, low), high);  d/da = 1 where low ≤ a ≤ high, else 0

    Masked, as PyTorch: outside the range, and at a = NaN, the gradient is 0 even when the arriving one
    is NaN or infinite.
    """

    def forward(self, a, low=None, high=None):
        self.save_for_backward(a)
        self.low, self.high = low, high
        return np.clip(a, low, high)

    def backward(self, grad):
        (a,) = self.saved
        inside = np.ones(a.shape, bool)
        if self.low is not None:
            inside &= a >= self.low
        if self.high is not None:
            inside &= a <= self.high
        return (np.where(inside, grad, np.zeros((), grad.dtype)),)


class Cast(Function):
    """out = a converted to another float dtype;  d/da = 1 (the gradient is cast back)"""

    def forward(self, a, dtype=None):
        return a.astype(dtype)

    def backward(self, grad):
        return (grad,)
