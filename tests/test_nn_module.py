"""nn.Module: registration, walking the tree, gradients and modes, dtype, repr and state_dict."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest
from conftest import simple_net

import tinygrad_edu as tg
from tinygrad_edu import nn


class Block(nn.Module):
    """Own parameter first, then a submodule, then another own parameter (registration order matters)."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(tg.ones(2))
        self.inner = nn.Linear(2, 3)
        self.shift = nn.Parameter(tg.zeros(3))
        self.note = "not a parameter"

    def forward(self, x):
        return self.inner(x * self.scale) + self.shift


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(Block(), nn.ReLU())
        self.head = nn.Linear(3, 1, bias=False)

    def forward(self, x):
        return self.head(self.body(x))


# ---- registration --------------------------------------------------------------------------------


def test_parameters_are_collected_in_assignment_order_with_dotted_names():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["body.0.scale", "body.0.shift", "body.0.inner.weight", "body.0.inner.bias",
                     "head.weight"]
    params = list(net.parameters())
    assert [p.shape for p in params] == [(2,), (3,), (3, 2), (3,), (1, 3)]
    assert params[2] is net.body[0].inner.weight
    assert [n for n, _ in net.body[0].named_parameters(recurse=False)] == ["scale", "shift"]
    assert all(isinstance(p, nn.Parameter) for p in params)


def test_shared_parameter_is_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert [name for name, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(seq.modules())) == 3  # the Sequential, lin once, ReLU


def test_reassigning_and_deleting_attributes_updates_registration():
    block = Block()
    block.scale = nn.Parameter(tg.ones(2) * 3)
    assert block.scale.tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match="nn.Parameter"):
        block.shift = tg.zeros(3)
    block.shift = None
    assert [n for n, _ in block.named_parameters()] == ["scale", "inner.weight", "inner.bias"]
    del block.inner
    assert [n for n, _ in block.named_parameters()] == ["scale"]
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'inner'"):
        _ = block.inner


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.lin = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_plain_tensor_requiring_grad_warns_that_it_is_not_registered():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = tg.randn(3, requires_grad=True)

    with pytest.warns(UserWarning, match="NOT registered"):
        model = Model()
    assert list(model.parameters()) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.constant = tg.ones(3)  # a tensor without grad is a normal attribute


def test_missing_forward_is_a_clear_error():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


# ---- gradients, modes, dtype ---------------------------------------------------------------------


def test_zero_grad_set_to_none_or_zeros():
    tg.manual_seed(0)
    net = simple_net()
    net(tg.randn(2, 784)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    assert all(g is not None and np.abs(g.numpy()).sum() > 0 for g in grads[2:])
    net.zero_grad(set_to_none=False)
    for p, g in zip(net.parameters(), grads, strict=True):
        assert p.grad is g and not g.numpy().any()  # same tensor, zeroed in place
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_flags_are_recursive():
    net = Net()
    assert net.training and all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.body.train(False)
    assert net.training and not net.body[0].inner.training


def test_module_to_float64_converts_parameters():
    lin = nn.Linear(2, 2).to(tg.float64)
    assert lin.weight.dtype == np.float64 and isinstance(lin.weight, nn.Parameter)
    assert lin.to("cpu") is lin and lin.float().weight.dtype == np.float32


def test_deepcopy_makes_an_independent_model():
    net = simple_net()
    twin = copy.deepcopy(net)
    assert isinstance(twin[0].weight, nn.Parameter) and twin[0].weight.requires_grad
    twin[0].weight._data[...] = 0
    assert net[0].weight.detach().numpy().any()


def test_repr_matches_pytorch():
    assert repr(simple_net()) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=30, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=30, out_features=1, bias=True)\n"
        ")"
    )
    assert repr(nn.Linear(3, 1, bias=False)) == "Linear(in_features=3, out_features=1, bias=False)"
    assert repr(Net()).splitlines()[:4] == [
        "Net(",
        "  (body): Sequential(",
        "    (0): Block(",
        "      (inner): Linear(in_features=2, out_features=3, bias=True)",
    ]


# ---- state_dict ----------------------------------------------------------------------------------


def test_state_dict_names_detached_tensors_sharing_storage():
    net = simple_net()
    state = net.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(type(t) is tg.Tensor and not t.requires_grad for t in state.values())
    net[0].bias._data[0] = 123.0  # shares storage, as in PyTorch
    assert state["0.bias"].tolist()[0] == 123.0


def test_state_dict_round_trip_reproduces_outputs():
    tg.manual_seed(0)
    a = simple_net()
    tg.manual_seed(1)
    b = simple_net()
    x = tg.randn(3, 784)
    assert not np.allclose(a(x).detach().numpy(), b(x).detach().numpy())
    state = {k: v.clone() for k, v in a.state_dict().items()}
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    b.load_state_dict({k: v.numpy() * 0 for k, v in a.state_dict().items()})  # numpy arrays work too
    assert not b(x).detach().numpy().any()


def test_load_state_dict_copies_values_instead_of_sharing():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.load_state_dict(a.state_dict())
    b.weight._data[...] = 7
    assert not (a.weight.detach().numpy() == 7).any()


def test_load_state_dict_errors_name_missing_unexpected_and_mismatched_keys():
    net = simple_net()
    before = net[0].weight.detach().numpy().copy()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    state["0.weight"] = tg.zeros(30, 783)
    del state["2.bias"]
    state["3.weight"] = tg.zeros(1)
    state["0.bias"] = tg.ones(30)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Sequential" in message
    assert 'Missing key(s) in state_dict: "2.bias".' in message
    assert 'Unexpected key(s) in state_dict: "3.weight".' in message
    assert "size mismatch for 0.weight: copying a param with shape (30, 783) from checkpoint, " \
           "the shape in current model is (30, 784)." in message
    # nothing was copied: every problem is found before any value changes
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), before)
    assert not (net[0].bias.detach().numpy() == 1).all()


def test_load_state_dict_not_strict_reports_keys_but_still_refuses_shape_mismatch():
    net = simple_net()
    state = {"0.bias": tg.ones(30), "extra": tg.zeros(1)}
    result = net.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["extra"] and "0.weight" in result.missing_keys
    assert (net[0].bias.detach().numpy() == 1).all()
    with pytest.raises(RuntimeError, match="size mismatch for 0.bias"):
        net.load_state_dict({"0.bias": tg.ones(3)}, strict=False)


def test_buffers_are_in_the_state_dict_unless_not_persistent():
    class WithStats(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.register_buffer("running_mean", tg.zeros(2))
            self.register_buffer("scratch", tg.zeros(2), persistent=False)

    m = WithStats()
    assert list(m.state_dict()) == ["running_mean", "lin.weight", "lin.bias"]  # own entries first, as PyTorch
    assert [n for n, _ in m.named_buffers()] == ["running_mean", "scratch"]
    assert [n for n, _ in m.named_parameters()] == ["lin.weight", "lin.bias"]
