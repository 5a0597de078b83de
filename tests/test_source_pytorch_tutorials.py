"""PyTorch's own beginner tutorials, their patterns run with ``import tinygrad_edu as torch``.

The tutorials fit a cubic to sin(x) four ways (tensors and hand-written gradients, autograd, a custom
autograd Function, nn + optim), then show autograd's basics (gradient= for a non-scalar output,
requires_grad, detach, no_grad, retain_graph, Jacobian-vector products). Each test here writes such a
pattern in this project's words and checks its numbers against the same algorithm in numpy.
Sizes are kept small (200 points, a few hundred steps) so the module runs in about a second.
"""

import math

import numpy as np
import pytest
from test_autograd import Legendre3  # P₃(x) = (5x³ - 3x) / 2 as an autograd.Function, as the tutorial

import tinygrad_edu as torch
import tinygrad_edu.nn.functional as F

POINTS, STEPS = 200, 300


def _grid(dtype=torch.float):
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, POINTS, device=device, dtype=dtype)
    return x, torch.sin(x)


def _start(seed: int, dtype=torch.float, requires_grad: bool = False) -> list:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn((), dtype=dtype, generator=g, requires_grad=requires_grad) for _ in range(4)]


def _numpy_cubic_fit(coefs: list[float], x: np.ndarray, steps: int, lr: float) -> tuple[np.ndarray, float]:
    """The reference: gradient descent on Σ(ŷ - y)² for ŷ = a + b x + c x² + d x³, in float64."""
    y, c = np.sin(x), np.array(coefs, np.float64)
    powers = np.stack([x**0, x, x**2, x**3])
    for _ in range(steps):
        err = c @ powers - y
        loss = float((err**2).sum())
        c = c - lr * (2 * err * powers).sum(axis=1)
    return c, loss


def test_cubic_fit_with_tensors_and_gradients_by_hand():
    x, y = _grid()
    a, b, c, d = _start(0)
    first = [t.item() for t in (a, b, c, d)]
    lr = 1e-5
    for _ in range(STEPS):
        pred = a + b * x + c * x**2 + d * x**3
        loss = (pred - y).pow(2).sum().item()
        dpred = 2.0 * (pred - y)
        a, b, c, d = (a - lr * dpred.sum(), b - lr * (dpred * x).sum(), c - lr * (dpred * x**2).sum(),
                      d - lr * (dpred * x**3).sum())
    expected, expected_loss = _numpy_cubic_fit(first, x.numpy().astype(np.float64), STEPS, lr)
    np.testing.assert_allclose([a.item(), b.item(), c.item(), d.item()], expected, rtol=2e-4, atol=2e-5)
    assert loss == pytest.approx(expected_loss, rel=1e-3)
    assert a.dtype == torch.float32 and str(a.device) == "cpu"


def test_cubic_fit_with_autograd_matches_the_hand_written_gradients():
    x, y = _grid(torch.float64)
    params = _start(1, torch.float64, requires_grad=True)
    first = [p.item() for p in params]
    lr = 1e-5
    for _ in range(STEPS):
        a, b, c, d = params
        loss = (a + b * x + c * x**2 + d * x**3 - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    expected, expected_loss = _numpy_cubic_fit(first, x.numpy(), STEPS, lr)
    np.testing.assert_allclose([p.item() for p in params], expected, rtol=1e-10)
    assert loss.item() == pytest.approx(expected_loss, rel=1e-10)
    assert all(p.requires_grad and p.grad is None for p in params)


def test_custom_function_fit_matches_numpy_and_passes_gradcheck():
    x, y = _grid(torch.float64)
    start = {"a": 0.0, "b": -1.0, "c": 0.0, "d": 0.3}
    params = {k: torch.full((), v, dtype=torch.float64, requires_grad=True) for k, v in start.items()}
    lr, steps = 5e-5, 100
    ref = dict(start)
    xs, ys = x.numpy(), y.numpy()
    for _ in range(steps):
        a, b, c, d = params.values()
        pred = a + b * Legendre3.apply(c + d * x)
        (pred - y).pow(2).sum().backward()
        with torch.no_grad():
            for p in params.values():
                p -= lr * p.grad
                p.grad = None
        # the same step in numpy
        inner = ref["c"] + ref["d"] * xs
        p3, dp3 = 0.5 * (5 * inner**3 - 3 * inner), 1.5 * (5 * inner**2 - 1)
        err2 = 2 * (ref["a"] + ref["b"] * p3 - ys)
        grads = {"a": err2.sum(), "b": (err2 * p3).sum(), "c": (err2 * ref["b"] * dp3).sum(),
                 "d": (err2 * ref["b"] * dp3 * xs).sum()}
        ref = {k: ref[k] - lr * grads[k] for k in ref}
    got = [p.item() for p in params.values()]
    np.testing.assert_allclose(got, list(ref.values()), rtol=1e-10, atol=1e-13)
    probe = torch.tensor([-0.7, 0.1, 0.9], dtype=torch.float64, requires_grad=True)
    assert torch.gradcheck(Legendre3.apply, [probe])
    assert repr(Legendre3.apply(probe).grad_fn) == "<Legendre3Backward>"


def _features(x):
    return x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))


