"""The doors: open only while a capture runs (eager code meets the originals), one per thread's capture;
and everything a capture refuses, each with a warning that names the user's line (then that signature
runs eagerly, warned once), or a CompileError under fullgraph=True after the call has run eagerly."""

from __future__ import annotations

import re
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import line_marked

import tinygrad_edu as torch
from tinygrad_edu import engine, lesson
from tinygrad_edu.compiler import CompileError, CompileWarning, doors
from tinygrad_edu.function import Function
from tinygrad_edu.tensor import Tensor

HERE = Path(__file__)

rng = np.random.default_rng(0)
X = torch.from_numpy(rng.random((6, 784), dtype=np.float32))
Y = torch.from_numpy((rng.random((6, 1)) > 0.5).astype(np.int64))
W = torch.from_numpy(rng.standard_normal((784, 1), dtype=np.float32) * 0.01).requires_grad_()
B = torch.zeros(1).requires_grad_()


def loss_of(xb, yb):
    return lesson.mnist_loss(xb @ W + B, yb)


def item_step(xb, yb):
    loss = loss_of(xb, yb)
    return loss.item()  # item


def bool_step(xb, yb):
    loss = loss_of(xb, yb)
    if loss > 0.5:  # bool
        loss = loss * 2
    return loss


def float_step(xb, yb):
    return float(loss_of(xb, yb))  # float


def int_step(xb, yb):
    return int(loss_of(xb, yb) * 10)  # int


def print_step(xb, yb):
    loss = loss_of(xb, yb)
    print("loss", loss)  # print
    return loss


def format_step(xb, yb):
    loss = loss_of(xb, yb)
    return f"{loss:.3f}"  # format


def numpy_step(xb, yb):
    return (xb @ W.detach()).numpy().sum()  # numpy


def asarray_step(xb, yb):
    return np.asarray(xb @ W.detach()).sum()  # asarray


def tolist_step(xb, yb):
    return (xb @ W.detach()).tolist()  # tolist


def mask_step(xb, yb):
    scores = xb @ W
    return scores[scores > 0].sum()  # mask with grad


def mask_no_grad_step(xb, yb):
    scores = xb @ W.detach()
    return scores[scores > 0].sum()  # mask without grad


def random_step(xb, yb):
    keep = (torch.rand(xb.shape) > 0.5).float()  # random
    return loss_of(xb * keep, yb)


def argmax_step(xb, yb):
    scores = torch.cat([xb @ W, -(xb @ W)], 1)
    return (scores.argmax(1) == yb[:, 0]).float().mean()  # argmax


def in_graph_inplace_step(xb, yb):
    scores = xb @ W
    scores += 1  # in-place in the graph
    return lesson.mnist_loss(scores, yb)


def new_storage_step(xb, yb):
    W.data = W.detach() * 1  # new storage
    return loss_of(xb, yb)


def seed_step(xb, yb):
    torch.manual_seed(0)  # seed
    return loss_of(xb, yb)


def two_graphs_step(xb, yb):
    scores = xb @ W + B
    return scores, lesson.mnist_loss(scores, yb)  # the result is refused where the call returns it


def retain_grad_step(xb, yb):
    scores = xb @ W
    scores.retain_grad()
    loss = lesson.mnist_loss(scores, yb)
    loss.backward()  # retain_grad
    return loss


