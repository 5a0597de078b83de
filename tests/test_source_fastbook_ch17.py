"""fastbook chapter 17 ("A Neural Net from the Foundations"), its patterns run with
``import tinygrad_edu as torch``.

The chapter builds matrix multiplication from loops, then from elementwise products, broadcasting and
einsum; shows that broadcasting copies nothing (storage and strides); writes a two-layer net's forward
and backward by hand, storing each gradient on a ``.g`` attribute; and ends with a custom autograd
Function for ReLU and a Module of its own. Each test checks the numbers against numpy or autograd.
"""

import math

import numpy as np
import pytest

import tinygrad_edu as torch
from tinygrad_edu import nn, tensor


def _pair(seed: int, rows: int = 5, inner: int = 6, cols: int = 4):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(rows, inner, generator=g), torch.randn(inner, cols, generator=g)


def loop_matmul(a, b):
    (ar, ac), (br, bc) = a.shape, b.shape
    assert ac == br
    out = torch.zeros(ar, bc)
    for i in range(ar):
        for j in range(bc):
            for k in range(ac):
                out[i, j] += a[i, k] * b[k, j]
    return out


def row_times_column_matmul(a, b):
    out = torch.zeros(a.shape[0], b.shape[1])
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            out[i, j] = (a[i] * b[:, j]).sum()
    return out


def broadcast_matmul(a, b):
    out = torch.zeros(a.shape[0], b.shape[1])
    for i in range(a.shape[0]):
        out[i] = (a[i].unsqueeze(-1) * b).sum(dim=0)
    return out


def test_matmul_by_loops_elementwise_broadcasting_and_einsum_all_agree():
    a, b = _pair(0)
    expected = a.numpy().astype(np.float64) @ b.numpy().astype(np.float64)
    for result in (loop_matmul(a, b), row_times_column_matmul(a, b), broadcast_matmul(a, b),
                   torch.einsum("ik,kj->ij", a, b), a @ b, a.mm(b), torch.matmul(a, b)):
        assert result.shape == (5, 4)
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-5, atol=1e-5)
    assert torch.allclose(broadcast_matmul(a, b), a @ b, atol=1e-5)
    # the same row written with None instead of unsqueeze
    np.testing.assert_allclose((a[2, :, None] * b).sum(dim=0).numpy(), expected[2], rtol=1e-5, atol=1e-5)


def test_elementwise_comparisons_and_the_frobenius_norm():
    a, b = tensor([10.0, 6, -4]), tensor([2.0, 8, 7])
    assert (a + b).tolist() == [12.0, 14.0, 3.0]
    assert (a < b).float().mean().item() == pytest.approx(2 / 3)
    m = tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert (m * m).sum().sqrt().item() == pytest.approx(math.sqrt(285))
    assert m.norm().item() == pytest.approx(math.sqrt(285))
    assert (a > 0).tolist() == [True, True, False]
    assert (2 * m)[1].tolist() == [8.0, 10.0, 12.0]


def test_broadcast_row_and_column_add_as_numpy():
    m = tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
    c = tensor([10.0, 20, 30])
    np.testing.assert_array_equal((m + c).numpy(), m.numpy() + c.numpy())
    np.testing.assert_array_equal((m + c[:, None]).numpy(), m.numpy() + c.numpy()[:, None])
    assert c.unsqueeze(0).shape == (1, 3) and c[None, :].shape == (1, 3)
    assert c.unsqueeze(1).shape == (3, 1) and c[..., None].shape == (3, 1)


def test_expand_as_copies_nothing_its_strides_say_so():
    m = torch.zeros(3, 3)
    c = tensor([10.0, 20, 30])
    rows = c.expand_as(m)
    assert rows.tolist() == [[10.0, 20.0, 30.0]] * 3
    assert rows.stride() == (0, 1) and rows.shape == (3, 3)
    assert c[:, None].expand_as(m).stride() == (1, 0)
    c[0] = 5.0  # one element changed: every row of the expanded view shows it
    assert rows[:, 0].tolist() == [5.0, 5.0, 5.0]


def test_storage_of_an_expanded_tensor_holds_only_the_original_elements():
    rows = tensor([10.0, 20, 30]).expand_as(torch.zeros(3, 3))
    storage = rows.storage()
    assert len(storage) == 3 and storage.tolist() == [10.0, 20.0, 30.0]


# ---- forward and backward by hand, gradients on .g attributes --------------------------------------------


def lin(x, w, b):
    return x @ w + b


def relu(x):
    return x.clamp_min(0.0)


def mse(output, target):
    return (output.squeeze(-1) - target).pow(2).mean()


def mse_grad(inp, target):
    inp.g = 2.0 * (inp.squeeze() - target).unsqueeze(-1) / inp.shape[0]


def relu_grad(inp, out):
    inp.g = (inp > 0).float() * out.g


def lin_grad(inp, out, w, b):
    inp.g = out.g @ w.t()
    w.g = (inp.unsqueeze(-1) * out.g.unsqueeze(1)).sum(0)
    b.g = out.g.sum(0)


def _net(seed: int):
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(20, 10, generator=g), torch.randn(20, generator=g)
    w1 = torch.randn(10, 8, generator=g) * math.sqrt(2 / 10)
    w2 = torch.randn(8, 1, generator=g) / math.sqrt(8)
    return x, y, w1, torch.zeros(8), w2, torch.zeros(1)


