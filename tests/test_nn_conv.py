"""nn.Conv1d, nn.Conv2d and the pooling modules (nn/conv.py): PyTorch's initialisation, drawn from the default
generator; their attributes and reprs as PyTorch's; forward is nn.functional's; bad arguments rejected."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn


def test_conv2d_parameters_and_pytorchs_initialisation():
    tg.manual_seed(0)
    conv = nn.Conv2d(3, 64, 5, groups=1)
    assert conv.weight.shape == (64, 3, 5, 5) and conv.bias.shape == (64,)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    bound = 1 / math.sqrt(3 * 5 * 5)  # kaiming_uniform_(a=√5) is U(±1/√fan_in); the bias too
    for p in (conv.weight, conv.bias):
        values = p.detach().numpy()
        assert values.dtype == np.float32 and np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.9 * bound  # spread over the whole interval
    assert abs(conv.weight.detach().numpy().std() - bound / math.sqrt(3)) < 0.05 * bound  # U(-b, b): std b/√3
    grouped = nn.Conv1d(6, 4, 3, groups=2, bias=False)
    assert grouped.weight.shape == (4, 3, 3) and grouped.bias is None
    assert np.abs(grouped.weight.detach().numpy()).max() <= 1 / math.sqrt(3 * 3)


def test_initialisation_follows_manual_seed():
    tg.manual_seed(3)
    a = nn.Conv2d(1, 4, 3)
    tg.manual_seed(3)
    b = nn.Conv2d(1, 4, 3)
    assert a.weight.tolist() == b.weight.tolist() and a.bias.tolist() == b.bias.tolist()
    assert nn.Conv2d(1, 4, 3).weight.tolist() != a.weight.tolist()  # the stream moved on


def test_reprs_and_attributes_as_pytorch():
    assert repr(nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1)) == \
        "Conv2d(1, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"
    assert repr(nn.Conv2d(2, 4, 3, padding="same")) == \
        "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=same)"
    assert repr(nn.Conv1d(2, 4, 3, dilation=2, groups=2, bias=False)) == \
        "Conv1d(2, 4, kernel_size=(3,), stride=(1,), dilation=(2,), groups=2, bias=False)"
    assert repr(nn.MaxPool2d(2)) == \
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool2d(4)) == "AvgPool2d(kernel_size=4, stride=4, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)"
    conv = nn.Conv2d(1, 4, (3, 5), stride=(2, 1))
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
            conv.groups, conv.padding_mode) == (1, 4, (3, 5), (2, 1), (0, 0), (1, 1), 1, "zeros")


def test_modules_compute_what_the_functions_compute():
    tg.manual_seed(1)
    x = tg.randn(2, 4, 9, 9)
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)
    assert conv(x).tolist() == F.conv2d(x, conv.weight, conv.bias, 2, 1, 1, 2).tolist()
    conv1 = nn.Conv1d(4, 2, 3, padding="same")
    rows = x[:, :, 0]
    assert conv1(rows).tolist() == F.conv1d(rows, conv1.weight, conv1.bias, padding="same").tolist()
    assert nn.MaxPool2d(3, 2, 1)(x).tolist() == F.max_pool2d(x, 3, 2, 1).tolist()
    assert nn.AvgPool2d(2, ceil_mode=True)(x).tolist() == F.avg_pool2d(x, 2, ceil_mode=True).tolist()
    assert nn.AdaptiveAvgPool2d((2, 3))(x).shape == (2, 4, 2, 3)


def test_a_conv_net_learns_and_its_gradients_reach_every_parameter():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(4, 2, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
    x = tg.randn(8, 1, 12, 12)
    y = (x.mean((1, 2, 3)) > 0).long()
    opt = tg.optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(30):
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        assert all(p.grad is not None and p.grad.abs().sum().item() > 0 for p in model.parameters())
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]


def test_bad_module_arguments_are_refused():
    with pytest.raises(ValueError, match=r"Conv2d: groups=2 must divide in_channels \(3\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="Conv2d: in_channels must be an integer of at least 0, got -1"):
        nn.Conv2d(-1, 4, 3)
    with pytest.raises(TypeError, match=r"Conv1d: kernel_size must be an int or a tuple of 1 ints, got"):
        nn.Conv1d(1, 4, (3, 3))
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        nn.Conv2d(1, 4, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="Conv2d: padding must be an int, a tuple, 'same' or 'valid'"):
        nn.Conv2d(1, 4, 3, padding="full")
    with pytest.raises(tg.ShapeError, match="expects input with 1 channels"):
        nn.Conv2d(1, 4, 3)(tg.zeros(2, 3, 8, 8))