class Cube(torch.autograd.Function):
    """out = x³;  d/dx = 3x²"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def custom_function_step(xb, yb):
    loss = Cube.apply(xb @ W + B).mean()
    loss.backward()  # custom Function
    return loss


OUTSIDE = X[:, :1] * 1 + W[0]  # made outside the step, with a graph


def outside_graph_step(xb, yb):
    return (xb[:, :1] * OUTSIDE).sum()  # outside graph


CASES = [
    (item_step, "item", "item()"), (bool_step, "bool", "bool(tensor)"),
    (float_step, "float", "float(tensor)"), (int_step, "int", "int(tensor)"),
    (print_step, "print", "printing"), (format_step, "format", "formatting"),
    (numpy_step, "numpy", "numpy()"), (asarray_step, "asarray", "np.asarray"),
    (tolist_step, "tolist", "tolist"),
    (mask_step, "mask with grad", "boolean mask"), (mask_no_grad_step, "mask without grad", "boolean mask"),
    (random_step, "random", "random numbers"), (argmax_step, "argmax", "_arg"),
    (in_graph_inplace_step, "in-place in the graph", "in-place change of a tensor in the graph"),
    (new_storage_step, "new storage", "new storage"), (seed_step, "seed", "restarts a random generator"),
    (two_graphs_step, "the call", "more than one result is still part of a graph"),
    (retain_grad_step, "retain_grad", "retain_grad"),
    (custom_function_step, "custom Function", "custom autograd.Function"),
    (outside_graph_step, "outside graph", "made outside the step by AddBackward"),
]
IDS = [case[1] if case[1] != "the call" else "two graphs" for case in CASES]


@pytest.mark.parametrize("fn, marker, reason", CASES, ids=IDS)
def test_a_refusal_warns_once_naming_the_users_line_then_runs_eagerly(fn, marker, reason, capsys):
    step = torch.compile(fn)
    with pytest.warns(CompileWarning) as caught:
        first = step(X, Y)  # the call
    assert len(caught) == 1
    warning = caught[0]
    assert reason in str(warning.message)
    assert (warning.filename, warning.lineno) == (str(HERE), line_marked(HERE, marker))
    assert f"{HERE.name}:{line_marked(HERE, marker)}" in str(warning.message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once: the next calls run eagerly, silently
        again = step(X, Y)
    assert type(again) is type(first) and step._replays == ()
    assert "runs eagerly" in step.source()


@pytest.mark.parametrize("fn, marker, reason", CASES, ids=IDS)
def test_fullgraph_raises_after_the_eager_call(fn, marker, reason, capsys):
    with pytest.raises(CompileError, match=re.escape(reason)):
        torch.compile(fn, fullgraph=True)(X, Y)


def test_fullgraph_raises_only_after_the_step_was_applied_once():
    w = torch.zeros((784, 1)).requires_grad_()
    b = torch.zeros(1).requires_grad_()

    def step(xb, yb):
        loss = lesson.mnist_loss(xb @ w + b, yb)
        loss.backward()
        lesson.step_by_hand((w, b), 1.0)
        return loss.item()  # applied, then refused

    expected_w = torch.zeros((784, 1)).requires_grad_()
    expected_b = torch.zeros(1).requires_grad_()
    loss = lesson.mnist_loss(X @ expected_w + expected_b, Y)
    loss.backward()
    lesson.step_by_hand((expected_w, expected_b), 1.0)
    with pytest.raises(CompileError, match=f"{HERE.name}:{line_marked(HERE, 'applied, then refused')}"):
        torch.compile(step, fullgraph=True)(X, Y)
    assert np.array_equal(w.detach().numpy(), expected_w.detach().numpy())
    assert np.array_equal(b.detach().numpy(), expected_b.detach().numpy())


def test_the_doors_are_open_only_during_a_capture():
    originals = (Function.__dict__["apply"], engine.backward, Tensor.__dict__["_make"], Tensor.__init__)
    seen = {}

    def look(xb):
        seen["apply"] = Function.__dict__["apply"]
        seen["backward"] = engine.backward
        return xb * 2

    with torch.no_grad():
        torch.compile(look)(X)
    assert seen["apply"] is not originals[0] and seen["backward"] is not originals[1]
    now = (Function.__dict__["apply"], engine.backward, Tensor.__dict__["_make"], Tensor.__init__)
    assert now == originals


def test_a_capture_listens_to_its_own_thread_only():
    """While thread A captures (the doors are open for everyone), thread B's eager step is not recorded
    and computes what it always does; A's replay is still bitwise eager."""
    started, go = threading.Event(), threading.Event()
    w = torch.from_numpy(np.full((784, 1), 0.01, np.float32)).requires_grad_()
    b = torch.zeros(1).requires_grad_()

    def step_a(xb, yb):
        scores = xb @ w
        started.set()
        go.wait(10)
        loss = lesson.mnist_loss(scores + b, yb)
        loss.backward()
        lesson.step_by_hand((w, b), 1.0)
        return loss

    other = {}

    def thread_b():
        started.wait(10)
        v = torch.zeros(3).requires_grad_()
        v.tanh().sum().backward()  # ops the step does not have
        other["grad"] = v.grad.tolist()
        go.set()

    compiled = torch.compile(step_a)
    worker = threading.Thread(target=thread_b)
    worker.start()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled(X, Y)
    worker.join()
    assert other["grad"] == [1.0, 1.0, 1.0]
    assert not re.search(r"# (Tanh|Sum)\b", compiled.source())
    assert doors._running == 0


def thread_run(compiled: bool):
    w = torch.from_numpy(np.full((784, 1), 0.01, np.float32)).requires_grad_()
    b = torch.zeros(1).requires_grad_()

    def step(xb, yb):
        loss = lesson.mnist_loss(xb @ w + b, yb)
        loss.backward()
        lesson.step_by_hand((w, b), 1.0)
        return loss

    fn = torch.compile(step) if compiled else step
    losses = []
    worker = threading.Thread(target=lambda: losses.extend(fn(X, Y).item() for _ in range(3)))
    worker.start()
    worker.join()
    losses += [fn(X, Y).item() for _ in range(3)]
    return losses, w.detach().numpy().copy(), fn


def test_a_step_compiled_in_one_thread_replays_in_another():
    runs = [thread_run(False), thread_run(True)]
    assert runs[0][0] == runs[1][0] and np.array_equal(runs[0][1], runs[1][1])
    assert len(runs[1][2]._replays) == 2  # captured in the worker: the main thread only replays
