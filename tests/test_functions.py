"""functions.py: torch.add / sub / mul / div / matmul with out=, and the default device."""

import numpy as np
import pytest

import tinygrad_edu as tg


def test_function_forms_compute_as_the_operators():
    a, b = tg.tensor([[1.0, 2.0], [3.0, 4.0]]), tg.tensor([10.0, 20.0])
    assert tg.add(a, b).tolist() == [[11.0, 22.0], [13.0, 24.0]]
    assert tg.add(a, b, alpha=2).tolist() == [[21.0, 42.0], [23.0, 44.0]]
    assert tg.sub(a, b, alpha=0.5).tolist() == [[-4.0, -8.0], [-2.0, -6.0]]
    assert tg.mul(a, 3).tolist() == [[3.0, 6.0], [9.0, 12.0]] and tg.mul(2, b).tolist() == [20.0, 40.0]
    assert tg.sub(1, b).tolist() == [-9.0, -19.0]
    assert np.allclose(tg.div(b, a).numpy(), [[10, 10], [10 / 3, 5]])
    assert tg.div(tg.tensor([1, 2]), 2).dtype == tg.float32
    assert np.allclose(tg.matmul(a, a).numpy(), a.numpy() @ a.numpy())
    with pytest.raises(TypeError, match="one of input and other must be a Tensor"):
        tg.mul(2, 3)
    with pytest.raises(NotImplementedError, match="rounding_mode='floor'"):
        tg.div(a, b, rounding_mode="floor")


def test_the_function_forms_are_differentiable_without_out():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.add(tg.mul(x, x), x, alpha=3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_out_is_written_in_place_and_returned():
    a, b = tg.ones(2, 3), tg.full((3,), 2.0)
    out = tg.empty(2, 3)
    view = out.numpy()
    assert tg.mul(a, b, out=out) is out and np.array_equal(view, np.full((2, 3), 2.0))
    assert tg.add(a, b, out=out) is out and out.tolist() == [[3.0] * 3] * 2
    rows = tg.zeros(4, 3)
    tg.sub(a, b, out=rows[:2])  # a view: the rows of the base change
    assert rows.tolist() == [[-1.0] * 3] * 2 + [[0.0] * 3] * 2
    product = tg.empty(2, 2)
    assert tg.matmul(tg.ones(2, 3), tg.ones(3, 2), out=product) is product
    assert product.tolist() == [[3.0] * 2] * 2
    wider = tg.empty(2, 3, dtype=tg.float64)
    assert tg.div(a, b, out=wider).dtype == tg.float64 and wider.tolist() == [[0.5] * 3] * 2
    empty = tg.empty(0)
    assert tg.mul(a, b, out=empty).shape == (2, 3)  # an empty out takes the result's shape, as in PyTorch


def test_out_refuses_a_wrong_shape_a_narrower_dtype_and_autograd():
    a, b = tg.ones(2, 3), tg.ones(3)
    with pytest.raises(tg.ShapeError, match=r"mul\(\): out has shape \(5,\), the result \(2, 3\)"):
        tg.mul(a, b, out=tg.empty(5))
    with pytest.raises(TypeError, match="float32, which cannot be stored in out of dtype int64"):
        tg.mul(a, b, out=tg.empty(2, 3, dtype=tg.int64))
    with pytest.raises(TypeError, match="out must be a Tensor"):
        tg.add(a, b, out=np.empty((2, 3)))
    x = tg.ones(2, 3, requires_grad=True)
    for args, out in (((x, b), tg.empty(2, 3)), ((a, b), tg.empty(2, 3, requires_grad=True))):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            tg.mul(*args, out=out)
    with tg.no_grad():
        out = tg.empty(2, 3)
        tg.mul(x, b, out=out)
    assert out.tolist() == [[1.0] * 3] * 2 and not out.requires_grad


def test_default_device_is_the_cpu():
    tg.set_default_device("cpu")
    tg.set_default_device(tg.device("cpu"))
    tg.set_default_device(None)
    assert tg.get_default_device() == "cpu"
    with pytest.raises(RuntimeError, match=r"set_default_device\(\): device 'cuda' is not available"):
        tg.set_default_device("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.set_default_device("mps")


def test_math_constants():
    assert tg.pi == np.pi and tg.e == np.e and tg.inf == float("inf") and np.isnan(tg.nan)
