"""optim.SGD / Adam / AdamW / RMSprop against hand-computed numbers and hand-written numpy versions."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

P0 = [1.0, -2.0]


def run(make_optimizer, steps: int = 3, p0=P0, dtype=tg.float64) -> tg.Tensor:
    """Minimise (p²).sum() (gradient 2p) for ``steps`` steps; returns p."""
    p = tg.tensor(p0, dtype=dtype, requires_grad=True)
    opt = make_optimizer([p])
    for _ in range(steps):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    return p


# ---- SGD: hand-computed trajectories of p ← p - lr · g with g = 2p (first coordinate; the second is -2×) ---


@pytest.mark.parametrize(
    ("kwargs", "first_coordinate"),
    [
        # plain: p ← p - 0.1 · 2p = 0.8 p, three times
        (dict(lr=0.1), 0.8**3),
        # momentum 0.9: b = 2, 3.4, 3.98 and p = 0.8, 0.46, 0.062
        (dict(lr=0.1, momentum=0.9), 0.062),
        # weight decay 0.1: g = 2p + 0.1p, p ← 0.79 p
        (dict(lr=0.1, weight_decay=0.1), 0.79**3),
        # dampening 0.5: b = 2, 0.9·2 + 0.5·1.6 = 2.6, 0.9·2.6 + 0.5·1.08 = 2.88 and p = 0.8, 0.54, 0.252
        (dict(lr=0.1, momentum=0.9, dampening=0.5), 0.252),
        # nesterov: b = 2, 3.04, 3.1808; step g + 0.9 b = 3.8, 3.976, 3.30752; p = 0.62, 0.2224, -0.108352
        (dict(lr=0.1, momentum=0.9, nesterov=True), -0.108352),
        # momentum and weight decay: g = 2.1p; b = 2.1, 0.9·2.1 + 2.1·0.79 = 3.549, 0.9·3.549 + 2.1·0.4351
        # = 4.10781; p = 0.79, 0.4351, 0.024319
        (dict(lr=0.1, momentum=0.9, weight_decay=0.1), 0.024319),
    ],
)
def test_sgd_matches_hand_computed_steps(kwargs, first_coordinate):
    p = run(lambda params: optim.SGD(params, **kwargs))
    np.testing.assert_allclose(p.detach().numpy(), [first_coordinate, -2 * first_coordinate], rtol=1e-12)


def test_sgd_maximize_climbs():
    p = run(lambda params: optim.SGD(params, lr=0.1, maximize=True))
    np.testing.assert_allclose(p.detach().numpy(), [1.2**3, -2 * 1.2**3], rtol=1e-12)


def test_sgd_is_the_chapters_manual_step_in_place_and_float32():
    tg.manual_seed(0)
    model = nn.Linear(4, 1)
    twin = nn.Linear(4, 1)
    twin.load_state_dict(model.state_dict())
    x = tg.randn(8, 4)
    opt = optim.SGD(model.parameters(), lr=1.0)
    arrays = [p._data for p in model.parameters()]
    for _ in range(3):
        model(x).mean().backward()
        opt.step()
        opt.zero_grad()
        twin(x).mean().backward()
        for p in twin.parameters():  # the chapter's BasicOptim
            p.data -= p.grad.data * 1.0
            p.grad = None
    for p, q, array in zip(model.parameters(), twin.parameters(), arrays, strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
        assert p._data is array and p.dtype == np.float32  # updated in place, dtype kept
        assert not p.requires_grad or p.grad_fn is None


def test_weight_decay_does_not_change_the_stored_gradient():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    (p * 3).sum().backward()
    optim.SGD([p], lr=0.1, weight_decay=0.5, momentum=0.9).step()
    assert p.grad.tolist() == [3.0, 3.0]


def test_parameters_without_gradient_are_skipped():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([5.0], requires_grad=True)
    (a * 2).sum().backward()
    optim.SGD([a, b], lr=0.5, momentum=0.9).step()
    assert a.tolist() == [0.0] and b.tolist() == [5.0]


def test_param_groups_have_their_own_learning_rates():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1)
    (a + b).sum().backward()
    opt.step()
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.99], rtol=1e-6)
    assert opt.param_groups[1]["momentum"] == 0.0


# ---- Adam --------------------------------------------------------------------------------------------


def numpy_adam(p0, grad_fn, steps, lr, betas, eps, weight_decay=0.0, amsgrad=False, decoupled=False):
    """Adam as written in the paper plus PyTorch's conventions, on float64 numpy arrays."""
    p = np.array(p0, np.float64)
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    v_max = np.zeros_like(p)
    beta1, beta2 = betas
    for t in range(1, steps + 1):
        g = grad_fn(p)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta1**t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8),
        dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3),
        dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1),
        dict(lr=0.1, betas=(0.5, 0.9), eps=1e-8, amsgrad=True),
    ],
)
def test_adam_matches_numpy_adam_over_three_steps(kwargs):
    p = run(lambda params: optim.Adam(params, **kwargs))
    expected = numpy_adam(P0, lambda q: 2 * q, 3, **kwargs)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-12)


