"""nn.Module, nn.Parameter, Linear, Sequential and friends: registration, values, state, errors."""

from __future__ import annotations

import copy
import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.function import ShapeError


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


def simple_net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(28 * 28, 30), nn.ReLU(), nn.Linear(30, 1))


# ---- Parameter ---------------------------------------------------------------------------------


def test_parameter_is_a_leaf_tensor_that_requires_grad_and_shares_storage():
    t = tg.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, tg.Tensor) and p.requires_grad and p.is_leaf and p.grad is None
    t._data[0] = 5.0
    assert p.tolist() == [5.0, 2.0]
    assert not nn.Parameter(t, requires_grad=False).requires_grad
    assert nn.Parameter(np.zeros(2, np.float64)).dtype == np.float64
    assert nn.Parameter([1, 2.5]).dtype == np.float32
    assert nn.Parameter().shape == (0,)


def test_parameter_repr_and_ops_give_plain_tensors():
    p = nn.Parameter(tg.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    out = p * 2
    assert type(out) is tg.Tensor and out.grad_fn is not None


def test_integer_parameter_that_requires_grad_is_an_error():
    with pytest.raises(RuntimeError, match="floating-point"):
        nn.Parameter(tg.tensor([1, 2]))


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


def test_shared_parameter_is_listed_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert [name for name, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(seq.modules())) == 3  # the Sequential, lin once, ReLU


def test_module_list_registers_its_modules():
    layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)])
    assert [name for name, _ in layers.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert len(layers) == 2 and layers[-1].out_features == 1


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


# ---- Linear ----------------------------------------------------------------------------------------


def test_linear_shapes_and_pytorch_default_init_range():
    tg.manual_seed(0)
    lin = nn.Linear(784, 30)
    assert lin.weight.shape == (30, 784) and lin.bias.shape == (30,)
    assert lin.weight.dtype == np.float32 and lin.bias.dtype == np.float32
    bound = 1 / math.sqrt(784)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(lin.bias.detach().numpy()).max() <= bound
    # uniform over the whole interval: the extremes come close to ±bound, the mean and std are U's
    assert w.max() > 0.99 * bound and w.min() < -0.99 * bound
    assert abs(w.mean()) < 0.02 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound


def test_linear_forward_equals_numpy_and_gradients_are_right():
    tg.manual_seed(3)
    lin = nn.Linear(5, 3)
    x = tg.randn(4, 5)
    out = lin(x)
    W, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), x.numpy() @ W.T + b, rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.ones((4, 3)).T @ x.numpy(), rtol=1e-6)
    np.testing.assert_allclose(lin.bias.grad.numpy(), np.full(3, 4.0))


def test_linear_without_bias_and_batched_input():
    tg.manual_seed(4)
    lin = nn.Linear(3, 2, bias=False)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    x = tg.randn(2, 4, 3)
    np.testing.assert_allclose(lin(x).detach().numpy(), x.numpy() @ lin.weight.detach().numpy().T, rtol=1e-6)


def test_linear_wrong_input_shape_names_layer_and_shapes():
    lin = nn.Linear(784, 1)
    with pytest.raises(ShapeError, match=r"Linear\(in_features=784.*\(256, 28, 28\).*x.view\(-1, 784\)"):
        lin(tg.zeros(256, 28, 28))
    with pytest.raises(ShapeError, match=r"\(10, 783\).*expects 784"):
        lin(tg.zeros(10, 783))


def test_seeded_models_are_reproducible():
    tg.manual_seed(42)
    a = simple_net()
    tg.manual_seed(42)
    b = simple_net()
    tg.manual_seed(43)
    c = simple_net()
    for pa, pb, pc in zip(a.parameters(), b.parameters(), c.parameters(), strict=True):
        np.testing.assert_array_equal(pa.detach().numpy(), pb.detach().numpy())
        assert not np.array_equal(pa.detach().numpy(), pc.detach().numpy())


# ---- activations and small layers --------------------------------------------------------------------


def test_activation_modules_and_flatten():
    x = tg.tensor([[-2.0, 0.0, 3.0]])
    assert nn.ReLU()(x).tolist() == [[0.0, 0.0, 3.0]]
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh(x.numpy()), rtol=1e-6)
    assert nn.Flatten()(tg.zeros(4, 28, 28)).shape == (4, 784)
    assert nn.Identity()(x) is x


# ---- gradients, modes, dtype ------------------------------------------------------------------------


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


# ---- state_dict -----------------------------------------------------------------------------------------


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


# ---- loss modules and a tiny training run -------------------------------------------------------------


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
