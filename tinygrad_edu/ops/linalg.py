"""Matrix multiplication, as numpy's ``@``: 1-D, 2-D and batched (leading axes broadcast)."""

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
