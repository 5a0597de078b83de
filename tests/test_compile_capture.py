"""A compiled step gives bitwise the same losses, gradients and parameters as the eager step, on the
lesson's workloads: the chapter's hand-written linear loop (with its last short batch), simple_net with
optim.SGD, the ten-digit MLP with momentum and weight decay, Adam, AdamW and RMSprop, gradients
accumulated over calls, a step under no_grad."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as torch
from tinygrad_edu import lesson
from tinygrad_edu.nn import functional as F


@pytest.fixture(autouse=True)
def no_compile_warnings():
    """A workload that capture refused would pass these tests eagerly: every warning is an error here."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def same_bits(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def lesson_batches(size=256):
    data = lesson.threes_and_sevens()
    x, y = data.train.x, data.train.y
    order = np.random.default_rng(0).permutation(len(x))[:1100]  # both digits, and a short last batch
    x, y = torch.from_numpy(x.numpy()[order]), torch.from_numpy(y.numpy()[order])
    return [(x[i:i + size], y[i:i + size]) for i in range(0, len(x), size)]


def chapter_run(compiled: bool, epochs: int = 2):
    """The chapter's loop: linear1, mnist_loss, backward, p.data -= p.grad * lr; p.grad.zero_()."""
    g = torch.Generator().manual_seed(1)
    weights = torch.randn((784, 1), generator=g).requires_grad_()
    bias = torch.randn(1, generator=g).requires_grad_()
    linear1, loss_of, _ = lesson.chapter_functions(weights, bias, [])

    def train_step(xb, yb):
        loss = loss_of(linear1(xb), yb)
        loss.backward()
        lesson.step_by_hand((weights, bias), 1.0)
        return loss

    step = torch.compile(train_step) if compiled else train_step
    losses = [step(xb, yb).item() for _ in range(epochs) for xb, yb in lesson_batches()]
    return losses, [weights, bias], step


def test_the_chapters_linear_loop_is_bitwise_eager():
    eager_losses, eager_params, _ = chapter_run(False)
    losses, params, step = chapter_run(True)
    assert losses == eager_losses
    for p, q in zip(params, eager_params, strict=True):
        assert same_bits(p.detach().numpy(), q.detach().numpy())
        assert same_bits(p.grad.numpy(), q.grad.numpy())
    # the first call (no .grad yet), then full batches and the short last one with .grad present
    assert len(step._replays) == 3
    assert "zero_()" in step.source() and "MatMul" in step.source()


def test_the_tiny_step_leaves_bitwise_eager_gradients():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((1, 784), dtype=np.float32))
    w0 = rng.standard_normal((784, 1), dtype=np.float32)

    def run(compiled):
        w = torch.from_numpy(w0.copy()).requires_grad_()
        b = torch.from_numpy(np.ones(1, np.float32)).requires_grad_()

        def tiny():
            w.grad = None
            b.grad = None
            loss = (x @ w + b).sigmoid().mean()
            loss.backward()
            return loss

        step = torch.compile(tiny) if compiled else tiny
        losses = [step().item() for _ in range(3)]
        return losses, w.grad.numpy().copy(), b.grad.numpy().copy(), step

    (l0, w0, b0, _), (l1, w1, b1, step) = run(False), run(True)
    assert l0 == l1 and same_bits(w0, w1) and same_bits(b0, b1)
    assert len(step._replays) == 1  # .grad = None first: one capture serves every call


def module_run(model_fn, make_opt, batches, compiled: bool, loss_fn, epochs: int = 2, zero_every: int = 1):
    torch.manual_seed(0)
    model = model_fn()
    opt = make_opt(model.parameters())
    calls = {"n": 0}

    def train_step(xb, yb):
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        calls["n"] += 1
        return loss

    step = torch.compile(train_step) if compiled else train_step
    losses = []
    for _ in range(epochs):
        for i, (xb, yb) in enumerate(batches):
            losses.append(step(xb, yb).item())
            if (i + 1) % zero_every == 0:
                opt.zero_grad()
    return losses, [p.detach().numpy().copy() for p in model.parameters()], opt, step


def digit_batches(rows=300, size=64):
    rng = np.random.default_rng(5)
    x = rng.random((rows, 784), dtype=np.float32)
    y = rng.integers(0, 10, rows)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    return [(x[i:i + size], y[i:i + size]) for i in range(0, rows, size)]


def assert_same_runs(a, b):
    assert a[0] == b[0]
    for p, q in zip(a[1], b[1], strict=True):
        assert same_bits(p, q)


def test_simple_net_with_sgd_is_bitwise_eager():
    batches = lesson_batches()
    runs = [module_run(lesson.simple_net, lambda ps: torch.optim.SGD(ps, lr=0.1), batches, compiled,
                       lesson.mnist_loss) for compiled in (False, True)]
    assert_same_runs(*runs)
    assert "SGD's update" in runs[1][3].source()


