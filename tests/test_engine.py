"""The backward walk: accumulation, retain_grad, freed graphs, deep graphs, anomaly detection in
backward, memory release, unbroadcast and the topological order."""

import gc
import tracemalloc
import weakref

import numpy as np
import pytest
from conftest import core_settings, hyp_broadcast_pair
from hypothesis import given

import tinygrad_edu as tg
from tinygrad_edu import engine

# ---- accumulation and non-leaf gradients ------------------------------------------------------------


def test_gradients_accumulate_over_two_backward_calls():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_reused_non_leaf():
    a = tg.tensor([3.0, -1.0], requires_grad=True)
    b = a + a
    c = b * b  # c = 4a², dc/da = 8a
    c.sum().backward()
    assert a.grad.tolist() == [24.0, -8.0]


def test_diamond_graph():
    x = tg.tensor(2.0, requires_grad=True)
    y = x * x  # 4
    z = y.exp() * y + y.log()  # d/dy = e^y (1 + y) + 1/y
    z.backward()
    dy = np.exp(4.0) * 5 + 0.25
    assert x.grad.item() == pytest.approx(dy * 4, rel=1e-6)


def test_non_leaf_grad_stays_none_unless_retained():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    assert not y.retains_grad
    z.sum().backward()
    with pytest.warns(UserWarning, match=r"not a leaf .* Call \.retain_grad\(\) on it before backward"):
        assert y.grad is None
    assert x.grad.tolist() == [8.0, 16.0]


def test_retain_grad_on_a_non_leaf():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    assert y.retains_grad
    z = (y * y).sum()
    z.backward(retain_graph=True)
    assert y.grad.tolist() == [4.0, 8.0]
    z.backward()
    assert y.grad.tolist() == [8.0, 16.0]  # accumulates, as for leaves
    x.retain_grad()  # a no-op on a leaf
    assert not x.retains_grad


def test_inputs_without_requires_grad_get_no_gradient():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([3.0, 4.0])
    (x * c + c).sum().backward()
    assert x.grad.tolist() == [3.0, 4.0] and c.grad is None


# ---- freed graphs --------------------------------------------------------------------------------


def test_second_backward_through_a_freed_graph_raises():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    z = (x * x).sum()
    z.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        z.backward()


def test_retain_graph_allows_a_second_backward():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_backward_releases_the_saved_arrays():
    x = tg.tensor([[1.0, -2.0]], requires_grad=True)
    w = tg.tensor([[0.5], [3.0]], requires_grad=True)
    loss = ((x @ w).sigmoid().log() * x.exp()).mean()
    loss.backward()
    fns = engine.topological_order(loss.grad_fn)
    assert len(fns) >= 5
    assert all(fn.saved == () and fn.released for fn in fns)


def test_the_graph_is_freed_with_its_output_without_cycles():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    loss = (y * y).sum()
    ref = weakref.ref(loss.grad_fn)
    loss.backward()
    del loss, y
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        assert ref() is None  # freed by reference counting: the graph holds no cycles
    finally:
        if was_enabled:
            gc.enable()


def test_many_training_steps_do_not_grow_memory():
    tg.manual_seed(0)
    x = tg.randn(16, 8)
    target = tg.randn(16, 1)
    w = tg.randn(8, 1, requires_grad=True)
    b = tg.zeros(1, requires_grad=True)

    def step():
        loss = ((x @ w + b - target) ** 2).mean()
        loss.backward()
        w.data -= 0.01 * w.grad
        b.data -= 0.01 * b.grad
        w.grad.zero_()
        b.grad.zero_()
        return loss

    # warm-up: the first grads, and the caches of Python (free lists of small tuples, up to 2,000 each)
    # and numpy (small buffers), which every step's graph refills: bounded, but not memory kept per step
    for _ in range(3000):
        step()
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        for _ in range(2000):
            step()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert current - start < 50_000  # nothing kept from step to step
    assert peak - start < 200_000  # one step's graph at a time
    assert step().item() < 1.0


# ---- deep graphs ------------------------------------------------------------------------------------


def test_a_chain_of_100_000_ops():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()  # no RecursionError
    assert x.grad.item() == 1.0
    del y  # and freeing the chain does not recurse either


# ---- anomaly detection ---------------------------------------------------------------------------


def test_detect_anomaly_names_the_backward_op():
    x = tg.tensor([0.0, 4.0], requires_grad=True)
    with tg.detect_anomaly(), np.errstate(divide="ignore"):
        y = (x.sqrt() * 2).sum()  # forward is fine: sqrt(0) = 0
        with pytest.raises(FloatingPointError, match="backward of Sqrt.*inf"):
            y.backward()
    assert not tg.function.is_anomaly_enabled()


# ---- engine internals -------------------------------------------------------------------------------


@core_settings
@given(shapes=hyp_broadcast_pair())
def test_unbroadcast_sums_back_to_each_shape(shapes):
    out_shape = np.broadcast_shapes(*shapes)
    grad = np.ones(out_shape)
    for shape in shapes:
        reduced = engine.unbroadcast(grad, shape)
        assert reduced.shape == shape
        copies = int(np.prod(out_shape)) // max(int(np.prod(shape)), 1)
        assert np.all(reduced == copies)


def test_topological_order_lists_each_op_before_its_inputs_ops():
    x = tg.tensor(1.0, requires_grad=True)
    a = x * 2
    b = a.exp()
    c = a + b
    d = c * a
    order = engine.topological_order(d.grad_fn)
    assert len(order) == len(set(order)) == 4
    position = {fn: i for i, fn in enumerate(order)}
    for fn in order:
        for parent, _ in fn.next_functions:
            if parent is not None and parent.next_functions:  # not a leaf's AccumulateGrad
                assert position[fn] < position[parent]


def test_on_step_traces_each_op():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * tg.tensor([3.0])).sum()
    steps = []
    engine.backward(y, np.ones(()), on_step=lambda fn, g, returned, sent: steps.append(
        (fn.name(), g.shape, returned, sent)))
    assert [s[0] for s in steps] == ["SumBackward", "MulBackward"]
    mul_returned, mul_sent = steps[1][2], steps[1][3]
    assert mul_sent[0].shape == (1, 2) and mul_sent[1] is None
    assert mul_returned[0].shape == (1, 2) and mul_returned[1] is None  # Mul skips what is not needed


def test_on_step_sees_the_gradient_before_and_after_unbroadcast():
    bias = tg.tensor([1.0], requires_grad=True)
    y = (tg.ones(4, 3) + bias).sum()
    steps = []
    engine.backward(y, np.ones(()), on_step=lambda fn, g, returned, sent: steps.append((returned, sent)))
    returned, sent = steps[1]
    assert returned[1].shape == (4, 3) and sent[1].shape == (1,) and sent[1][0] == 12
    assert sent[0] is None  # the ones need no gradient


@pytest.mark.parametrize("make", [
    lambda x: x.maximum(tg.tensor([0.0, 0.0])), lambda x: x.relu(), lambda x: x.clamp(-1, 1),
    lambda x: x.abs(), lambda x: tg.where(x > 0, x, 0.0), lambda x: x.max(), lambda x: x.max(0).values,
    lambda x: x[[0, 0]], lambda x: x.log_softmax(0), lambda x: x.double() * 2, lambda x: x @ x,
    lambda x: x**2, lambda x: 2**x, lambda x: x.var(), lambda x: x / 3,
])
def test_gradients_keep_the_leaf_dtype(make):
    x = tg.tensor([0.5, -2.0], requires_grad=True)
    make(x).sum().backward()
    assert x.grad.dtype == tg.float32 and x.grad.shape == (2,)
