"""torch.compile(model) with the loss and backward outside: the replay's result carries one graph node,
CompiledBackward, whose backward is the forward's backward walk recorded at capture (compiler/graph.py).
Bitwise as eager, and refusing what any node refuses (a second backward, a saved value changed in place)."""

from __future__ import annotations

import warnings

import pytest
from test_compile_capture import assert_same_runs, digit_batches, lesson_batches, same_bits

import tinygrad_edu as torch
from tinygrad_edu import lesson
from tinygrad_edu.nn import functional as F


@pytest.fixture(autouse=True)
def no_compile_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def compiled_model_run(model_fn, make_opt, batches, compiled: bool, loss_fn):
    """``model = torch.compile(model)`` and the usual loop: the loss and backward outside the compiled
    forward, whose result carries one graph node (compiler/graph.py)."""
    torch.manual_seed(0)
    model = model_fn()
    opt = make_opt(model.parameters())
    forward = torch.compile(model) if compiled else model
    losses = []
    for _ in range(2):
        for xb, yb in batches:
            loss = loss_fn(forward(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad()
            losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()], opt, forward


def test_a_compiled_model_trains_bitwise_as_eager_with_backward_outside():
    batches = lesson_batches()
    runs = [compiled_model_run(lesson.simple_net, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
                               batches, compiled, lesson.mnist_loss) for compiled in (False, True)]
    assert_same_runs(*runs)
    digits = [compiled_model_run(lesson.digit_mlp, lambda ps: torch.optim.Adam(ps, lr=1e-3), digit_batches(),
                                 compiled, F.cross_entropy) for compiled in (False, True)]
    assert_same_runs(*digits)
    forward = runs[1][3]
    x = batches[0][0]
    out = forward(x)
    assert out.grad_fn.name() == "CompiledBackward" and out.requires_grad
    leaves = [node.variable for node, _ in out.grad_fn.next_functions]  # the parameters: AccumulateGrad
    assert len(leaves) == 4 and {id(t) for t in leaves} == {id(p) for p in forward.parameters()}


def test_a_compiled_models_node_refuses_what_any_node_refuses():
    model = lesson.simple_net()
    forward = torch.compile(model)
    x = lesson_batches()[0][0]
    forward(x)
    loss = forward(x).sum()
    loss.backward(retain_graph=False)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()
    stale = forward(x).sum()
    with torch.no_grad():
        model[2].weight -= 0.1  # changed in place after the forward that saved it
    with pytest.raises(RuntimeError, match="CompiledBackward saved for its backward"):
        stale.backward()


def test_an_argument_that_requires_grad_gets_its_gradient_through_the_node():
    w = torch.ones(3).requires_grad_()
    compiled = torch.compile(lambda x: (x * w).tanh())
    grads = []
    for _ in range(2):
        for f in (compiled, lambda x: (x * w).tanh()):
            x = torch.tensor([0.5, -1.0, 2.0]).requires_grad_()
            f(x).sum().backward()
            grads.append((x.grad.numpy().copy(), w.grad.numpy().copy()))
            w.grad = None
    assert all(same_bits(a, b) for pair in zip(grads[0], grads[1], strict=True) for a, b in [pair])
    assert all(same_bits(a, b) for pair in zip(grads[2], grads[3], strict=True) for a, b in [pair])


def test_the_source_shows_the_node_and_its_backward():
    model = lesson.simple_net()
    forward = torch.compile(model)
    forward(lesson_batches()[0][0])
    source = forward.source()
    assert "---- one node in your graph for all of it" in source and "CompiledBackward()" in source
    assert "def sequential_backward(grad_out, saved):" in source
    assert "input, v2, = saved" in source  # the forward's values its backward reads, by name
    assert "Relu backward" in source and "return (g" in source


def test_two_results_in_a_graph_are_refused():
    w = torch.ones(3).requires_grad_()
    pair = torch.compile(lambda x: (x * w, (x * w).sum()))
    with pytest.warns(torch.compiler.CompileWarning, match="more than one result"):
        pair(torch.ones(3))
