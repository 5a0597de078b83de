"""nn.Sequential and nn.ModuleList: naming, indexing, forward and errors."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_sequential_names_children_indexing_and_iteration():
    a, b, c = nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c and list(seq) == [a, b, c]
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2"]
    assert list(seq.children()) == [a, b, c]
    assert [name for name, _ in seq.named_modules()] == ["", "0", "1", "2"]
    assert [name for name, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    head = seq[1:]
    assert isinstance(head, nn.Sequential) and list(head) == [b, c]
    assert [name for name, _ in head.named_children()] == ["1", "2"]
    named = nn.Sequential(OrderedDict([("hidden", a), ("act", b)]))
    assert [name for name, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]


def test_sequential_forward_chains_its_modules():
    tg.manual_seed(1)
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = tg.randn(5, 4)
    expected = seq[2](seq[1](seq[0](x)))
    np.testing.assert_array_equal(seq(x).detach().numpy(), expected.detach().numpy())


def test_sequential_rejects_classes_and_other_objects():
    with pytest.raises(TypeError, match="instance such as nn.ReLU"):
        nn.Sequential(nn.Linear(2, 2), nn.ReLU)
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(lambda x: x)


def test_module_list_registers_its_modules():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)])
    assert [name for name, _ in layers.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert len(layers) == 2 and layers[-1].out_features == 1
