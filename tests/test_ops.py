"""What every op of tinygrad_edu.ops promises: its derivative rule on the docstring's first line (what
trace_backward and draw_graph show), and no work for an input that needs no gradient."""

import inspect

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.function import Function
from tinygrad_edu.viz.graph import op_rule

ALL_OPS = [cls for _, cls in inspect.getmembers(ops, inspect.isclass) if issubclass(cls, Function)]


def test_ops_package_exports_every_op_module_defines():
    defined = {cls for module in (ops.elementwise, ops.reduce, ops.movement, ops.linalg, ops.loss, ops.conv,
                                   ops.pool, ops.nn)
               for _, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, Function) and cls is not Function and cls.__module__ == module.__name__}
    assert defined == set(ALL_OPS) and len(defined) >= 33


@pytest.mark.parametrize("cls", ALL_OPS, ids=lambda cls: cls.__name__)
def test_every_op_states_its_derivative_rule_first(cls):
    rule = op_rule(cls)
    assert rule.startswith("out = "), rule
    assert "d/d" in rule or "gradient" in rule, rule


def _rand(*shape):
    return tg.tensor(np.random.default_rng(0).uniform(0.2, 0.8, shape))


# op: (inputs as (shape, is_float) pairs, params); the first float input and each other in turn need grad
MULTI_INPUT = {
    ops.Add: ([(2, 3), (3,)], {}), ops.Sub: ([(2, 3), (3,)], {}), ops.Mul: ([(2, 3), (3,)], {}),
    ops.Div: ([(2, 3), (3,)], {}), ops.Pow: ([(2, 3), (3,)], {}), ops.Maximum: ([(2, 3), (3,)], {}),
    ops.Minimum: ([(2, 3), (3,)], {}), ops.MatMul: ([(2, 3), (3, 4)], {}),
    ops.Linear: ([(2, 3), (4, 3), (4,)], {}), ops.BinaryCrossEntropy: ([(5,), (5,)], {}),
    ops.BinaryCrossEntropyWithLogits: ([(5,), (5,)], {}), ops.Cat: ([(2, 3), (1, 3), (4, 3)], {"axis": 0}),
    ops.Einsum: ([(2, 3), (3, 3), (2, 3)], {"equation": "bi,ij,bj->b"}),
    ops.Conv2d: ([(2, 4, 5, 5), (6, 2, 3, 3), (6,)], {"stride": (2, 1), "groups": 2}),
    ops.LayerNorm: ([(2, 3), (3,), (3,)], {}),
}


@pytest.mark.parametrize("cls", list(MULTI_INPUT), ids=lambda cls: cls.__name__)
def test_a_multi_input_op_returns_none_for_inputs_that_need_no_gradient(cls):
    shapes, params = MULTI_INPUT[cls]
    for wanted in range(len(shapes)):
        inputs = [_rand(*shape).requires_grad_(i == wanted) for i, shape in enumerate(shapes)]
        out = cls.apply(*inputs, **params)
        returned = out.grad_fn.backward(np.ones(out.shape, out.dtype))
        for i, grad in enumerate(returned):
            assert (grad is None) == (i != wanted), (cls.__name__, wanted, i)


def test_where_and_cross_entropy_send_nothing_to_their_condition_and_target():
    cond = tg.tensor([True, False])
    a, b = _rand(2).requires_grad_(), _rand(2)
    out = ops.Where.apply(cond, a, b)
    assert [g is None for g in out.grad_fn.backward(np.ones(2, np.float32))] == [True, False, True]
    scores = _rand(3, 4).requires_grad_()
    loss = ops.CrossEntropy.apply(scores, tg.tensor([0, 3, 1]))
    grad_scores, grad_target = loss.grad_fn.backward(np.ones((), np.float32))
    assert grad_target is None and grad_scores.shape == (3, 4)
