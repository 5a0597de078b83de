"""Helpers on lists of parameters, shared by ``nn.Module`` and ``optim.Optimizer``."""

from __future__ import annotations

from collections.abc import Iterable

from ..tensor import Tensor


def zero_grad(params: Iterable[Tensor], set_to_none: bool = True) -> None:
    """Forget the gradients of ``params``, as PyTorch's ``zero_grad``.

    ``set_to_none=True`` (the default) sets every ``grad`` to None. With False each existing ``grad``
    is cut from any graph and filled with zeros in place (the same Tensor object stays).
    """
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            grad.grad_fn = None  # detach in place: the gradient is a plain leaf from now on
            grad.requires_grad_(False)
            grad.zero_()
