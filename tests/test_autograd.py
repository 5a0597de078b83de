"""tinygrad_edu.autograd: a learner's Function (PyTorch's protocol) and gradients on request."""

import io

import numpy as np
import pytest

import tinygrad_edu as torch
from tinygrad_edu.autograd import Function


class Legendre3(Function):
    """out = ½(5x³ - 3x);  d/dx = 1.5(5x² - 1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x**3 - 3 * x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 1.5 * (5 * x**2 - 1)


class ScaledPower(Function):
    """out = k · x^p;  d/dx = k · p · x^(p-1)   (k and p are plain numbers)"""

    @staticmethod
    def forward(ctx, x, p, k=1.0):
        ctx.p, ctx.k = p, k
        ctx.save_for_backward(x)
        return k * x**p

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        assert ctx.needs_input_grad == (True, False)
        return grad * ctx.k * ctx.p * x ** (ctx.p - 1), None


def test_a_custom_function_computes_and_differentiates():
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = Legendre3.apply(x)
    assert np.allclose(y.detach().numpy(), 0.5 * (5 * x.detach().numpy() ** 3 - 3 * x.detach().numpy()))
    assert repr(y.grad_fn) == "<Legendre3Backward>" and y.grad_fn.next_functions[0][0].variable is x
    y.sum().backward()
    assert np.allclose(x.grad.numpy(), 1.5 * (5 * np.array([0.25, 1.0, 4.0]) - 1))


def test_gradcheck_checks_a_custom_function():
    x = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(Legendre3.apply, [x])
    assert torch.gradcheck(lambda t: ScaledPower.apply(t, 3, k=2.0), [x])

    class Wrong(Legendre3):
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 1.5 * (5 * x**2)  # forgot the -1

    with pytest.raises(torch.GradcheckError):
        torch.gradcheck(Wrong.apply, [x])


def test_fitting_a_legendre_polynomial_by_gradient_descent():
    # y = a + b · P3(c + d · x) fitted to sin(x), the pattern of PyTorch's autograd tutorial, checked
    # step by step against the same descent with the derivatives written out in numpy
    xs = np.linspace(-np.pi, np.pi, 200)
    x, target = torch.tensor(xs, dtype=torch.float64), torch.tensor(np.sin(xs), dtype=torch.float64)
    start = (0.0, -1.0, 0.0, 0.3)
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start]
    by_hand = np.array(start)
    lr = 5e-6
    for _ in range(100):
        a, b, c, d = params
        loss = ((a + b * Legendre3.apply(c + d * x) - target) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        ha, hb, hc, hd = by_hand
        u = hc + hd * xs
        p3, dp3 = 0.5 * (5 * u**3 - 3 * u), 1.5 * (5 * u**2 - 1)
        r = 2 * (ha + hb * p3 - np.sin(xs))
        grads = [r.sum(), (r * p3).sum(), (r * hb * dp3).sum(), (r * hb * dp3 * xs).sum()]
        by_hand = by_hand - lr * np.array(grads)
    assert np.allclose([p.item() for p in params], by_hand, rtol=1e-12, atol=1e-14)
    assert loss.item() < 0.7 * ((-Legendre3.forward(torch.autograd.FunctionCtx((False,)), 0.3 * x)
                                 - target) ** 2).sum().item()


def test_non_tensor_arguments_and_ctx_attributes():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = ScaledPower.apply(x, 3, k=2.0)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]


def test_the_function_is_a_node_in_traces_and_graphs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = Legendre3.apply(x * 2).mean()
    out = io.StringIO()
    steps = torch.trace_backward(loss, file=out)
    assert [s.op for s in steps] == ["Mean", "Legendre3", "Mul"]
    assert steps[1].rule == "out = ½(5x³ - 3x);  d/dx = 1.5(5x² - 1)"
    assert "Legendre3" in out.getvalue()
    graph = torch.draw_graph(Legendre3.apply(x).sum())
    assert "Legendre3" in graph.source


def test_mark_non_differentiable_and_integer_outputs_get_no_graph():
    class ArgMax(Function):
        """out = argmax(x);  no gradient"""

        @staticmethod
        def forward(ctx, x):
            out = x.argmax()
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            return None

    x = torch.tensor([1.0, 3.0, 2.0], requires_grad=True)
    out = ArgMax.apply(x)
    assert out.item() == 1 and out.grad_fn is None and not out.requires_grad


def test_newer_style_forward_with_setup_context():
    class Square(Function):
        """out = x²;  d/dx = 2x"""

        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    x = torch.tensor([3.0], requires_grad=True)
    Square.apply(x).backward()
    assert x.grad.tolist() == [6.0]


def test_mistakes_in_a_custom_backward_are_named():
    class TooMany(Legendre3):
        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    class BadShape(Legendre3):
        @staticmethod
        def backward(ctx, grad):
            return torch.ones(5)

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="TooMany.backward returned 2 gradients; forward took 1"):
        TooMany.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"BadShape.backward returned a gradient of shape \(5,\) for an "
                                           r"input of shape \(2,\)"):
        BadShape.apply(x).sum().backward()
    y = Legendre3.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()
    with pytest.raises(TypeError, match="save_for_backward: argument 0 is a float"):
        torch.autograd.FunctionCtx((True,)).save_for_backward(1.0)


def test_a_saved_tensor_changed_in_place_is_refused():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = Legendre3.apply(x)
    x.detach().mul_(3)
    with pytest.raises(RuntimeError, match="Legendre3 saved for its backward"):
        y.sum().backward()


# ---- autograd.grad, backward(inputs=), autograd.backward ------------------------------------------------


def test_grad_returns_gradients_without_touching_dot_grad():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    h = a * b
    z = (h * h).sum()
    ga, gh = torch.autograd.grad(z, [a, h], retain_graph=True)
    assert ga.tolist() == [18.0, 64.0] and gh.tolist() == [6.0, 16.0]  # 2ab², 2h
    assert a.grad is None and b.grad is None
    (gb,) = torch.autograd.grad(z, b, grad_outputs=torch.tensor(2.0))
    assert gb.tolist() == [12.0, 64.0]


def test_grad_of_an_unused_input():
    a = torch.tensor([1.0], requires_grad=True)
    unused = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 was not used"):
        torch.autograd.grad((a * 2).sum(), [a, unused])
    assert torch.autograd.grad((a * 2).sum(), [a, unused], allow_unused=True)[1] is None


def test_backward_with_inputs_fills_only_their_grad():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    h = a * b
    (h.sum() * 2).backward(inputs=[b, h])
    assert a.grad is None and b.grad.tolist() == [2.0, 4.0] and h.grad.tolist() == [2.0, 2.0]


def test_autograd_backward_of_several_outputs_adds_up():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    torch.autograd.backward([(a * 3).sum(), (a * a).sum()])
    assert a.grad.tolist() == [5.0, 7.0]
    a.grad = None
    torch.autograd.backward([a * 3, a], [torch.ones(2), torch.tensor([10.0, 20.0])])
    assert a.grad.tolist() == [13.0, 23.0]


def test_create_graph_is_refused_clearly():
    a = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="create_graph=True .* not supported"):
        (a * a).sum().backward(create_graph=True)
    with pytest.raises(NotImplementedError, match="grad: create_graph=True"):
        torch.autograd.grad((a * a).sum(), a, create_graph=True)


def test_set_detect_anomaly_as_a_call_and_as_a_block():
    from tinygrad_edu.function import is_anomaly_enabled

    with torch.autograd.set_detect_anomaly(True):
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()
    torch.autograd.set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
    finally:
        torch.autograd.set_detect_anomaly(False)
    assert not is_anomaly_enabled()