def test_adam_first_step_moves_each_coordinate_by_lr():
    # m̂ = g and v̂ = g² after one step: the update is lr · g / (|g| + eps) ≈ lr · sign(g)
    p = run(lambda params: optim.Adam(params, lr=0.01), steps=1)
    np.testing.assert_allclose(p.detach().numpy(), [0.99, -1.99], rtol=1e-7)


def test_adamw_decouples_weight_decay():
    kwargs = dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.5)
    p = run(lambda params: optim.AdamW(params, **kwargs))
    expected = numpy_adam(P0, lambda q: 2 * q, 3, decoupled=True, **kwargs)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-12)
    assert optim.AdamW([tg.zeros(1, requires_grad=True)]).defaults["weight_decay"] == 1e-2


def test_adam_keeps_float32_and_state():
    p = run(lambda params: optim.Adam(params, lr=0.1), dtype=tg.float32)
    assert p.dtype == np.float32
    expected = numpy_adam(P0, lambda q: 2 * q, 3, 0.1, (0.9, 0.999), 1e-8)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-5)


# ---- RMSprop ---------------------------------------------------------------------------------------------


def numpy_rmsprop(p0, grad_fn, steps, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                  centered=False, maximize=False):
    """RMSprop as PyTorch's documentation writes the algorithm, on float64 numpy arrays."""
    theta = np.array(p0, np.float64)
    v, g_ave, b = np.zeros_like(theta), np.zeros_like(theta), np.zeros_like(theta)
    for _ in range(steps):
        g = grad_fn(theta)
        if maximize:
            g = -g
        if weight_decay:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_ave = alpha * g_ave + (1 - alpha) * g
            v_tilde = v_tilde - g_ave**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
    return theta


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(),
        dict(lr=0.1, alpha=0.9),
        dict(lr=0.05, momentum=0.9),
        dict(lr=0.05, centered=True),
        dict(lr=0.05, alpha=0.8, eps=1e-3, weight_decay=0.1),
        dict(lr=0.02, momentum=0.5, centered=True, weight_decay=0.2),
        dict(lr=0.01, maximize=True),
    ],
)
def test_rmsprop_matches_numpy_rmsprop_over_five_steps(kwargs):
    p = run(lambda params: optim.RMSprop(params, **kwargs), steps=5)
    expected = numpy_rmsprop(P0, lambda q: 2 * q, 5, **kwargs)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-12)


