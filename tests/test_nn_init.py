"""nn.init: the bounds and spreads PyTorch's formulas give, in place and reproducible under manual_seed."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import init


def test_kaiming_uniform_with_a_sqrt5_is_linears_default_bound():
    w = tg.zeros(300, 400)
    init.kaiming_uniform_(w, a=math.sqrt(5))
    bound = 1 / math.sqrt(400)  # gain √(2/6) · √(3/400) = 1/√400
    assert np.abs(w.numpy()).max() <= bound
    assert np.abs(w.numpy()).max() > 0.99 * bound  # 120,000 samples reach the edge
    assert w.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)  # the std of U(-b, b)


def test_normal_spreads():
    w = tg.zeros(200, 500)
    init.kaiming_normal_(w, nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    init.xavier_normal_(w)
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 700), rel=0.02)
    init.xavier_uniform_(w, gain=2.0)
    assert np.abs(w.numpy()).max() <= 2.0 * math.sqrt(6 / 700)


def test_fills_are_in_place_unrecorded_and_keep_the_dtype():
    w = tg.zeros(3, 2, requires_grad=True)
    assert init.constant_(w, 0.5) is w
    assert w.detach().numpy().tolist() == [[0.5, 0.5]] * 3
    assert w.grad_fn is None and w.dtype == np.float32
    init.ones_(w)
    assert w.detach().numpy().sum() == 6
    init.zeros_(w)
    assert w.detach().numpy().sum() == 0


def test_manual_seed_makes_initialisation_reproducible():
    a, b = tg.zeros(4, 5), tg.zeros(4, 5)
    tg.manual_seed(7)
    init.normal_(a)
    tg.manual_seed(7)
    init.normal_(b)
    assert np.array_equal(a.numpy(), b.numpy())


def test_gains_and_errors():
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.kaiming_uniform_(tg.zeros(5))


def test_a_generator_makes_initialisation_reproducible_without_touching_the_default():
    tg.manual_seed(3)
    expected = tg.randn(3).tolist()
    results = []
    for _ in range(2):
        tg.manual_seed(3)
        g = tg.Generator().manual_seed(99)
        w = tg.zeros(20, 30)
        for fill in (init.kaiming_uniform_, init.kaiming_normal_, init.xavier_uniform_, init.xavier_normal_):
            fill(w, generator=g)
            results.append(w.numpy().copy())
        results.append(init.normal_(w, 1.0, 2.0, generator=g).numpy().copy())
        results.append(init.uniform_(w, -3.0, 3.0, generator=g).numpy().copy())
        assert tg.randn(3).tolist() == expected  # the default stream did not move
    first, second = results[:6], results[6:]
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert not np.array_equal(first[0], first[2])


def test_init_fills_a_parameter_that_requires_grad():
    w = tg.nn.Parameter(tg.zeros(4, 5))
    assert init.normal_(w, 0.0, 1.0) is w and w.requires_grad and w.grad_fn is None
    assert np.abs(w.detach().numpy()).sum() > 0
