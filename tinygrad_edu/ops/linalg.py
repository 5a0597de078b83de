"""Matrix products: ``MatMul`` (numpy's ``@``: 1-D, 2-D and batched) and ``Linear`` (x @ Wᵀ + b)."""

from __future__ import annotations

import numpy as np

from ..function import Function, ShapeError


def _check_shapes(a, b):
    """Explain a matmul that numpy refused: no axes to multiply over, or inner sizes that differ."""
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: {a.shape} @ {b.shape}: both operands need at least 1 dimension")
    inner_a = a.shape[-1]
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if inner_a != inner_b:
        raise ShapeError(f"matmul: {a.shape} @ {b.shape}: inner dimensions {inner_a} and {inner_b} differ")


class MatMul(Function):
    """out = a @ b;  d/da = grad @ bᵀ,  d/db = aᵀ @ grad

    A 1-D ``a`` is a row (1, k) and a 1-D ``b`` a column (k, 1) for the formulas; the added
    axis is dropped again afterwards. Batch axes that were broadcast are summed by the engine.
    """

    def forward(self, a, b):
        try:
            out = a @ b
        except ValueError:
            _check_shapes(a, b)
            raise  # shapes fit: numpy objected to something else (the batch axes); apply restates it
        self.save_for_backward(a, b)
        return out

    def backward(self, grad):
        a, b = self.saved
        if a.ndim == 2 and b.ndim == 2:  # the common case, spelled out
            grad_a = grad @ b.T if self.needs_input_grad[0] else None
            grad_b = None
            if self.needs_input_grad[1]:
                # b = W.T (nn.Linear) is a transposed view: (gradᵀ @ a)ᵀ gives the same numbers laid out
                # like W itself, so the optimizer's update later runs over memory in order.
                transposed = b.flags.f_contiguous and not b.flags.c_contiguous
                grad_b = (grad.T @ a).T if transposed else a.T @ grad
            return grad_a, grad_b
        if a.ndim == 1 and b.ndim == 1:  # dot product: out = Σ a_i b_i
            return (grad * b if self.needs_input_grad[0] else None,
                    grad * a if self.needs_input_grad[1] else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        grad2 = grad
        if a.ndim == 1:
            grad2 = np.expand_dims(grad2, -2)
        if b.ndim == 1:
            grad2 = np.expand_dims(grad2, -1)
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            grad_a = grad2 @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                grad_a = grad_a[..., 0, :]
        if self.needs_input_grad[1]:
            grad_b = np.swapaxes(a2, -1, -2) @ grad2
            if b.ndim == 1:
                grad_b = grad_b[..., 0]
        return grad_a, grad_b


class Linear(Function):
    """out = x @ Wᵀ + b;  d/dx = grad @ W,  d/dW = gradᵀ @ x,  d/db = Σ_rows grad

    x [N, in], W [out, in], b [out] (optional): nn.Linear's layer, PyTorch's addmm. Each bias is added
    to every row, so its gradient sums the rows.
    Fused for speed: one node instead of three (transpose, matmul, add) per layer; as one op simple_net
    and the MLP came within 1.3× of numpy (benchmarks/, docs/performance.md).
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
