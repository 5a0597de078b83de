"""Autograd in about 60 lines: the idea inside tinygrad_edu, with nothing else around it.

If you know micrograd, this is its ``Value`` holding a numpy array instead of a number. Every
``MinimalTensor`` made by an operation remembers its ``parents`` (the tensors it was computed from)
and a ``chain_rule``: given d loss/d self, it returns d loss/d parent for each parent. ``backward()``
puts the graph in order (every tensor after the tensors it was computed from), then walks it from the
loss back to the leaves, adding up the gradients that reach each tensor along different paths.

It has only the six operations of fast.ai lesson 4's loss,

    loss = mean(where(y == 1, 1 - σ(x @ w + b), σ(x @ w + b)))

and none of a real framework's care: no dtype rules, no shape checks, no error messages, no hooks.
(σ(x @ w + b) is used twice in that line, so its gradient is the sum of two paths: that is why
``backward`` adds.) The benchmark times it as the floor, the least a Python autograd spends.

    python examples/autograd_in_60_lines.py     # its gradients beside tinygrad_edu's on 3s and 7s
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np
from backprop_by_hand import sigmoid

import tinygrad_edu as tg
from tinygrad_edu import lesson


def sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Undo numpy's broadcasting: add the gradient up over the axes the forward pass stretched."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class MinimalTensor:
    """An array, its gradient, and how it was computed (``parents`` and their ``chain_rule``)."""

    __slots__ = ("data", "grad", "requires_grad", "parents", "chain_rule")

    def __init__(self, data: np.ndarray, requires_grad: bool = False, parents: tuple = (),
                 chain_rule: Callable | None = None) -> None:
        self.data = data
        self.grad = None              # d loss/d self, filled in by backward() on leaves that require it
        self.requires_grad = requires_grad or any(p.requires_grad for p in parents)
        self.parents = parents
        self.chain_rule = chain_rule  # d loss/d self -> (d loss/d parent, ...); None on a leaf

    def __matmul__(self, other: MinimalTensor) -> MinimalTensor:
        x, w = self.data, other.data  # z = x @ w:  dz/dx = g @ wᵀ,  dz/dw = xᵀ @ g (g = d loss/dz)
        return MinimalTensor(x @ w, parents=(self, other), chain_rule=lambda g: (
            g @ w.T if self.requires_grad else None, x.T @ g if other.requires_grad else None))

    def __add__(self, other: MinimalTensor) -> MinimalTensor:  # d(a + b)/da = d(a + b)/db = 1
        a, b = self.data.shape, other.data.shape
        return MinimalTensor(self.data + other.data, parents=(self, other),
                             chain_rule=lambda g: (sum_to_shape(g, a), sum_to_shape(g, b)))

    def __rsub__(self, number: float) -> MinimalTensor:  # number - self: d/dself = -1
        return MinimalTensor(number - self.data, parents=(self,), chain_rule=lambda g: (-g,))

    def sigmoid(self) -> MinimalTensor:  # dσ/dz = σ(1 - σ)
        s = sigmoid(self.data)
        return MinimalTensor(s, parents=(self,), chain_rule=lambda g: (g * s * (1 - s),))

    def mean(self) -> MinimalTensor:  # d mean/d x_i = 1/n
        shape, n, dtype = self.data.shape, self.data.size, self.data.dtype
        return MinimalTensor(self.data.mean(), parents=(self,),
                             chain_rule=lambda g: (np.full(shape, g / n, dtype),))

    def backward(self) -> None:
        """Add d self/d leaf to ``leaf.grad`` for every leaf that requires a gradient."""
        order, seen = [], set()

        def visit(node: MinimalTensor) -> None:  # micrograd's topological sort
            if node not in seen:
                seen.add(node)
                for parent in node.parents:
                    if parent.requires_grad:
                        visit(parent)
                order.append(node)

        visit(self)
        grads = {self: np.ones_like(self.data)}  # d self/d self = 1
        for node in reversed(order):  # every node after all the nodes computed from it
            grad = grads.pop(node)
            if node.chain_rule is None:  # a leaf: keep the gradient, adding to what is there
                node.grad = grad.copy() if node.grad is None else node.grad + grad
                continue
            for parent, parent_grad in zip(node.parents, node.chain_rule(grad), strict=True):
                if parent_grad is not None:
                    grads[parent] = grads[parent] + parent_grad if parent in grads else parent_grad


def where(condition: np.ndarray, a: MinimalTensor, b: MinimalTensor) -> MinimalTensor:
    """a where ``condition`` holds, b elsewhere; the gradient is routed the same way."""

    def chain_rule(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        zero = np.zeros((), g.dtype)
        return np.where(condition, g, zero), np.where(condition, zero, g)

    return MinimalTensor(np.where(condition, a.data, b.data), parents=(a, b), chain_rule=chain_rule)


def main(images_per_digit: int = 4, quiet: bool = False) -> dict:
    """The lesson's loss on a few 3s and 7s: the gradients of MinimalTensor and of tinygrad_edu.

    Both run the chapter's own ``linear1`` and ``mnist_loss`` from ``tinygrad_edu.lesson``: handed this
    module as ``torch``, they build MinimalTensors (the chapter's code only needs ``@``, ``+``, ``1 -``,
    ``sigmoid``, ``where`` and ``mean``)."""
    data = lesson.threes_and_sevens()
    rows = np.r_[:images_per_digit, len(data.train.x) - images_per_digit:len(data.train.x)]  # 3s, 7s
    x, y = data.train.x.numpy()[rows], data.train.y.numpy()[rows]
    tg.manual_seed(0)
    weights, bias = lesson.init_params((lesson.PIXELS, 1), std=0.05), lesson.init_params(1, std=0.05)
    linear1, mnist_loss, _ = lesson.chapter_functions(weights, bias, valid=[])
    loss = mnist_loss(linear1(tg.tensor(x)), tg.tensor(y))
    loss.backward()

    w = MinimalTensor(weights.detach().numpy().copy(), requires_grad=True)
    b = MinimalTensor(bias.detach().numpy().copy(), requires_grad=True)
    linear1, mnist_loss, _ = lesson.chapter_functions(w, b, valid=[], torch=sys.modules[__name__])
    minimal_loss = mnist_loss(linear1(MinimalTensor(x)), y)
    minimal_loss.backward()

    busiest = np.argsort(-np.abs(w.grad[:, 0]))[:5]  # the pixels whose weights move most
    if not quiet:
        print(f"loss: MinimalTensor {float(minimal_loss.data):.6f}, tinygrad_edu {loss.item():.6f}")
        print(f"{'gradient of':>16}  {'MinimalTensor':>14}  {'tinygrad_edu':>13}")
        print(f"{'bias':>16}  {b.grad[0]:>14.8f}  {bias.grad.numpy()[0]:>13.8f}")
        for pixel in busiest:
            row, column = divmod(int(pixel), 28)
            print(f"{f'weight ({row:2d}, {column:2d})':>16}  {w.grad[pixel, 0]:>14.8f}  "
                  f"{weights.grad.numpy()[pixel, 0]:>13.8f}")
        gap = np.max(np.abs(w.grad - weights.grad.numpy()))
        print(f"largest difference over all 784 weight gradients: {gap:.2g}")
    return {"loss": (float(minimal_loss.data), loss.item()),
            "grads": ([w.grad, b.grad], [weights.grad.numpy(), bias.grad.numpy()])}


if __name__ == "__main__":
    main()
