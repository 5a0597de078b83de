"""fastbook chapter 5's cross-entropy section, its patterns run with ``import tinygrad_edu as torch``.

The chapter builds cross-entropy from its parts: softmax (with two columns it is the sigmoid of the
difference), picking each row's target probability by indexing, the log, ``nll_loss`` on
log-probabilities, and finally ``nn.CrossEntropyLoss`` / ``F.cross_entropy`` doing all of it at once.
Here every step is checked against numpy, and shapes print as PyTorch's ``torch.Size([...])``.
"""

import numpy as np
import pytest

import tinygrad_edu as torch
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, tensor

TARGETS = [0, 1, 0, 1, 1, 0]


def _scores():
    g = torch.Generator().manual_seed(42)
    acts = torch.randn((6, 2), generator=g) * 2
    return acts, acts.numpy().astype(np.float64), tensor(TARGETS)


def _np_log_softmax(a: np.ndarray) -> np.ndarray:
    shifted = a - a.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def my_softmax(x):
    return torch.exp(x) / torch.exp(x).sum(dim=1, keepdim=True)


def test_softmax_by_hand_equals_torch_softmax_and_numpy():
    acts, a, _ = _scores()
    expected = np.exp(_np_log_softmax(a))
    np.testing.assert_allclose(my_softmax(acts).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(torch.softmax(acts, dim=1).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(F.softmax(acts, dim=1).numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(torch.softmax(acts, dim=1).sum(1).numpy(), np.ones(6), rtol=1e-6)


def test_two_column_softmax_is_the_sigmoid_of_the_difference():
    acts, _, _ = _scores()
    first = torch.softmax(acts, dim=1)[:, 0]
    via_sigmoid = (acts[:, 0] - acts[:, 1]).sigmoid()
    np.testing.assert_allclose(first.numpy(), via_sigmoid.numpy(), rtol=1e-6, atol=1e-7)


def test_indexing_picks_each_rows_target_and_nll_loss_negates_it():
    acts, a, targ = _scores()
    probs = torch.softmax(acts, dim=1)
    idx = range(6)
    picked = probs[idx, targ]
    np.testing.assert_allclose(picked.numpy(), np.exp(_np_log_softmax(a))[np.arange(6), TARGETS], rtol=1e-6)
    per_row = F.nll_loss(probs, targ, reduction="none")
    assert per_row.tolist() == (-picked).tolist()
    assert F.nll_loss(probs, targ).item() == pytest.approx(-picked.mean().item(), rel=1e-6)


def test_log_softmax_then_nll_loss_is_cross_entropy_in_every_spelling():
    acts, a, targ = _scores()
    log_p = _np_log_softmax(a)
    per_row = -log_p[np.arange(6), TARGETS]
    np.testing.assert_allclose(torch.log_softmax(acts, dim=1).numpy(), log_p, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(torch.log(torch.softmax(acts, dim=1)).numpy(), log_p, rtol=1e-5, atol=1e-6)
    losses = [F.nll_loss(torch.log_softmax(acts, dim=1), targ), nn.CrossEntropyLoss()(acts, targ),
              F.cross_entropy(acts, targ)]
    for loss in losses:
        assert loss.shape == () and loss.item() == pytest.approx(per_row.mean(), rel=1e-6)
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction="none")(acts, targ).numpy(), per_row, rtol=1e-5)
    assert nn.CrossEntropyLoss(reduction="sum")(acts, targ).item() == pytest.approx(per_row.sum(), rel=1e-6)


def test_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    acts, a, targ = _scores()
    acts.requires_grad_()
    F.cross_entropy(acts, targ).backward()
    expected = (np.exp(_np_log_softmax(a)) - np.eye(2)[TARGETS]) / 6
    np.testing.assert_allclose(acts.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_shapes_compare_as_tuples():
    acts, _, _ = _scores()
    assert acts.shape == (6, 2) and acts.size() == (6, 2) and acts.size(1) == 2
    assert isinstance(acts.shape, tuple) and acts.shape[0] == 6


def test_shape_prints_as_torch_size():
    acts, _, _ = _scores()
    assert repr(acts.shape) == "torch.Size([6, 2])"
    assert repr(torch.zeros(()).shape) == "torch.Size([])"
    assert isinstance(acts.shape, torch.Size) and torch.Size([6, 2]) == acts.shape
    assert acts.shape.numel() == 12
