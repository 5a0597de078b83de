"""The loss modules (nn.MSELoss, ...) against nn.functional, and a tiny training run."""

from __future__ import annotations

import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_loss_modules_match_functional():
    x, t = tg.tensor([[0.5, -1.0], [2.0, 0.0]]), tg.tensor([[1.0, 0.0], [0.0, 1.0]])
    F = nn.functional
    assert nn.MSELoss()(x, t).item() == F.mse_loss(x, t).item()
    assert nn.L1Loss(reduction="sum")(x, t).item() == F.l1_loss(x, t, reduction="sum").item()
    assert nn.BCEWithLogitsLoss()(x, t).item() == F.binary_cross_entropy_with_logits(x, t).item()
    assert nn.BCELoss()(x.sigmoid(), t).item() == F.binary_cross_entropy(x.sigmoid(), t).item()
    classes = tg.tensor([1, 0])
    assert nn.CrossEntropyLoss()(x, classes).item() == F.cross_entropy(x, classes).item()
    assert nn.NLLLoss()(x.log_softmax(1), classes).item() == F.nll_loss(x.log_softmax(1), classes).item()
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="avg")


def test_simple_net_learns_a_separable_problem():
    tg.manual_seed(0)
    x = tg.randn(64, 4)
    y = (x[:, 0:1] > 0).float()
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    losses = []
    for _ in range(30):
        loss = nn.functional.binary_cross_entropy_with_logits(net(x), y)
        loss.backward()
        for p in net.parameters():
            p.data -= p.grad * 0.5
        net.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
