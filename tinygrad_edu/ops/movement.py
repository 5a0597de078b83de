"""Ops that move elements without changing them: reshape, permute, expand, indexing, concatenation.

Their backward moves the gradient back to where each element came from.
"""

from __future__ import annotations

import numpy as np

from ..function import Function


class Reshape(Function):
    """out = a viewed with a new shape;  the gradient is reshaped back"""

    def forward(self, a, shape=None):
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, grad):
        return (grad.reshape(self.shape),)


class Permute(Function):
    """out = a with its axes reordered;  the gradient gets the inverse order"""

    def forward(self, a, axes=None):
        self.axes = axes
        return a.transpose(axes)

    def backward(self, grad):
        inverse = sorted(range(len(self.axes)), key=self.axes.__getitem__)  # where each axis came from
        return (grad.transpose(inverse),)


class Expand(Function):
    """out = a broadcast to ``shape`` (no copy);  the engine sums the gradient back"""

    def forward(self, a, shape=None):
        return np.broadcast_to(a, shape)

    def backward(self, grad):
        return (grad,)


def _is_basic(index) -> bool:
    """Basic indexing (ints, slices, None, ...) never picks an element twice."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


class GetItem(Function):
    """out = a[index];  d/da: the gradient is scattered back to the picked positions
    (added up where integer-array indexing picks an element more than once)"""

    def forward(self, a, index=None):
        self.shape, self.index = a.shape, index
        return a[index]

    def backward(self, grad):
        full = np.zeros(self.shape, grad.dtype)
        if _is_basic(self.index):
            full[self.index] = grad
        else:
            np.add.at(full, self.index, grad)
        return (full,)


class Cat(Function):
    """out = the inputs joined along ``axis``;  each input gets its slice of the gradient"""

    def forward(self, *arrays, axis=0):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis)

    def backward(self, grad):
        cuts = np.cumsum(self.sizes)[:-1]
        pieces = np.split(grad, cuts, axis=self.axis)
        return tuple(piece if needed else None for piece, needed in zip(pieces, self.needs_input_grad))


class SetItem(Function):
    """out = a with out[index] = v;  d/da = grad, 0 at index,  d/dv = grad[index]

    The recorded form of ``x[index] = v`` on a tensor in the graph (the engine sums d/dv back to v's
    shape when v was broadcast into the slots).
    """

    def forward(self, a, v, index=None):
        self.index = index
        out = a.copy()
        out[index] = v
        return out

    def backward(self, grad):
        need_a, need_v = self.needs_input_grad
        grad_a = None
        if need_a:
            grad_a = grad.copy()
            grad_a[self.index] = 0
        return grad_a, grad[self.index] if need_v else None
