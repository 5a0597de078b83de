"""Matrix products: ``MatMul`` (numpy's ``@``: 1-D, 2-D, batched), ``Linear`` (x @ Wᵀ + b), ``Einsum``."""

from __future__ import annotations

import string

import numpy as np

from ..function import Function, ShapeError


def _check_shapes(a, b):
    """Explain a matmul that numpy refused: no axes to multiply over, or inner sizes that differ (raised
    while numpy's error is being handled: ``from None`` keeps numpy's message out of the traceback)."""
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"matmul: {a.shape} @ {b.shape}: both operands need at least 1 dimension") \
            from None
    inner_a = a.shape[-1]
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if inner_a != inner_b:
        raise ShapeError(f"matmul: {a.shape} @ {b.shape}: inner dimensions {inner_a} and {inner_b} "
                         "differ") from None


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


def _parse_einsum(equation, shapes):
    """``equation`` for operands of ``shapes``, made explicit: (one subscript string per operand, the
    output's). Each dim an ellipsis covers gets a letter of its own (right-aligned, as numpy broadcasts
    them), and an implicit output is spelled out: the ellipsis, then the letters used once, sorted."""
    def fail(why):
        listed = ", ".join(str(tuple(shape)) for shape in shapes)
        raise ShapeError(f"einsum: {why} (equation {equation!r}, operand shapes {listed})")

    if not isinstance(equation, str):
        fail(f"the equation must be a string, not {type(equation).__name__}")
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        fail(f"{len(terms)} operand subscripts for {len(shapes)} operands")
    for term in terms + [rhs]:
        if term.count("...") > 1 or any(c not in string.ascii_letters for c in term.replace("...", "")):
            fail(f"{term!r} is not a subscript: letters a-z, A-Z and at most one '...'")
    letters = [term.replace("...", "") for term in terms]
    covered = [len(shape) - len(own) for own, shape in zip(letters, shapes)]  # the dims under '...'
    for i, term in enumerate(terms):
        if covered[i] < 0 or (covered[i] and "..." not in term):
            fail(f"operand {i} has {len(shapes[i])} dimensions but its subscripts {term!r} name "
                 f"{len(letters[i])}")
    ellipsis = "".join([c for c in string.ascii_letters if c not in equation][:max(covered)])
    explicit = [term.replace("...", ellipsis[len(ellipsis) - n:]) for term, n in zip(terms, covered)]
    sizes = {}
    for i, (term, shape) in enumerate(zip(explicit, shapes)):
        own = {}
        for c, n in zip(term, shape):
            if own.setdefault(c, n) != n:
                fail(f"operand {i} repeats subscript {c!r} over dimensions of sizes {own[c]} and {n}")
            seen = sizes.setdefault(c, n)
            if seen != n and 1 not in (seen, n):
                fail(f"subscript {c!r} names dimensions of sizes {seen} and {n}, which do not broadcast")
            sizes[c] = max(seen, n)
    if not arrow:
        used = "".join(letters)
        return explicit, ellipsis + "".join(sorted(c for c in set(used) if used.count(c) == 1))
    if ellipsis and "..." not in rhs:
        fail("the operands have dimensions under '...' but the output has no '...' for them")
    output = rhs.replace("...", ellipsis)
    if len(set(output)) != len(output) or any(c not in sizes for c in output):
        fail(f"the output {rhs!r} repeats a subscript or names one that no operand has")
    return explicit, output


def _einsum(terms, output, operands):
    return np.einsum(",".join(terms) + "->" + output, *operands, optimize=len(operands) > 2)


class Einsum(Function):
    """out = einsum(equation, a, b, ...);  d/da = einsum(grad, the other operands → a's subscripts)

    Each operand's gradient is itself an einsum: the output's gradient times all the other operands,
    summed over every index the operand lacks. An index the operand repeats ('ii->i', a diagonal) meets
    an identity matrix, so the gradient lands on the diagonal; an index only the operand has (summed
    in it alone) is broadcast back: each of those elements gets the same gradient.
    """

    def forward(self, *operands, equation=""):
        self.terms, self.output = _parse_einsum(equation, [a.shape for a in operands])
        self.save_for_backward(*operands)
        return _einsum(self.terms, self.output, operands)

    def backward(self, grad):
        needs = self.needs_input_grad
        return tuple(self._gradient(i, grad) if needed else None for i, needed in enumerate(needs))

    def _gradient(self, i, grad):
        term, shape = self.terms[i], self.saved[i].shape
        terms = [self.output] + [t for j, t in enumerate(self.terms) if j != i]
        operands = [grad] + [a for j, a in enumerate(self.saved) if j != i]
        fresh = iter(c for c in string.ascii_letters if c not in "".join(self.terms))
        wanted = ""  # the operand's subscripts, each repeat of an index renamed and tied to it by an identity
        for axis, c in enumerate(term):
            if c in term[:axis]:
                renamed = next(fresh)
                terms.append(c + renamed)
                operands.append(np.eye(shape[axis], dtype=grad.dtype))
                c = renamed
            wanted += c
        present = set("".join(terms))
        out = _einsum(terms, "".join(c for c in wanted if c in present), operands)
        out = np.expand_dims(out, tuple(k for k, c in enumerate(wanted) if c not in present))
        return np.broadcast_to(out, np.broadcast_shapes(out.shape, shape))
