"""nn.BatchNorm1d and nn.BatchNorm2d (nn/batchnorm.py): training and eval against PyTorch (values, gradients,
running statistics with every kind of momentum), buffers as PyTorch's, and the errors."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_buffers_parameters_and_repr_as_pytorch():
    bn = nn.BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [name for name, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert bn.running_mean.tolist() == [0.0] * 3 and bn.running_var.tolist() == [1.0] * 3
    assert bn.num_batches_tracked.dtype == tg.int64 and not bn.running_mean.requires_grad
    assert repr(bn) == ("BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                        "track_running_stats=True)")
    bare = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    assert list(bare.parameters()) == [] and list(bare.state_dict()) == []
    assert bare.running_mean is None and bare.weight is None
    assert [name for name, _ in nn.BatchNorm1d(2, bias=False).named_parameters()] == ["weight"]


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("kind", ["BatchNorm1d", "BatchNorm1d-3d", "BatchNorm2d"])
def test_training_and_eval_match_pytorch(kind, momentum):
    torch = pytest.importorskip("torch")
    name = kind.split("-")[0]
    shape = {"BatchNorm1d": (6, 3), "BatchNorm1d-3d": (4, 3, 5), "BatchNorm2d": (4, 3, 2, 3)}[kind]
    ours = getattr(nn, name)(3, momentum=momentum).double()
    theirs = getattr(torch.nn, name)(3, momentum=momentum).double()
    rng = np.random.default_rng(0)
    with tg.no_grad():
        ours.weight.copy_(tg.tensor(rng.standard_normal(3), dtype=tg.float64))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
    for step in range(4):
        x = rng.standard_normal(shape) * 2 + step
        a, b = tg.tensor(x, dtype=tg.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
        out_a, out_b = ours(a), theirs(b)
        upstream = rng.standard_normal(shape)
        (out_a * tg.tensor(upstream, dtype=tg.float64)).sum().backward()
        (out_b * torch.tensor(upstream)).sum().backward()
        np.testing.assert_allclose(out_a.detach().numpy(), out_b.detach().numpy(), atol=1e-10)
        for p, q in ((a, b), (ours.weight, theirs.weight), (ours.bias, theirs.bias)):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-10)
    for buffer in ("running_mean", "running_var"):
        np.testing.assert_allclose(getattr(ours, buffer).numpy(), getattr(theirs, buffer).numpy(), atol=1e-12)
    assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 4
    ours.eval()
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours(tg.tensor(x, dtype=tg.float64)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), atol=1e-10)
    assert ours.num_batches_tracked.item() == 4  # eval does not count


def test_momentum_none_is_the_cumulative_average_and_eval_uses_the_running_statistics():
    bn = nn.BatchNorm1d(2, momentum=None)
    batches = [np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[4.0, 1.0], [6.0, 5.0]]),
               np.array([[1.0, 1.0], [1.0, 2.0]])]
    for b in batches:
        bn(tg.tensor(b))
    means = np.mean([b.mean(0) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), means, rtol=1e-6)
    unbiased = np.mean([b.var(0, ddof=1) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_var.numpy(), unbiased, rtol=1e-6)
    bn.eval()
    x = tg.tensor([[3.0, 4.0]])  # one sample is fine in eval
    expected = (x.numpy() - bn.running_mean.numpy()) / np.sqrt(bn.running_var.numpy() + 1e-5)
    np.testing.assert_allclose(bn(x).detach().numpy(), expected, rtol=1e-6)


def test_without_running_statistics_eval_still_uses_the_batch():
    bn = nn.BatchNorm1d(3, track_running_stats=False).eval()
    out = bn(tg.randn(16, 3) * 5 + 2)
    np.testing.assert_allclose(out.detach().numpy().mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(out.detach().numpy().std(0), 1, atol=1e-3)


def test_state_dict_round_trip_carries_the_running_statistics():
    bn = nn.BatchNorm2d(2)
    bn(tg.randn(4, 2, 3, 3) + 1)
    fresh = nn.BatchNorm2d(2)
    fresh.load_state_dict(bn.state_dict())
    assert fresh.running_mean.tolist() == bn.running_mean.tolist()
    assert fresh.num_batches_tracked.item() == 1
    bn.reset_running_stats()
    assert bn.running_var.tolist() == [1.0, 1.0] and bn.num_batches_tracked.item() == 0


def test_errors_name_the_module_and_the_shapes():
    with pytest.raises(tg.ShapeError, match=r"BatchNorm2d: expected 4-D input, got shape \(2, 3, 4\)"):
        nn.BatchNorm2d(3)(tg.zeros(2, 3, 4))
    with pytest.raises(tg.ShapeError, match=r"BatchNorm1d: expected 3 channels \(dim 1\), got input of"):
        nn.BatchNorm1d(3)(tg.zeros(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tg.zeros(1, 3))
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        nn.BatchNorm1d(0)
