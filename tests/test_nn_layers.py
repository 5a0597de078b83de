"""nn.Linear, the activation modules, Identity and Flatten: shapes, values, gradients and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import simple_net

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.function import ShapeError

# ---- Linear --------------------------------------------------------------------------------------


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


# ---- activations and small layers ----------------------------------------------------------------


def test_activation_modules_and_flatten():
    x = tg.tensor([[-2.0, 0.0, 3.0]])
    assert nn.ReLU()(x).tolist() == [[0.0, 0.0, 3.0]]
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh(x.numpy()), rtol=1e-6)
    assert nn.Flatten()(tg.zeros(4, 28, 28)).shape == (4, 784)
    assert nn.Identity()(x) is x
