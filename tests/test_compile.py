"""torch.compile's spelling and behaviour: a decorator or a call, a module or a function; what capture
refuses (a warning naming the user's line, then eager; fullgraph=True raises after the eager call); what
makes it capture again (a new shape, replaced storage, a changed learning rate); reset(); threads."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as torch
from tinygrad_edu import lesson
from tinygrad_edu.compiler import CompileWarning


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def data(rows=6, seed=0):
    rng = np.random.default_rng(seed)
    return (torch.from_numpy(rng.random((rows, 784), dtype=np.float32)),
            torch.from_numpy((rng.random((rows, 1)) > 0.5).astype(np.int64)))


def linear_params():
    g = torch.Generator().manual_seed(3)
    return torch.randn((784, 1), generator=g).requires_grad_(), torch.randn(1, generator=g).requires_grad_()


# ---- the API --------------------------------------------------------------------------------------------


def test_compile_is_spelled_as_pytorch_spells_it():
    def f(x):
        return x * 2

    assert torch.compile(f, disable=True) is f
    step = torch.compile(f)
    assert step.__name__ == "f" and step._orig_mod is f
    assert torch.compile(fullgraph=True)(f)._fullgraph
    accepted = torch.compile(f, backend="inductor", mode="reduce-overhead", dynamic=False)
    assert accepted(torch.ones(2)).tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="function or a module"):
        torch.compile(3)


def test_as_a_decorator_and_on_a_module():
    model = lesson.simple_net()
    compiled = torch.compile(model)
    assert list(compiled.parameters()) == list(model.parameters())  # a compiled module is still the module
    x, _ = data()

    @torch.compile
    def double(t):
        return t + t

    with torch.no_grad():
        assert same_bits(compiled(x).numpy(), model(x).numpy())
        assert same_bits(compiled(x).numpy(), model(x).numpy())
    assert len(compiled._replays) == 1
    assert same_bits(double(x).numpy(), (x + x).numpy()) and same_bits(double(x).numpy(), (x + x).numpy())


def test_a_new_shape_is_a_new_capture_and_the_old_one_stays():
    w, b = linear_params()

    @torch.compile
    def scores(xb):
        return xb @ w + b

    with torch.no_grad():
        for rows in (4, 7, 4, 7):
            x, _ = data(rows)
            assert same_bits(scores(x).numpy(), (x @ w + b).numpy())
    assert len(scores._replays) == 2


def chapter_step(w, b, lr):
    linear1, loss_of, _ = lesson.chapter_functions(w, b, [])

    def train_step(xb, yb):
        loss = loss_of(linear1(xb), yb)
        loss.backward()
        lesson.step_by_hand((w, b), lr)
        return loss

    return train_step


def test_replaced_storage_is_captured_again():
    x, y = data()
    runs = []
    for compiled in (False, True):
        w, b = linear_params()
        step = torch.compile(chapter_step(w, b, 0.5)) if compiled else chapter_step(w, b, 0.5)
        for i in range(6):
            if i == 3:
                w.data = torch.zeros((784, 1)) + 0.01  # new storage: the replay must not keep the old one
            step(x, y)
        runs.append((w.detach().numpy().copy(), b.detach().numpy().copy(), step))
    assert same_bits(runs[0][0], runs[1][0]) and same_bits(runs[0][1], runs[1][1])
    assert len(runs[1][2]._replays) == 3  # first call, later calls, and again after w.data = ...


def sgd_run(compiled: bool):
    x, y = data()
    torch.manual_seed(0)
    model = lesson.simple_net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def train_step(xb, yb):
        loss = lesson.mnist_loss(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    step = torch.compile(train_step) if compiled else train_step
    losses = []
    for i in range(6):
        if i == 3:
            opt.param_groups[0]["lr"] = 0.01
        losses.append(step(x, y).item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()], step


def test_a_changed_learning_rate_is_captured_again():
    runs = [sgd_run(False), sgd_run(True)]
    assert runs[0][0] == runs[1][0]
    assert all(same_bits(p, q) for p, q in zip(runs[0][1], runs[1][1], strict=True))
    assert "lr=0.01" in runs[1][2].source() and "lr=0.1" in runs[1][2].source()


def test_reset_forgets_every_capture():
    w, b = linear_params()
    step = torch.compile(lambda xb: (xb @ w + b).sum())
    with torch.no_grad():
        step(data()[0])
    assert step._replays and "def " in step.source()
    step.reset()
    assert step._replays == () and "nothing captured" in step.source()


def test_python_values_read_during_capture_are_baked_in_until_reset():
    scale = {"value": 2.0}
    x, _ = data()

    @torch.compile
    def scaled(t):
        return t * scale["value"]

    with torch.no_grad():
        first = scaled(x)
        scale["value"] = 3.0
        assert same_bits(scaled(x).numpy(), first.numpy())  # the 2.0 is in the replay
        scaled.reset()
        assert same_bits(scaled(x).numpy(), (x * 3.0).numpy())


def test_the_cache_holds_eight_captures_then_runs_eagerly():
    step = torch.compile(lambda t: t + 1)
    with torch.no_grad():
        for rows in range(1, 9):
            step(torch.ones(rows))
        with pytest.warns(CompileWarning, match="captured 8 times"):
            out = step(torch.ones(9))
    assert out.tolist() == [2.0] * 9 and len(step._replays) == 8


def test_a_compiled_function_called_inside_a_capture_is_part_of_it():
    w, b = linear_params()
    inner = torch.compile(lambda xb: xb @ w + b)

    @torch.compile
    def outer(xb, yb):
        loss = lesson.mnist_loss(inner(xb), yb)
        loss.backward()
        return loss

    x, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outer(x, y), outer(x, y)
    assert "MatMul" in outer.source() and inner._replays == ()


def test_anomaly_mode_runs_eagerly():
    step = torch.compile(lambda t: (t * 2).sum())
    with torch.no_grad(), torch.autograd.detect_anomaly():
        assert step(torch.ones(3)).item() == 6.0
    assert step._replays == ()


def test_train_and_eval_are_checked():
    """A module's training flag decides what some layers do: a replay made in one mode is not used in
    the other."""
    model = lesson.simple_net()
    compiled = torch.compile(model)
    x, _ = data()
    with torch.no_grad():
        compiled(x), compiled(x)
        model.eval()
        compiled(x)
    assert len(compiled._replays) == 2 and ".training is False" in compiled.source()


def test_on_a_method():
    class Scaler:
        def __init__(self, k):
            self.k = k

        @torch.compile
        def scale(self, t):
            return t * self.k

    two, three = Scaler(2.0), Scaler(3.0)
    with torch.no_grad():
        assert two.scale(torch.ones(2)).tolist() == [2.0, 2.0]
        assert three.scale(torch.ones(2)).tolist() == [3.0, 3.0]  # another self: another capture
        assert two.scale(torch.ones(2)).tolist() == [2.0, 2.0]
    assert len(Scaler.scale._replays) == 2
