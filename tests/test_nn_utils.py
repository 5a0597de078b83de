"""nn.utils.zero_grad, the one function behind Module.zero_grad and Optimizer.zero_grad."""

from __future__ import annotations

import tinygrad_edu as tg
from tinygrad_edu import nn, optim
from tinygrad_edu.nn.utils import zero_grad


def params_with_grads() -> list[tg.Tensor]:
    """Three parameters: a plain gradient, a gradient that is a graph node, and no gradient at all."""
    a, b, c = (nn.Parameter(tg.ones(2)) for _ in range(3))
    a.grad = tg.tensor([1.0, 2.0])
    b.grad = tg.tensor([3.0, 4.0], requires_grad=True) * 2  # has a grad_fn, as PyTorch's create_graph
    return [a, b, c]


def test_set_to_none_is_the_default():
    params = params_with_grads()
    zero_grad(params)
    assert all(p.grad is None for p in params)


def test_zeros_in_place_and_detaches():
    params = params_with_grads()
    grads = [p.grad for p in params]
    zero_grad(params, set_to_none=False)
    for p, g in zip(params[:2], grads[:2], strict=True):
        assert p.grad is g and p.grad.tolist() == [0.0, 0.0]
        assert p.grad.grad_fn is None and p.grad.is_leaf and not p.grad.requires_grad
    assert params[2].grad is None  # no gradient: nothing to zero


def test_a_leaf_gradient_that_requires_grad_stops_requiring_it():
    p = nn.Parameter(tg.ones(2))
    p.grad = tg.tensor([1.0, 1.0], requires_grad=True)
    zero_grad([p], set_to_none=False)
    assert not p.grad.requires_grad and p.grad.tolist() == [0.0, 0.0]


def test_module_and_optimizer_zero_grad_behave_the_same():
    for zero in (lambda ps: Holder(ps).zero_grad(False),
                 lambda ps: optim.SGD(ps, lr=0.1).zero_grad(False)):
        params = params_with_grads()
        zero(params)
        assert [p.grad is None or (p.grad.tolist(), p.grad.grad_fn) for p in params] == [
            ([0.0, 0.0], None), ([0.0, 0.0], None), True]


class Holder(nn.Module):
    """A module owning the given parameters."""

    def __init__(self, params: list[nn.Parameter]) -> None:
        super().__init__()
        for i, p in enumerate(params):
            self.register_parameter(f"p{i}", p)