def test_cubic_fit_with_nn_sequential_and_manual_updates():
    torch.manual_seed(3)
    x, y = _grid()
    feats = _features(x)
    assert feats.shape == (POINTS, 3) and feats.dtype == torch.float32
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    layer = model[0]
    w0, b0 = layer.weight.detach().numpy().astype(np.float64)[0], layer.bias.item()
    lr = 1e-5
    for _ in range(STEPS):
        loss = loss_fn(model(feats), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= lr * param.grad
    expected, _ = _numpy_cubic_fit([b0, *w0], x.numpy().astype(np.float64), STEPS, lr)
    got = [layer.bias.item(), layer.weight[:, 0].item(), layer.weight[:, 1].item(), layer.weight[:, 2].item()]
    np.testing.assert_allclose(got, expected, rtol=2e-4, atol=2e-5)


def test_cubic_fit_with_rmsprop_matches_numpy_rmsprop():
    torch.manual_seed(4)
    x, y = _grid(torch.float64)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).double()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    c = np.concatenate([model[0].bias.detach().numpy(), model[0].weight.detach().numpy()[0]])
    powers = np.stack([x.numpy() ** k for k in range(4)])
    square_avg = np.zeros(4)
    losses, expected_losses = [], []
    for _ in range(50):
        loss = torch.nn.MSELoss(reduction="sum")(model(_features(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        err = c @ powers - np.sin(x.numpy())
        expected_losses.append(float((err**2).sum()))
        grad = (2 * err * powers).sum(axis=1)
        square_avg = 0.99 * square_avg + 0.01 * grad**2
        c = c - 1e-3 * grad / (np.sqrt(square_avg) + 1e-8)
    np.testing.assert_allclose(losses, expected_losses, rtol=1e-9)
    got = np.concatenate([model[0].bias.detach().numpy(), model[0].weight.detach().numpy()[0]])
    np.testing.assert_allclose(got, c, rtol=1e-9)


class CubicModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c, self.d = (torch.nn.Parameter(torch.randn(())) for _ in range(4))

    def forward(self, x):
        return self.a + self.b * x + self.c * x**2 + self.d * x**3


def test_module_of_scalar_parameters_with_sgd():
    torch.manual_seed(5)
    x, y = _grid()
    model = CubicModel()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["a", "b", "c", "d"]
    first = [getattr(model, n).item() for n in names]
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-5)
    criterion = torch.nn.MSELoss(reduction="sum")
    for _ in range(STEPS):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    expected, _ = _numpy_cubic_fit(first, x.numpy().astype(np.float64), STEPS, 1e-5)
    np.testing.assert_allclose([getattr(model, n).item() for n in names], expected, rtol=2e-4, atol=2e-5)


# ---- autograd's basics --------------------------------------------------------------------------------


def test_backward_of_a_vector_output_with_gradient_argument():
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    q = 3 * a**3 - b**2
    q.backward(gradient=torch.tensor([1.0, 1.0]))
    assert (a.grad == 9 * a**2).all().item() and a.grad.tolist() == [36.0, 81.0]
    assert (b.grad == -2 * b).all().item() and b.grad.tolist() == [-12.0, -8.0]


def test_requires_grad_spreads_only_from_tensors_that_ask():
    x, y = torch.rand(5, 5), torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    assert not (x + y).requires_grad and (x + z).requires_grad
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Linear(3, 2))
    for p in model[0].parameters():
        p.requires_grad = False
    model(torch.ones(1, 4)).sum().backward()
    assert model[0].weight.grad is None and model[1].weight.grad is not None


def test_one_layer_with_logits_loss_gradients_match_numpy():
    g = torch.Generator().manual_seed(6)
    x, y = torch.ones(5), torch.zeros(3)
    w = torch.randn(5, 3, generator=g, requires_grad=True)
    b = torch.randn(3, generator=g, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = F.binary_cross_entropy_with_logits(z, y)
    assert loss.grad_fn is not None and z.grad_fn is not None
    loss.backward()
    zn = np.ones(5) @ w.detach().numpy().astype(np.float64) + b.detach().numpy()
    dz = (1 / (1 + np.exp(-zn)) - 0) / 3
    assert loss.item() == pytest.approx(np.mean(np.log1p(np.exp(zn))), rel=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), np.outer(np.ones(5), dz), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), dz, rtol=1e-6)
    with torch.no_grad():
        assert not (torch.matmul(x, w) + b).requires_grad
    assert not z.detach().requires_grad and z.requires_grad


def test_vector_jacobian_products_accumulate_until_zeroed():
    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    assert out.shape == (5, 4)
    once = 2 * (np.eye(4, 5) + 1)
    out.backward(torch.ones_like(out), retain_graph=True)
    np.testing.assert_array_equal(inp.grad.numpy(), once)
    out.backward(torch.ones_like(out), retain_graph=True)
    np.testing.assert_array_equal(inp.grad.numpy(), 2 * once)
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    np.testing.assert_array_equal(inp.grad.numpy(), once)


def test_matrix_helpers_the_tutorials_call():
    m = torch.tensor([[3.0, 4.0], [0.0, 0.0]])
    assert torch.eye(2).mm(m).tolist() == m.tolist()
    assert m.norm().item() == pytest.approx(5.0)
    assert torch.sin(torch.tensor([math.pi / 2])).item() == pytest.approx(1.0)