def test_rmsprop_defaults_float32_state_and_errors():
    opt = optim.RMSprop([tg.zeros(1, requires_grad=True)])
    assert {k: v for k, v in opt.defaults.items() if k != "maximize"} == dict(
        lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False)
    p = run(lambda params: optim.RMSprop(params, lr=0.1, momentum=0.9, centered=True), dtype=tg.float32)
    assert p.dtype == np.float32
    expected = numpy_rmsprop(P0, lambda q: 2 * q, 3, lr=0.1, momentum=0.9, centered=True)
    np.testing.assert_allclose(p.detach().numpy(), expected, rtol=1e-5)
    for key in ("alpha", "eps", "weight_decay", "momentum"):
        with pytest.raises(ValueError, match=f"RMSprop: invalid {key} value"):
            optim.RMSprop([tg.zeros(1, requires_grad=True)], **{key: -0.5})
    # the first step with the defaults: v = 0.01 g², so each coordinate moves by lr · g / (0.1 |g|) = 10 lr
    p = run(lambda params: optim.RMSprop(params), steps=1)
    np.testing.assert_allclose(p.detach().numpy(), [0.9, -1.9], rtol=1e-6)


def test_rmsprop_state_dict_resumes_the_same_trajectory():
    straight = run(lambda params: optim.RMSprop(params, lr=0.05, momentum=0.9, centered=True), steps=4)
    p = tg.tensor(P0, dtype=tg.float64, requires_grad=True)
    opt = optim.RMSprop([p], lr=0.05, momentum=0.9, centered=True)
    for _ in range(2):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    q = tg.tensor(p.detach().numpy().copy(), dtype=tg.float64, requires_grad=True)
    resumed = optim.RMSprop([q], lr=0.05, momentum=0.9, centered=True)
    resumed.load_state_dict(opt.state_dict())
    for _ in range(2):
        resumed.zero_grad()
        (q * q).sum().backward()
        resumed.step()
    np.testing.assert_allclose(q.detach().numpy(), straight.detach().numpy(), rtol=1e-12)


def test_optimizer_state_dict_resumes_the_same_trajectory():
    def make(params):
        return optim.Adam(params, lr=0.1)

    straight = run(make, steps=4)
    p = tg.tensor(P0, dtype=tg.float64, requires_grad=True)
    opt = make([p])
    for _ in range(2):
        opt.zero_grad()
        (p * p).sum().backward()
        opt.step()
    saved, p_saved = opt.state_dict(), p.detach().clone()
    q = tg.tensor(p_saved.numpy(), dtype=tg.float64, requires_grad=True)
    resumed = make([q])
    resumed.load_state_dict(saved)
    for _ in range(2):
        resumed.zero_grad()
        (q * q).sum().backward()
        resumed.step()
    np.testing.assert_allclose(q.detach().numpy(), straight.detach().numpy(), rtol=1e-12)


def test_step_with_closure_returns_the_loss():
    p = tg.tensor([3.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 9.0
    np.testing.assert_allclose(p.item(), 2.4, rtol=1e-6)


# ---- zero_grad ---------------------------------------------------------------------------------------------


def test_zero_grad_set_to_none_true_and_false():
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None
    opt.zero_grad(set_to_none=False)  # no gradient yet: nothing to do
    assert p.grad is None


# ---- errors ----------------------------------------------------------------------------------------------


def test_optimizer_argument_errors():
    p = tg.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="invalid learning rate: -0.1"):
        optim.SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match="invalid learning rate"):
        optim.Adam([p], lr=float("nan"))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    model = nn.Linear(2, 1)
    params = model.parameters()
    optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list.*used up"):
        optim.SGD(params, lr=0.1)  # the generator is exhausted
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        optim.SGD(model, lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="momentum"):
        optim.SGD([p], lr=0.1, momentum=-1)


@pytest.mark.parametrize("make", [lambda p: tg.optim.SGD(p, lr=0.1), lambda p: tg.optim.Adam(p, lr=0.1),
                                  lambda p: tg.optim.RMSprop(p, lr=0.1)])
def test_a_step_between_forward_and_backward_is_refused(make):
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = make([w])
    (w * w).sum().backward()
    loss = (w * w).sum()  # made before the step: Mul saved the old w
    optimizer.step()
    with pytest.raises(RuntimeError, match="Mul saved for its backward"):
        loss.backward()
