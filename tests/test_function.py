"""Recording the graph: Function.apply, grad_fn links, grad mode, anomaly checks in forward, and the
layering (function.py and engine.py never import tensor.py)."""

import subprocess
import sys

import numpy as np
import pytest
from test_gradcheck import Cube  # a Function subclass whose backward returns a bare array

import tinygrad_edu as tg


def test_grad_fn_names_and_next_functions():
    x = tg.tensor([1.0], requires_grad=True)
    y = (x * 2).exp()
    assert y.grad_fn.name() == "ExpBackward"
    ((mul, index),) = y.grad_fn.next_functions  # (node, 0) pairs, as in PyTorch
    assert repr(mul) == "<MulBackward>" and index == 0
    (accumulate, _), constant = mul.next_functions
    assert repr(accumulate) == "<AccumulateGrad>" and accumulate.variable is x and constant == (None, 0)
    assert (x.sum()).grad_fn.name() == "SumBackward"


# ---- grad mode -------------------------------------------------------------------------------------


def test_no_grad_context_records_nothing():
    x = tg.tensor([1.0], requires_grad=True)
    assert tg.is_grad_enabled()
    with tg.no_grad():
        assert not tg.is_grad_enabled()
        y = x * 2 + x.exp()
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf
        with tg.enable_grad():
            assert tg.is_grad_enabled()
            z = x * 2
            assert z.requires_grad and z.grad_fn is not None
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    z.sum().backward()
    assert x.grad.tolist() == [2.0]


def test_no_grad_as_a_decorator():
    x = tg.tensor([1.0], requires_grad=True)

    @tg.no_grad()
    def with_parentheses(t):
        return t * 2

    @tg.no_grad
    def without_parentheses(t):
        return t * 2

    @tg.enable_grad()
    def enabled(t):
        return t * 2

    assert with_parentheses.__name__ == "with_parentheses"
    assert not with_parentheses(x).requires_grad
    assert not without_parentheses(x).requires_grad
    with tg.no_grad():
        assert enabled(x).requires_grad
    assert tg.is_grad_enabled()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with tg.no_grad():
            1 / 0  # noqa: B018
    assert tg.is_grad_enabled()


def test_detect_anomaly_names_the_forward_op():
    x = tg.tensor([-1.0, 2.0], requires_grad=True)
    with tg.detect_anomaly():
        y = x * 2
        with pytest.raises(FloatingPointError, match="forward of Log.*NaN"):
            (y - 3).log()
        with pytest.raises(FloatingPointError, match="forward of Div.*inf"), np.errstate(divide="ignore"):
            y / tg.tensor([0.0, 1.0])
    assert np.isnan((x.log()).detach().numpy()[0])  # outside the block: NaN, silently (as PyTorch)


def test_apply_records_only_when_an_input_requires_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = tg.tensor([3.0, 4.0])
    y = x * c
    assert isinstance(y.grad_fn, tg.ops.Mul) and y.grad_fn.inputs == (x, c)
    assert y.grad_fn.needs_input_grad == (True, False)
    z = c * c
    assert z.grad_fn is None and not z.requires_grad


def test_a_user_function_records_like_a_built_in_op():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    assert repr(y.grad_fn) == "<CubeBackward>"
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]


def test_recording_and_walking_never_import_tensor_py():
    # the package's __init__ imports everything: load the modules under an empty package instead
    script = (
        "import importlib.util, sys, types\n"
        "package = types.ModuleType('tinygrad_edu'); package.__path__ = [sys.argv[1]]\n"
        "sys.modules['tinygrad_edu'] = package\n"
        "import tinygrad_edu.function, tinygrad_edu.engine, tinygrad_edu.dims\n"
        "print(sorted(m for m in sys.modules if m.startswith('tinygrad_edu')))\n"
    )
    folder = tg.__path__[0]
    out = subprocess.run([sys.executable, "-c", script, folder], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(["tinygrad_edu", "tinygrad_edu.dims", "tinygrad_edu.engine",
                                      "tinygrad_edu.function"])