def test_hand_written_backward_on_g_attributes_equals_autograd():
    x, y, w1, b1, w2, b2 = _net(1)
    l1 = lin(x, w1, b1)
    l2 = relu(l1)
    out = lin(l2, w2, b2)
    loss = mse(out, y)
    mse_grad(out, y)
    lin_grad(l2, out, w2, b2)
    relu_grad(l1, l2)
    lin_grad(x, l1, w1, b1)
    handmade = [t.g for t in (x, w1, b1, w2, b2)]

    leaves = [t.clone().requires_grad_(True) for t in (x, w1, b1, w2, b2)]
    xa, w1a, b1a, w2a, b2a = leaves
    auto_loss = mse(lin(relu(lin(xa, w1a, b1a)), w2a, b2a), y)
    auto_loss.backward()
    assert auto_loss.item() == pytest.approx(loss.item(), rel=1e-6)
    for mine, leaf in zip(handmade, leaves):
        assert mine.shape == leaf.grad.shape
        np.testing.assert_allclose(mine.numpy(), leaf.grad.numpy(), rtol=1e-4, atol=1e-6)


class Relu:
    def __call__(self, inp):
        self.inp = inp
        self.out = inp.clamp_min(0.0)
        return self.out

    def backward(self):
        self.inp.g = (self.inp > 0).float() * self.out.g


class Lin:
    def __init__(self, w, b):
        self.w, self.b = w, b

    def __call__(self, inp):
        self.inp = inp
        self.out = inp @ self.w + self.b
        return self.out

    def backward(self):
        self.inp.g = self.out.g @ self.w.t()
        self.w.g = self.inp.t() @ self.out.g
        self.b.g = self.out.g.sum(0)


class Mse:
    def __call__(self, inp, target):
        self.inp, self.target = inp, target
        self.out = (inp.squeeze() - target).pow(2).mean()
        return self.out

    def backward(self):
        self.inp.g = 2.0 * (self.inp.squeeze() - self.target).unsqueeze(-1) / self.target.shape[0]


def test_layers_as_objects_with_their_own_backward_equal_autograd():
    x, y, w1, b1, w2, b2 = _net(2)
    layers, loss_fn = [Lin(w1, b1), Relu(), Lin(w2, b2)], Mse()
    h = x
    for layer in layers:
        h = layer(h)
    loss = loss_fn(h, y)
    loss_fn.backward()
    for layer in reversed(layers):
        layer.backward()
    w1a, w2a = w1.clone().requires_grad_(), w2.clone().requires_grad_()
    auto = ((relu(x @ w1a + b1) @ w2a + b2).squeeze() - y).pow(2).mean()
    auto.backward()
    assert auto.item() == pytest.approx(loss.item(), rel=1e-6)
    np.testing.assert_allclose(w1.g.numpy(), w1a.grad.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(w2.g.numpy(), w2a.grad.numpy(), rtol=1e-4, atol=1e-6)


class MyRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i.clamp_min(0.0)

    @staticmethod
    def backward(ctx, grad_out):
        (i,) = ctx.saved_tensors
        return grad_out * (i > 0).float()


def test_custom_relu_function_matches_the_builtin_relu():
    values = [-1.5, -0.25, 0.5, 2.0]
    mine = tensor(values, requires_grad=True)
    theirs = tensor(values, requires_grad=True)
    out = MyRelu.apply(mine)
    assert out.tolist() == [0.0, 0.0, 0.5, 2.0] and repr(out.grad_fn) == "<MyReluBackward>"
    (out * tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    (theirs.relu() * tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert mine.grad.tolist() == theirs.grad.tolist() == [0.0, 0.0, 3.0, 4.0]
    away_from_kink = torch.tensor([-1.0, -0.5, 0.4, 1.2], dtype=torch.float64, requires_grad=True)
    assert torch.gradcheck(MyRelu.apply, [away_from_kink])


class LinearLayer(nn.Module):
    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_out, n_in) * math.sqrt(2 / n_in))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight.t() + self.bias


def test_a_module_of_ones_own_registers_its_parameters_and_computes_xw_plus_b():
    torch.manual_seed(3)
    layer = LinearLayer(10, 2)
    weight, bias = layer.parameters()
    assert weight.shape == (2, 10) and bias.shape == (2,)
    x = torch.randn(4, 10)
    expected = x.numpy() @ weight.detach().numpy().T + bias.detach().numpy()
    np.testing.assert_allclose(layer(x).detach().numpy(), expected, rtol=1e-6)
    layer(x).sum().backward()
    np.testing.assert_allclose(weight.grad.numpy(), np.tile(x.numpy().sum(0), (2, 1)), rtol=1e-5)


def test_scaled_initialisation_keeps_activations_near_unit_scale():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(200, 100, generator=g)
    plain = x @ torch.randn(100, 100, generator=g)
    scaled = x @ (torch.randn(100, 100, generator=g) / math.sqrt(100))
    assert 8 < plain.std().item() < 12  # std grows by √100 without scaling
    assert 0.9 < scaled.std().item() < 1.1 and abs(scaled.mean().item()) < 0.05
