"""Every replay form (compiler/forms.py) computes bitwise what its op's own forward and backward compute,
on random values and on edge values (0, ±inf, NaN, huge and tiny), in float32 and float64, broadcasting
included. If an op in ops/ changes, its form must change with it: this test says which one."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu.ops as O
from tinygrad_edu.compiler import replay
from tinygrad_edu.compiler.capture import statement
from tinygrad_edu.compiler.forms import FORMS, Grads, literal, uses

EDGES = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 1e-30, 100.0, -100.0])


def values(shape, dtype, rng, positive=False):
    a = rng.standard_normal(shape).astype(dtype)
    flat = a.reshape(-1)
    flat[: min(len(EDGES), flat.size)] = EDGES[: flat.size].astype(dtype)
    return np.abs(a) if positive else a


def cases(dtype):
    rng = np.random.default_rng(0)
    v = lambda *shape, **kw: values(shape, dtype, rng, **kw)  # noqa: E731
    yield O.Add, [v(3, 4), v(4)], {}
    yield O.Sub, [v(4), v(3, 4)], {}
    yield O.Mul, [v(3, 4), v(3, 1)], {}
    yield O.Div, [v(3, 4), v(3, 4)], {}
    yield O.Neg, [v(3, 4)], {}
    yield O.Exp, [v(3, 4)], {}
    yield O.Log, [v(3, 4)], {}
    yield O.Sqrt, [v(3, 4)], {}
    yield O.Sigmoid, [v(3, 4)], {}
    yield O.Tanh, [v(3, 4)], {}
    yield O.Relu, [v(3, 4)], {}
    yield O.Where, [rng.random((3, 4)) > 0.5, v(3, 4), v(4)], {}
    yield O.Cast, [v(3, 4)], {"dtype": np.float64 if dtype == np.float32 else np.float32}
    yield O.Sum, [v(3, 4)], {"axis": None, "keepdims": False}
    yield O.Sum, [v(40, 30)], {"axis": (0,), "keepdims": True}
    yield O.Mean, [v(3, 4)], {"axis": None, "keepdims": False}
    yield O.Mean, [v(3, 4)], {"axis": (1,), "keepdims": True}
    yield O.Mean, [v(64, 32)], {"axis": (0,), "keepdims": False}
    yield O.Reshape, [v(3, 4)], {"shape": (2, 6)}
    yield O.Permute, [v(2, 3, 4)], {"axes": (2, 0, 1)}
    yield O.Expand, [v(3, 1)], {"shape": (2, 3, 4)}
    yield O.MatMul, [v(5, 4), v(4, 3)], {}
    yield O.MatMul, [v(5, 4), v(3, 4).T], {}  # W.T: the gradient laid out like W
    yield O.Linear, [v(5, 4), v(3, 4)], {}
    yield O.Linear, [v(5, 4), v(3, 4), v(3)], {}


ALL = [(dtype, case) for dtype in (np.float32, np.float64) for case in cases(dtype)]


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("dtype, case", ALL, ids=[f"{c[0].__name__}-{np.dtype(d).name}-{i}"
                                                  for i, (d, c) in enumerate(ALL)])
def test_a_form_computes_what_its_op_computes(dtype, case):
    cls, arrays, params = case
    form = FORMS[cls]
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # the edge values warn alike both ways
        warnings.simplefilter("ignore")
        fn = cls()
        out = np.asarray(fn.forward(*arrays, **params))  # as Function.apply and Tensor._make do
        names = [f"x{i}" for i in range(len(arrays))]
        ns = {**replay.namespace(), **dict(zip(names, arrays, strict=True))}
        expr = form.forward(names, params, arrays, out)
        exec(statement("out", expr, out, form.errstate), ns)
        assert same_bits(ns["out"], out), f"{cls.__name__} forward"

        fn.needs_input_grad = tuple(a.dtype.kind == "f" for a in arrays)
        grad = values(out.shape, out.dtype, np.random.default_rng(1))
        returned = fn.backward(grad)
        ns.update(g=grad, zero=np.zeros((), grad.dtype))
        exprs = form.grads(Grads("g", names, "out", fn, "zero", arrays))
        for i, (mine, theirs) in enumerate(zip(exprs, returned, strict=True)):
            if theirs is None:
                continue
            assert same_bits(eval(mine, ns), theirs), f"{cls.__name__} backward, input {i}"


def test_every_form_is_checked_here():
    assert {case[0] for _, case in ALL} == set(FORMS)


def test_a_mean_of_nothing_has_no_form():
    empty = np.zeros((0, 3), np.float32)
    assert FORMS[O.Mean].forward(["x"], {"axis": (0,)}, [empty], np.zeros(3, np.float32)) is None


def test_a_matmul_that_is_not_two_2d_matrices_is_left_to_the_op():
    a, b = np.ones((2, 3, 4)), np.ones((4, 5))
    assert FORMS[O.MatMul].forward(["a", "b"], {}, [a, b], a @ b) is None


def test_literals_read_back_as_themselves():
    for value in (None, True, 3, -0.0, 0.1, "mean", (1, (2, None))):
        assert eval(literal(value)) == value and type(eval(literal(value))) is type(value)
    for value in (float("nan"), float("inf"), np.float32(1), [1]):
        assert literal(value) is None


def test_uses_finds_whole_names_only():
    assert uses("g1", "g1 * v2") and not uses("g1", "g10 * v2") and not uses("T", "x.T @ g")