def test_the_digit_mlp_with_momentum_and_weight_decay_is_bitwise_eager():
    batches = digit_batches()
    runs = [module_run(lesson.digit_mlp, lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9,
                                                                     weight_decay=1e-4),
                       batches, compiled, F.cross_entropy) for compiled in (False, True)]
    assert_same_runs(*runs)
    for s, t in zip(runs[0][2].state.values(), runs[1][2].state.values(), strict=True):
        assert same_bits(s["momentum_buffer"], t["momentum_buffer"])


@pytest.mark.parametrize("make_opt", [
    lambda ps: torch.optim.Adam(ps, lr=1e-3),
    lambda ps: torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.1, amsgrad=True),
    lambda ps: torch.optim.RMSprop(ps, lr=1e-3, momentum=0.5, centered=True),
    lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, maximize=True),
], ids=["Adam", "AdamW", "RMSprop", "SGD-nesterov"])
def test_every_optimizer_steps_bitwise_as_eager(make_opt):
    batches = digit_batches(rows=200)
    runs = [module_run(lesson.digit_mlp, make_opt, batches, compiled, F.cross_entropy)
            for compiled in (False, True)]
    assert_same_runs(*runs)


def test_gradients_accumulated_over_calls_are_bitwise_eager():
    """zero_grad every third call, outside the step: the step adds into .grad that earlier calls left."""
    batches = digit_batches(rows=384)
    runs = [module_run(lesson.digit_mlp, lambda ps: torch.optim.SGD(ps, lr=0.01), batches, compiled,
                       F.cross_entropy, zero_every=3) for compiled in (False, True)]
    assert_same_runs(*runs)


def test_a_step_under_no_grad_is_captured_for_its_own_mode():
    model = lesson.simple_net()
    x = torch.from_numpy(np.random.default_rng(1).random((5, 784), dtype=np.float32))

    @torch.compile
    def predict(xb):
        return model(xb).sigmoid()

    with torch.no_grad():
        first, second = predict(x), predict(x)
        assert same_bits(first.numpy(), second.numpy())
        assert same_bits(first.numpy(), model(x).sigmoid().numpy())
    assert len(predict._replays) == 1 and "modes.grad_enabled is False" in predict.source()



def gpt_run(compiled: bool, steps: int = 4) -> tuple[list, list]:
    """Four AdamW steps of Let's build GPT's model (examples/gpt_from_scratch.py, no dropout): embeddings,
    causal attention (tril and masked_fill), LayerNorm, cross_entropy on targets reshaped inside the step."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
    import gpt_from_scratch as gpt

    torch.manual_seed(0)
    model = gpt.gpt_classes(torch)(20, gpt.Config(block_size=8, n_embd=16, n_head=2, n_layer=1, dropout=0.0))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)

    def step(idx, targets):
        _, loss = model(idx, targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    step = torch.compile(step) if compiled else step
    rng = np.random.default_rng(1)
    batches = [(torch.from_numpy(rng.integers(0, 20, (4, 8))), torch.from_numpy(rng.integers(0, 20, (4, 8))))
               for _ in range(steps)]
    losses = [step(idx, targets).detach().numpy() for idx, targets in batches]
    if compiled:
        # two captures: the first step (AdamW makes its state, .grad is made) and the steps after it
        assert len(step._replays) == 2 and "targets are classes" in step.source()
    return losses, [p.detach().numpy() for p in model.parameters()]


def test_a_gpt_step_is_bitwise_eager():
    (eager_losses, eager_params), (losses, params) = gpt_run(False), gpt_run(True)
    assert all(same_bits(a, b) for a, b in zip(eager_losses, losses, strict=True))
    assert all(same_bits(a, b) for a, b in zip(eager_params, params, strict=True))


def test_targets_computed_in_the_step_are_checked_before_anything_changes():
    w = torch.zeros(3, 4).requires_grad_()

    @torch.compile
    def step(x, y):
        loss = F.cross_entropy(x @ w, y.view(-1))  # the targets the step computes: checked where made
        loss.backward()
        return loss

    x = torch.ones(2, 3)
    for targets in ([[0], [3]], [[1], [2]], [[2], [2]]):  # the first call makes .grad, the second adds to it
        step(x, torch.tensor(targets))
    assert len(step._replays) == 2 and "targets are classes" in step.source()
    before = w.grad.numpy().copy()
    with pytest.raises(IndexError, match="cross_entropy"):  # a target out of range: eager says so
        step(x, torch.tensor([[0], [4]]))
    assert same_bits(w.grad.numpy(), before)  # and nothing was changed
