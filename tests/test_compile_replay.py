"""The replay is one Python function over numpy arrays, and ``source()`` shows it: one line per op, named
after the op it came from, the guards that decide whether a call fits the capture, the outside tensors
and the constants it refers to."""

from __future__ import annotations

import inspect
import re
import warnings

import numpy as np
import pytest

import tinygrad_edu as torch
from tinygrad_edu import lesson
from tinygrad_edu.compiler import replay
from tinygrad_edu.nn import functional as F


@pytest.fixture(autouse=True)
def no_compile_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def chapter_step():
    rng = np.random.default_rng(0)
    weights = torch.from_numpy(rng.standard_normal((784, 1), dtype=np.float32)).requires_grad_()
    bias = torch.zeros(1).requires_grad_()
    linear1, loss_of, _ = lesson.chapter_functions(weights, bias, [])

    @torch.compile
    def train_step(xb, yb):
        loss = loss_of(linear1(xb), yb)
        loss.backward()
        lesson.step_by_hand((weights, bias), 1.0)
        return loss

    x = torch.from_numpy(rng.random((4, 784), dtype=np.float32))
    y = torch.from_numpy(np.array([[1], [0], [1], [0]]))
    train_step(x, y)
    return train_step, x, y


def comments(source: str) -> list[str]:
    return [line.split("# ", 1)[1] for line in source.splitlines()
            if line.startswith("    ") and "# " in line]


def test_one_line_per_op_named_after_it():
    step, _, _ = chapter_step()
    said = comments(step.source())
    forward = ["MatMul", "Add", "Sigmoid", "equal (no gradient)", "Sub", "Where", "Mean"]
    assert [c for c in said if c in forward] == forward  # in the order the chapter's code runs them
    assert said.index("---- forward") < said.index("---- backward, from Mean back to the leaves")
    for line in ("Where backward", "Sub backward", "Sigmoid backward", "MatMul backward", "sub_ (in place)",
                 "zero_()"):
        assert line in said, line
    # the first call makes each .grad: from the gradient itself, since nothing else holds that array
    made = r"grad\d+ = g\d+; weights_t._grad = make\(grad\d+\) +# weights.grad, new \(no copy"
    assert re.search(made, step.source())
    assert "bias.grad, new (no copy: nothing else holds g" in step.source()
    assert "Mean backward: g" in step.source() and "a constant, computed once during capture" in step.source()


def test_a_gradient_that_flows_on_is_copied_into_grad_as_eager_does():
    a, b = torch.ones(3).requires_grad_(), torch.ones(3).requires_grad_()

    @torch.compile
    def step():
        a.grad = b.grad = None
        (a + b).sum().backward()  # one array reaches both leaves: each .grad needs its own copy
        return a.grad

    first, second = step(), step()
    assert "copy()" in step.source() and a.grad._data is not b.grad._data
    assert first.tolist() == second.tolist() == [1.0, 1.0, 1.0]


def test_the_source_is_the_code_that_runs():
    step, _, _ = chapter_step()
    code = inspect.getsource(step._replays[0])
    assert code in step.source()
    assert re.search(r"v\d+ = xb @ weights ", code) and "weights_t._grad = make(" in code


def test_the_header_names_what_the_code_refers_to():
    step, _, _ = chapter_step()
    header = step.source().split("def ", 1)[0]
    assert "captured for: xb (4, 784) float32, yb (4, 1) int64 (grad mode on)" in header
    assert "weights_t: a tensor from outside the step, (784, 1) float32; weights is its array" in header
    assert re.search(r"c\d+ = 1\.0 \(float32\): a constant", header)


def test_a_call_that_does_not_fit_gets_miss_before_anything_runs():
    step, x, y = chapter_step()
    run = step._replays[0]
    weights = next(v for k, v in run.__globals__.items() if k == "weights")
    before = weights.copy()
    assert run((x[:3], y[:3]), {}) is replay.MISS
    assert run((x,), {}) is replay.MISS
    assert run((x, y), {"extra": 1}) is replay.MISS
    with torch.no_grad():
        assert run((x, y), {}) is replay.MISS
    assert np.array_equal(weights, before)
    assert "return MISS" in step.source() and "modes.grad_enabled is True" in step.source()


def test_an_op_without_a_form_runs_its_own_forward_and_backward():
    torch.manual_seed(0)
    model = lesson.digit_mlp(hidden=8)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    @torch.compile
    def step(xb, yb):
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss

    x = torch.from_numpy(np.random.default_rng(0).random((5, 784), dtype=np.float32))
    y = torch.tensor([1, 2, 3, 4, 5])
    step(x, y)
    source = step.source()
    assert "CrossEntropy (its own forward)" in source and "CrossEntropy backward (its own)" in source
    assert "---- opt.step(): SGD" in source and "SGD's update of model.0.weight" in source
    assert "model_0_weight_t._grad = None" in source  # zero_grad, replayed
    assert "yb.min() >= 0 and yb.max() < 10" in source  # the targets are classes: checked before anything


def test_arguments_of_every_kind():
    w = torch.ones(3)

    @torch.compile
    def f(pair, scale, name, nothing):
        assert name == "sum" and nothing is None
        return (pair[0] * scale + pair[1] * w).sum()

    a, b = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([4.0, 5.0, 6.0])
    with torch.no_grad():
        assert f([a, b], 2.0, "sum", None).item() == f([a, b], 2.0, "sum", None).item() == 27.0
        assert f([a, b], 3.0, "sum", None).item() == 33.0  # another float: another capture
        assert f((a, b), 2.0, "sum", None).item() == 27.0  # a tuple, not a list: another capture
    assert len(f._replays) == 3
    assert "type(args[0]) is list" in f.source() and "args[1] == 2.0" in f.source()
